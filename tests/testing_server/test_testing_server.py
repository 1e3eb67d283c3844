"""Tests for fastgroq.testing: the loopback Groq-compatible server, driven with plain urllib3 / http.client."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
import urllib3
from fastgroq._sse import ServerSentEvent, SSEDecoder
from fastgroq.testing import (
    Frame,
    MockGroqServer,
    RecordedRequest,
    Reply,
    chat_completion,
    chat_completion_chunks,
    error_event,
    sse_event,
)
from urllib3.exceptions import ProtocolError, ReadTimeoutError


@pytest.fixture
def server() -> Iterator[MockGroqServer]:
    with MockGroqServer() as srv:
        yield srv


@pytest.fixture
def pool() -> Iterator[urllib3.PoolManager]:
    with urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=2, read=5)) as manager:
        yield manager


def read_stream(response: Any) -> tuple[bytes, list[int]]:
    """Read a streamed body with read1 (as the SDK does); return it and the size of each read."""
    parts: list[bytes] = []
    while chunk := response.read1(65536):
        parts.append(chunk)
    return b"".join(parts), [len(p) for p in parts]


def events_of(body: bytes) -> list[ServerSentEvent]:
    return SSEDecoder().feed(body)


def post_chat(pool: urllib3.PoolManager, server: MockGroqServer, **params: Any) -> Any:
    body = msgspec.json.encode({"model": "llama-3.3-70b-versatile", "messages": [], **params})
    return pool.request(
        "POST", server.base_url + "/chat/completions", body=body, headers={"Content-Type": "application/json"}
    )


# --- plain replies and recording -------------------------------------------------------------------------


def test_urls(server: MockGroqServer) -> None:
    assert server.root_url == f"http://127.0.0.1:{server.port}"
    assert server.base_url == server.root_url + "/openai/v1"


def test_json_reply_with_status_and_headers(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    server.enqueue(Reply.json({"ok": True}, status=201, headers={"x-request-id": "req_1", "X-Custom": "a"}))
    response = post_chat(pool, server)
    assert response.status == 201
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"] == "req_1"
    assert response.headers["x-custom"] == "a"
    assert response.json() == {"ok": True}


def test_requests_are_recorded(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    pool.request(
        "POST",
        server.root_url + "/openai/v1/chat/completions?a=1&b=two",
        body=b'{"model":"m"}',
        headers={"Authorization": "Bearer k", "X-Test": "1"},
    )
    (request,) = server.requests
    assert isinstance(request, RecordedRequest)
    assert request.method == "POST"
    assert request.path == "/openai/v1/chat/completions"
    assert request.target == "/openai/v1/chat/completions?a=1&b=two"
    assert request.query == {"a": "1", "b": "two"}
    assert request.headers["authorization"] == "Bearer k"
    assert request.headers.get("AUTHORIZATION") == "Bearer k"
    assert "x-test" in request.headers
    assert request.headers.get("missing") is None
    assert request.body == b'{"model":"m"}'
    assert request.json() == {"model": "m"}
    assert server.last_request is request


def test_chunked_request_body_is_dechunked(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    pool.request("POST", server.base_url + "/chat/completions", body=iter([b'{"model":', b'"m"}']), chunked=True)
    assert server.requests[0].json() == {"model": "m"}


def test_any_path_prefix_is_served_and_recorded_exactly(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    for path in ("/openai/v1/chat/completions", "/v1/chat/completions", "/chat/completions"):
        response = pool.request("POST", server.root_url + path, body=b'{"model":"m","messages":[]}')
        assert response.status == 200
        assert response.json()["object"] == "chat.completion"
    assert [r.path for r in server.requests] == [
        "/openai/v1/chat/completions",
        "/v1/chat/completions",
        "/chat/completions",
    ]


def test_raw_html_error_page(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    server.enqueue(Reply.raw(page, status=502, content_type="text/html"))
    response = post_chat(pool, server)
    assert response.status == 502
    assert response.headers["content-type"] == "text/html"
    assert response.data == page


def test_error_reply_has_groq_shape(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    server.enqueue(Reply.error(429, "Rate limit reached", code="rate_limit_exceeded", headers={"retry-after": "2"}))
    server.enqueue(Reply.error(498, "Flex tier capacity exceeded"))
    response = post_chat(pool, server)
    assert response.status == 429
    assert response.headers["retry-after"] == "2"
    assert response.json() == {
        "error": {"message": "Rate limit reached", "type": "tokens", "code": "rate_limit_exceeded"}
    }
    response = post_chat(pool, server)
    assert response.status == 498
    assert response.json()["error"]["message"] == "Flex tier capacity exceeded"


# --- default replies, queue and routes ---------------------------------------------------------------------


def test_default_replies(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    response = post_chat(pool, server, model="llama-3.1-8b-instant")
    completion = response.json()
    assert completion["model"] == "llama-3.1-8b-instant"
    assert completion["choices"][0]["message"]["role"] == "assistant"
    assert response.headers["x-request-id"] == completion["x_groq"]["id"]

    response = post_chat(pool, server, stream=True, stream_options={"include_usage": True})
    assert response.headers["content-type"] == "text/event-stream"
    events = events_of(response.data)
    assert events[-1].data == b"[DONE]"
    chunks = [msgspec.json.decode(e.data) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"] == [] and "usage" in chunks[-1]

    assert pool.request("GET", server.base_url + "/models").json()["object"] == "list"
    response = pool.request("GET", server.base_url + "/nope")
    assert response.status == 404
    assert response.json()["error"]["code"] == "unknown_url"


@pytest.mark.parametrize("path", ["/chat/completions", "/embeddings", "/audio/speech", "/responses"])
@pytest.mark.parametrize(
    ("body", "message"),
    [(b"{not json", "Failed to parse request body as JSON"), (b"[1, 2]", "Request body must be a JSON object")],
)
def test_default_replies_refuse_a_body_that_is_not_a_json_object(
    server: MockGroqServer, pool: urllib3.PoolManager, path: str, body: bytes, message: str
) -> None:
    response = pool.request("POST", server.base_url + path, body=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert response.json()["error"]["message"] == message
    assert response.headers["x-request-id"]


def test_queue_is_fifo_then_default(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    server.enqueue(Reply.json({"n": 1}), Reply.json({"n": 2}))
    server.enqueue(Reply.json({"n": 3}))
    assert server.pending_replies == 3
    assert [post_chat(pool, server).json().get("n") for _ in range(4)] == [1, 2, 3, None]
    assert server.pending_replies == 0


def test_routes_and_filtered_queue(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    server.route("GET", "/openai/v1/models", Reply.json({"route": "models"}))
    server.enqueue(Reply.json({"queued": "chat"}), method="POST", path="/chat/completions")
    # The queued reply is for POST .../chat/completions only: the GET passes it by and hits the route.
    assert pool.request("GET", server.base_url + "/models").json() == {"route": "models"}
    assert pool.request("GET", server.base_url + "/models").json() == {"route": "models"}
    assert post_chat(pool, server).json() == {"queued": "chat"}
    server.route(None, "/models", Reply.json({"route": "newer"}))
    assert pool.request("GET", server.base_url + "/models").json() == {"route": "newer"}


def test_callable_reply(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    server.enqueue(lambda request: Reply.json({"echo": request.json()["model"]}))
    assert post_chat(pool, server, model="x").json() == {"echo": "x"}


def test_failing_callable_gives_500_and_is_kept(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    def boom(request: RecordedRequest) -> Reply:
        raise ValueError("boom")

    server.enqueue(boom)
    response = post_chat(pool, server)
    assert response.status == 500
    assert "boom" in response.json()["error"]["message"]
    assert [type(e) for e in server.errors] == [ValueError]


def test_reset_clears_script_and_records(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    server.enqueue(Reply.json({"n": 1}))
    server.route("GET", "/models", Reply.json({}))
    post_chat(pool, server)
    server.enqueue(Reply.json({"n": 2}))
    server.reset()
    assert server.requests == [] and server.pending_replies == 0
    assert pool.request("GET", server.base_url + "/models").json()["object"] == "list"


def test_wait_for_requests(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    thread = threading.Thread(target=lambda: [post_chat(pool, server) for _ in range(2)])
    thread.start()
    assert len(server.wait_for_requests(2, timeout=10)) >= 2
    thread.join()
    with pytest.raises(TimeoutError):
        server.wait_for_requests(3, timeout=0.05)


# --- streams ---------------------------------------------------------------------------------------------


def test_chunked_sse_stream(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    chunks = chat_completion_chunks(["Hel", "lo"], request_id="req_x")
    server.enqueue(Reply.sse(chunks, headers={"x-request-id": "req_x"}))
    response = pool.request("POST", server.base_url + "/chat/completions", body=b"{}", preload_content=False)
    assert response.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.headers
    assert response.headers["content-type"] == "text/event-stream"
    body, _ = read_stream(response)
    events = events_of(body)
    assert [msgspec.json.decode(e.data) for e in events[:-1]] == chunks
    assert events[-1].data == b"[DONE]"
    response.release_conn()
    # The connection survives a chunked stream.
    post_chat(pool, server)
    assert server.connections_accepted == 1


def test_close_delimited_sse_stream(server: MockGroqServer) -> None:
    chunks = chat_completion_chunks(["a", "b", "c"])
    server.enqueue(Reply.sse(chunks, chunked=False, done=False))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("POST", "/openai/v1/chat/completions", body=b"{}")
    response = conn.getresponse()
    assert response.getheader("transfer-encoding") is None
    assert response.getheader("content-length") is None
    assert response.getheader("connection") == "close"
    events = events_of(response.read())
    assert [msgspec.json.decode(e.data) for e in events] == chunks  # done=False: no [DONE]
    conn.close()


def test_raw_prefamed_body(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    raw = b": hello\r\nevent: x\r\ndata: 1\r\n\r\ndata: 2\n\n"
    server.enqueue(Reply.sse_raw(raw), Reply.sse_raw(raw, chunked=False))
    assert post_chat(pool, server).data == raw
    assert post_chat(pool, server).data == raw


def test_error_events_mid_stream(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    chunks = chat_completion_chunks(["a"])
    server.enqueue(
        Reply.sse([chunks[0], error_event("Overloaded", code="overloaded"), error_event("Bad", event=True)], done=False)
    )
    events = events_of(post_chat(pool, server).data)
    assert events[1].event == "message"
    assert msgspec.json.decode(events[1].data) == {
        "error": {"message": "Overloaded", "type": "internal_server_error", "code": "overloaded"}
    }
    assert events[2].event == "error"
    assert msgspec.json.decode(events[2].data)["error"]["message"] == "Bad"


def test_sse_event_frames() -> None:
    assert sse_event({"a": 1}) == b'data: {"a":1}\n\n'
    assert sse_event("x\ny", event="e", id="7", retry=5, comment="hi") == (
        b": hi\nevent: e\nid: 7\nretry: 5\ndata: x\ndata: y\n\n"
    )
    assert sse_event("x", eol=b"\r\n") == b"data: x\r\n\r\n"
    assert events_of(sse_event("x\ny", eol=b"\r")) == [ServerSentEvent("message", b"x\ny")]


def test_items_of_each_kind(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    server.enqueue(Reply.sse([{"a": 1}, "text", b"bytes", Frame(b": comment\n\n"), [1, 2]]))
    events = events_of(post_chat(pool, server).data)
    assert [e.data for e in events] == [b'{"a":1}', b"text", b"bytes", b"[1,2]", b"[DONE]"]


def test_drip_splits_events_across_reads(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    reply = Reply.sse(chat_completion_chunks(["Hello", " world"]), drip=7)
    server.enqueue(reply)
    response = pool.request("POST", server.base_url + "/chat/completions", body=b"{}", preload_content=False)
    body, sizes = read_stream(response)
    assert body == reply.body
    assert max(sizes) <= 7
    assert len(sizes) >= len(reply.body) // 7


def test_per_event_delay(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    server.enqueue(Reply.sse(["1", "2", "3"], delay=0.05, done=False))
    started = time.monotonic()
    response = pool.request("POST", server.base_url + "/chat/completions", body=b"{}", preload_content=False)
    body, sizes = read_stream(response)
    assert time.monotonic() - started >= 0.15
    assert [e.data for e in events_of(body)] == [b"1", b"2", b"3"]
    assert len(sizes) == 3  # each event was flushed on its own


def test_big_stream_is_served_whole(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    chunks = chat_completion_chunks(f"tok{i} " for i in range(20_000))
    reply = Reply.sse(chunks)
    server.enqueue(reply)
    response = pool.request("POST", server.base_url + "/chat/completions", body=b"{}", preload_content=False)
    decoder = SSEDecoder()
    count = 0
    while chunk := response.read1(65536):
        count += len(decoder.feed(chunk))
    assert count == 20_003
    assert not decoder.finish()


# --- faults ----------------------------------------------------------------------------------------------


def test_truncated_chunked_stream_is_a_protocol_error(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    reply = Reply.sse(chat_completion_chunks(["a", "b"]))
    server.enqueue(reply.truncated(after=50))
    response = pool.request("POST", server.base_url + "/chat/completions", body=b"{}", preload_content=False)
    with pytest.raises(ProtocolError):
        read_stream(response)


def test_truncated_close_delimited_stream_ends_early(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    chunks = chat_completion_chunks(["a", "b"])
    reply = Reply.sse(chunks, chunked=False)
    first_event = b"data: " + msgspec.json.encode(chunks[0]) + b"\n\n"
    server.enqueue(reply.truncated(after_events=2), reply.truncated(after=len(first_event) + 10))
    body, _ = read_stream(post_chat_stream(pool, server))
    assert len(events_of(body)) == 2
    body, _ = read_stream(post_chat_stream(pool, server))
    decoder = SSEDecoder()
    assert len(decoder.feed(body)) == 1
    assert decoder.finish()  # cut in the middle of the second event


def post_chat_stream(pool: urllib3.PoolManager, server: MockGroqServer) -> Any:
    return pool.request("POST", server.base_url + "/chat/completions", body=b"{}", preload_content=False)


def test_truncated_json_body(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    server.enqueue(Reply.json(chat_completion()).truncated(after=10))
    with pytest.raises(ProtocolError):
        read_stream(post_chat_stream(pool, server))


def test_reset_before_response(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    server.enqueue(Reply.reset())
    with pytest.raises(ProtocolError) as info:
        post_chat(pool, server)
    assert isinstance(info.value.args[1], ConnectionResetError)
    assert len(server.requests) == 1  # the request was read before the reset
    assert post_chat(pool, server).status == 200  # the server carries on


def test_reset_mid_stream(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    reply = Reply.sse(chat_completion_chunks(["a", "b"]))
    server.enqueue(reply.reset_after(100), reply.reset_after(after_events=1))
    for _ in range(2):
        response = post_chat_stream(pool, server)
        with pytest.raises(ProtocolError):
            read_stream(response)


def test_reset_mid_stream_with_raw_socket(server: MockGroqServer) -> None:
    server.enqueue(Reply.sse(["x" * 1000], chunked=False).reset_after(200))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /openai/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        received = b""
        with pytest.raises(ConnectionResetError):
            while data := sock.recv(65536):
                received += data
        assert len(received.partition(b"\r\n\r\n")[2]) <= 200


def test_delay_before_headers_triggers_read_timeout(server: MockGroqServer) -> None:
    server.enqueue(Reply.json({}).delayed(1.0))
    with (
        urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=2, read=0.1)) as pool,
        pytest.raises(ReadTimeoutError),
    ):
        post_chat(pool, server)


def test_stall_mid_stream_triggers_read_timeout(server: MockGroqServer) -> None:
    server.enqueue(Reply.sse(["1", "2"]).stalled(after_events=1, seconds=1.0))
    with urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=2, read=0.1)) as pool:
        response = post_chat_stream(pool, server)
        assert response.read1(65536) == b"data: 1\n\n"
        with pytest.raises(ReadTimeoutError):
            response.read1(65536)


def test_stall_then_rest_of_stream(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    reply = Reply.sse(["1", "2"])
    server.enqueue(reply.stalled(after=4, seconds=0.05))
    assert post_chat(pool, server).data == reply.body


# --- connections and lifecycle ---------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    for _ in range(3):
        assert post_chat(pool, server).status == 200
    assert server.connections_accepted == 1
    assert {r.connection for r in server.requests} == {1}


def test_connection_close_and_close_delimited_need_new_connections(
    server: MockGroqServer, pool: urllib3.PoolManager
) -> None:
    server.enqueue(Reply.sse(["x"], chunked=False))
    post_chat(pool, server)
    post_chat(pool, server)
    pool.request("GET", server.base_url + "/models", headers={"Connection": "close"})
    pool.request("GET", server.base_url + "/models")
    assert server.connections_accepted == 3
    assert [r.connection for r in server.requests] == [1, 2, 2, 3]


def test_client_disconnect_mid_stream_is_silent(server: MockGroqServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.enqueue(Reply.sse(chat_completion_chunks(f"tok{i}" for i in range(20_000)), drip=4096))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /openai/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        sock.recv(1000)
    deadline = time.monotonic() + 10
    while server.open_connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.open_connections == 0
    assert server.errors == []
    assert capsys.readouterr().err == ""


def test_close_does_not_hang_on_stalled_handlers() -> None:
    server = MockGroqServer().start()
    server.enqueue(Reply.json({}).delayed(60), Reply.sse(["1"]).stalled(after=0, seconds=60))
    sockets = []
    for _ in range(2):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
        sockets.append(sock)
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=5)  # a keep-alive connection
    server.wait_for_requests(2)
    closer = threading.Thread(target=server.close)
    closer.start()
    closer.join(timeout=10)
    assert not closer.is_alive()
    for sock in [*sockets, idle]:
        sock.close()
    with pytest.raises(RuntimeError):
        _ = server.port


def test_restartable_and_idempotent_close() -> None:
    server = MockGroqServer()
    server.close()
    with server:
        first = server.port
    server.close()
    with server, urllib3.PoolManager(retries=False) as pool:
        assert pool.request("GET", server.base_url + "/models").status == 200
    assert isinstance(first, int)


# --- payload helpers -------------------------------------------------------------------------------------


def test_chat_completion_payload() -> None:
    completion = chat_completion("Hi there", model="m", request_id="req_1", id="chatcmpl-1", created=5)
    assert completion["id"] == "chatcmpl-1"
    assert completion["object"] == "chat.completion"
    assert completion["created"] == 5
    assert completion["choices"] == [
        {"index": 0, "message": {"role": "assistant", "content": "Hi there"}, "logprobs": None, "finish_reason": "stop"}
    ]
    assert completion["x_groq"] == {"id": "req_1"}
    u = completion["usage"]
    assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"]
    assert set(u) >= {"queue_time", "prompt_time", "completion_time", "total_time"}


def test_chat_completion_chunks_payload() -> None:
    chunks = chat_completion_chunks(["Hel", "lo"], request_id="req_x", include_usage_chunk=True)
    assert len(chunks) == 5
    assert len({c["id"] for c in chunks}) == 1
    first, *content, last, usage_only = chunks
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert first["x_groq"] == {"id": "req_x"}
    assert [c["choices"][0]["delta"]["content"] for c in content] == ["Hel", "lo"]
    assert all("x_groq" not in c for c in content)
    assert last["choices"][0]["finish_reason"] == "stop"
    assert last["choices"][0]["delta"] == {}
    assert last["x_groq"]["id"] == "req_x"
    assert set(last["x_groq"]["usage"]) == {
        "queue_time",
        "prompt_tokens",
        "prompt_time",
        "completion_tokens",
        "completion_time",
        "total_tokens",
        "total_time",
    }
    assert usage_only["choices"] == [] and usage_only["usage"] == last["x_groq"]["usage"]
    assert "usage" not in chat_completion_chunks(["a"], usage=False)[-1]["x_groq"]


# --- uploads, audio and binary answers ---------------------------------------------------------------------------


def post_form(pool: urllib3.PoolManager, server: MockGroqServer, path: str, fields: dict[str, Any]) -> Any:
    """A multipart/form-data POST built by urllib3 itself (not by fastgroq), as any client would send it."""
    return pool.request("POST", server.base_url + path, fields=fields)


def test_multipart_uploads_are_recorded_as_fields_and_files(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    server.enqueue(Reply.json({"text": "ok"}))
    post_form(pool, server, "/audio/transcriptions", {"model": "m", "file": ("a.wav", b"RIFF", "audio/wav")})
    request = server.last_request
    assert request.is_multipart
    assert request.form() == {"model": "m"}
    upload = request.files()["file"]
    assert (upload.name, upload.filename, upload.content_type, upload.content) == (
        "file",
        "a.wav",
        "audio/wav",
        b"RIFF",
    )
    assert not RecordedRequest("POST", "/x", request.headers.__class__([]), b"{}", 1).is_multipart
    with pytest.raises(ValueError, match="multipart"):
        RecordedRequest("POST", "/x", request.headers.__class__([]), b"{}", 1).form()


def test_post_files_adds_the_upload_to_the_state(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    response = post_form(pool, server, "/files", {"purpose": "batch", "file": ("in.jsonl", b'{"a": 1}\n')})
    created = response.json()
    assert response.status == 200 and created["filename"] == "in.jsonl" and created["bytes"] == 9
    assert server.state.file_content(created["id"]) == b'{"a": 1}\n'
    content = pool.request("GET", server.base_url + f"/files/{created['id']}/content")
    assert (content.status, content.data, content.headers["content-type"]) == (
        200,
        b'{"a": 1}\n',
        "application/octet-stream",
    )
    refused = post_form(pool, server, "/files", {"purpose": "fine-tune", "file": ("in.jsonl", b"x")})
    assert refused.status == 400 and refused.json()["error"]["param"] == "purpose"
    missing = post_form(pool, server, "/files", {"purpose": "batch"})
    assert missing.status == 400 and missing.json()["error"]["param"] == "file"


@pytest.mark.parametrize(
    ("response_format", "content_type"),
    [("json", "application/json"), ("verbose_json", "application/json"), ("text", "text/plain; charset=utf-8")],
)
def test_transcriptions_and_translations_answer_each_format(
    server: MockGroqServer, pool: urllib3.PoolManager, response_format: str, content_type: str
) -> None:
    for path, word in (("/audio/transcriptions", "Transcribed"), ("/audio/translations", "Translated")):
        fields = {"model": "whisper-large-v3", "response_format": response_format, "file": ("a.mp3", b"ID3")}
        response = post_form(pool, server, path, fields)
        assert (response.status, response.headers["content-type"]) == (200, content_type)
        text = response.data.decode() if response_format == "text" else response.json()["text"]
        assert text.startswith(f"{word} text of a.mp3 (3 bytes).")
        if response_format == "verbose_json":
            assert response.json()["segments"] and response.json()["task"] in ("transcribe", "translate")


def test_speech_answers_audio_in_the_requested_format(server: MockGroqServer, pool: urllib3.PoolManager) -> None:
    params = {"model": "playai-tts", "voice": "Fritz-PlayAI", "input": "hi", "response_format": "wav"}
    response = pool.request("POST", server.base_url + "/audio/speech", body=msgspec.json.encode(params))
    assert response.headers["content-type"] == "audio/wav" and response.data[:4] == b"RIFF"
    assert response.headers["transfer-encoding"] == "chunked"
    refused = pool.request("POST", server.base_url + "/audio/speech", body=msgspec.json.encode({"model": "m"}))
    assert refused.status == 400
