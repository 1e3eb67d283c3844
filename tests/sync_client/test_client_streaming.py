"""End-to-end tests of streamed chat completions against a real loopback server."""

from __future__ import annotations

import gc
import threading
from typing import Any, cast

import fastgroq
import pytest
from fastgroq import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    ChatCompletion,
    ChatCompletionChunk,
    Groq,
    IncompleteStreamError,
    StreamError,
)
from fastgroq.testing import Frame, MockGroqServer, Reply, chat_completion_chunks, error_event, sse_event
from fastgroq.types import ErrorObject

from tests.client_helpers import assert_fastgroq_error, create, is_stream, make_client, wait_until

PIECES = ["Hel", "lo", ", wör", "ld 🌍", "!"]
TEXT = "".join(PIECES)


def chunks(pieces: list[str] = PIECES, **kwargs: Any) -> list[dict[str, Any]]:
    kwargs.setdefault("request_id", "req_body")
    return chat_completion_chunks(pieces, **kwargs)


def delta(content: str | None = None, **fields: Any) -> dict[str, Any]:
    """A bare chunk with one choice whose delta has `content` and `fields`."""
    d: dict[str, Any] = dict(fields)
    if content is not None:
        d["content"] = content
    finish = d.pop("finish_reason", None)
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "m",
        "choices": [{"index": 0, "delta": d, "finish_reason": finish}],
    }


def texts(items: list[ChatCompletionChunk]) -> list[str]:
    return [c.choices[0].delta.content for c in items if c.choices and c.choices[0].delta.content]


# --- the happy path --------------------------------------------------------------------------------------


def test_stream_returns_stream_of_chunks(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks(), headers={"x-request-id": "req_hdr"}))
    stream = create(client, stream=True)
    assert is_stream(stream)
    received = list(stream)
    assert all(isinstance(c, ChatCompletionChunk) for c in received)
    assert len(received) == len(PIECES) + 2
    assert texts(received) == PIECES
    assert received[0].choices[0].delta.role == "assistant"
    assert received[-1].choices[0].finish_reason == "stop"
    assert stream.chunks_received == len(received)
    assert stream.closed
    request = server.requests[0]
    assert request.json()["stream"] is True
    assert request.headers["Accept"] == "text/event-stream"


def test_iter_text(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks()))
    assert list(create(client, stream=True).iter_text()) == PIECES


def test_get_final_completion_folds_everything(server: MockGroqServer, client: Groq) -> None:
    usage = {"prompt_tokens": 10, "completion_tokens": 7, "total_tokens": 17}
    events = [
        {**delta("", role="assistant"), "x_groq": {"id": "req_groq"}},
        delta(reasoning="Let me "),
        delta(reasoning="think."),
        delta("Calling "),
        delta("tools."),
        delta(
            tool_calls=[
                {"index": 0, "id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": ""}}
            ]
        ),
        delta(tool_calls=[{"index": 0, "function": {"arguments": '{"city": '}}]),
        delta(
            tool_calls=[
                {"index": 1, "id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
            ]
        ),
        delta(tool_calls=[{"index": 0, "function": {"arguments": '"Paris"}'}}]),
        {**delta(finish_reason="tool_calls"), "x_groq": {"id": "req_groq", "usage": usage}},
    ]
    server.enqueue(Reply.sse(events, headers={"x-request-id": "req_hdr"}))
    completion = create(client, stream=True).get_final_completion()
    assert isinstance(completion, ChatCompletion)
    message = completion.choices[0].message
    assert message.content == "Calling tools."
    assert message.reasoning == "Let me think."
    assert message.tool_calls is not None
    assert [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls] == [
        ("call_a", "get_weather", '{"city": "Paris"}'),
        ("call_b", "get_time", "{}"),
    ]
    assert completion.choices[0].finish_reason == "tool_calls"
    assert completion.usage is not None and completion.usage.total_tokens == 17
    assert cast(Any, completion)._request_id == "req_hdr"
    assert completion.id == "chatcmpl-1"


def test_get_final_completion_request_id_from_x_groq(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks(request_id="req_only_in_body")))
    completion = create(client, stream=True).get_final_completion()
    assert completion.choices[0].message.content == TEXT
    assert cast(Any, completion)._request_id == "req_only_in_body"


def test_usage_from_x_groq(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks(prompt_tokens=33)))
    stream = create(client, stream=True)
    assert stream.usage is None
    list(stream)
    usage: Any = stream.usage
    assert usage.prompt_tokens == 33
    assert usage.total_tokens == 33 + usage.completion_tokens


def test_usage_from_include_usage_chunk(server: MockGroqServer, client: Groq) -> None:
    events = chunks(usage=False, include_usage_chunk=True, prompt_tokens=44)
    assert events[-1]["choices"] == [] and "usage" in events[-1]
    server.enqueue(Reply.sse(events))
    stream = create(client, stream=True, stream_options={"include_usage": True})
    received = list(stream)
    assert received[-1].choices == []
    assert stream.usage.prompt_tokens == 44
    assert server.requests[0].json()["stream_options"] == {"include_usage": True}
    server.enqueue(Reply.sse(events))
    completion = create(client, stream=True).get_final_completion()
    assert completion.usage.prompt_tokens == 44
    assert completion.choices[0].message.content == TEXT


def test_chunk_without_choices_key(server: MockGroqServer, client: Groq) -> None:
    usage_only = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    server.enqueue(Reply.sse([*chunks(usage=False), usage_only]))
    stream = create(client, stream=True)
    assert texts(list(stream)) == PIECES
    assert stream.usage.total_tokens == 3


def test_request_id_from_header_and_from_x_groq(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks(), headers={"x-request-id": "req_hdr"}))
    stream = create(client, stream=True)
    assert stream.request_id == "req_hdr"
    list(stream)
    assert stream.request_id == "req_hdr"

    server.enqueue(Reply.sse(chunks(request_id="req_groq")))
    stream = create(client, stream=True)
    next(stream)
    assert stream.request_id == "req_groq"
    stream.close()


def test_response_metadata(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks(), headers={"x-request-id": "req_hdr", "x-ratelimit-remaining-tokens": "99"}))
    with create(client, stream=True) as stream:
        assert stream.response.status_code == 200
        assert stream.response.headers["content-type"] == "text/event-stream"
        assert stream.response.request_id == "req_hdr"
        assert stream.response.rate_limits.remaining_tokens == 99
        list(stream)


def test_with_raw_response_stream(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks(), headers={"x-request-id": "req_raw"}))
    raw = client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "x"}], stream=True
    )
    assert raw.status_code == 200 and raw.request_id == "req_raw"
    stream = raw.parse()
    assert is_stream(stream)
    assert "".join(stream.iter_text()) == TEXT
    assert raw.parse() is stream


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
def test_chunked_and_close_delimited(server: MockGroqServer, client: Groq, chunked: bool) -> None:
    server.enqueue(Reply.sse(chunks(), chunked=chunked))
    assert "".join(create(client, stream=True).iter_text()) == TEXT


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
def test_events_arrive_as_soon_as_sent(server: MockGroqServer, chunked: bool) -> None:
    """The server sends 2 events then stalls 30 s; the client (read timeout 3 s) must get both during the stall.

    If the client waited for more bytes (buffering until a block fills, or until end of body), it would
    hit its 3 s read timeout long before the stall ends: getting the chunks at all proves they arrived early.
    """
    server.enqueue(Reply.sse(chunks(), chunked=chunked).stalled(after_events=2, seconds=30))
    with make_client(server, timeout=3.0) as client:
        stream = create(client, stream=True)
        first = next(stream)
        second = next(stream)
        assert first.choices[0].delta.role == "assistant"
        assert second.choices[0].delta.content == PIECES[0]
        assert stream.chunks_received == 2
        stream.close()


@pytest.mark.parametrize("drip", [1, 3, 7])
def test_drip_mode_yields_identical_chunks(server: MockGroqServer, client: Groq, drip: int) -> None:
    events = chunks(["ü", "€", "𝄞 music", "日本語", "e\u0301"])
    server.enqueue(Reply.sse(events))
    whole = list(create(client, stream=True))
    server.enqueue(Reply.sse(events, drip=drip))
    dripped = list(create(client, stream=True))
    assert dripped == whole
    assert texts(dripped) == ["ü", "€", "𝄞 music", "日本語", "e\u0301"]


def test_crlf_and_multiline_framing(server: MockGroqServer, client: Groq) -> None:
    events = chunks()
    body = b"".join(sse_event(e, eol=b"\r\n") for e in events) + b"data: [DONE]\r\n\r\n"
    server.enqueue(Reply.sse_raw(body, drip=5))
    assert texts(list(create(client, stream=True))) == PIECES


def test_keep_alive_comments_and_unknown_events_ignored(server: MockGroqServer, client: Groq) -> None:
    events = chunks()
    mixed: list[Any] = [Frame(b": keep-alive\n\n"), events[0], sse_event(comment="ping")]
    for e in events[1:]:
        mixed.append(e)
        mixed.append(sse_event({"whatever": 1}, event="progress"))
        mixed.append(Frame(b": keep-alive\n\n"))
    server.enqueue(Reply.sse(mixed))
    received = list(create(client, stream=True))
    assert len(received) == len(events)
    assert texts(received) == PIECES


# --- errors mid-stream -----------------------------------------------------------------------------------


def test_stream_without_done_is_incomplete(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks(), done=False))
    received = []
    with pytest.raises(IncompleteStreamError) as info:
        for c in create(client, stream=True):
            received.append(c)
    err = info.value
    assert isinstance(err, APIConnectionError)
    assert err.chunks_received == len(received) == len(PIECES) + 2
    assert str(len(received)) in str(err)
    assert err.request_id == "req_body"


def test_close_delimited_stream_cut_short_is_incomplete(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks(), chunked=False).truncated(after_events=3))
    with pytest.raises(IncompleteStreamError) as info:
        list(create(client, stream=True))
    assert info.value.chunks_received == 3


@pytest.mark.parametrize("as_event", [False, True], ids=["data-error", "event-error"])
def test_mid_stream_error_event(server: MockGroqServer, client: Groq, as_event: bool) -> None:
    events: list[Any] = chunks()[:3]
    events.append(
        error_event(
            "Failed to call a function",
            type="invalid_request_error",
            code="tool_use_failed",
            event=as_event,
            failed_generation='{"name": "broken"',
        )
    )
    server.enqueue(Reply.sse(events, headers={"x-request-id": "req_hdr"}))
    received = []
    with pytest.raises(StreamError) as info:
        for c in create(client, stream=True):
            received.append(c)
    err = info.value
    assert isinstance(err, fastgroq.APIError)
    assert_fastgroq_error(err)
    assert len(received) == 3
    assert err.message == "Failed to call a function"
    assert err.code == "tool_use_failed"
    assert err.type == "invalid_request_error"
    assert err.failed_generation == '{"name": "broken"'
    # As in the official SDK: the error object as sent; the typed one is err.error.
    assert isinstance(err.body, dict) and err.body["message"] == "Failed to call a function"
    assert err.body["code"] == "tool_use_failed"
    assert isinstance(err.error, ErrorObject) and err.error.code == "tool_use_failed"
    assert err.request_id == "req_hdr"
    assert err.event_index == 3


def test_x_groq_error_string(server: MockGroqServer, client: Groq) -> None:
    events = chunks()[:2]
    events.append({**delta(), "x_groq": {"id": "req_body", "error": "stream stopped: model overloaded"}})
    server.enqueue(Reply.sse(events))
    received = []
    with pytest.raises(StreamError) as info:
        for c in create(client, stream=True):
            received.append(c)
    assert len(received) == 2
    assert "model overloaded" in info.value.message
    assert info.value.chunk is not None
    assert info.value.request_id == "req_body"


def test_x_groq_error_object(server: MockGroqServer, client: Groq) -> None:
    error = {
        "message": "bad tool call",
        "type": "invalid_request_error",
        "code": "tool_use_failed",
        "failed_generation": "<fn>",
    }
    events = chunks()[:2]
    events.append({**delta(), "x_groq": {"id": "req_body", "error": error}})
    server.enqueue(Reply.sse(events))
    with pytest.raises(StreamError) as info:
        list(create(client, stream=True))
    assert info.value.message == "bad tool call"
    assert info.value.code == "tool_use_failed"
    assert info.value.failed_generation == "<fn>"


@pytest.mark.parametrize("drip", [None, 4])
def test_malformed_event_names_the_event(server: MockGroqServer, client: Groq, drip: int | None) -> None:
    events: list[Any] = chunks()[:3]
    events.append('{"id": "broken", not json')
    events.extend(chunks()[3:])
    server.enqueue(Reply.sse(events, drip=drip))
    received = []
    with pytest.raises(APIResponseValidationError) as info:
        for c in create(client, stream=True):
            received.append(c)
    err = info.value
    assert_fastgroq_error(err)
    assert len(received) == 3
    assert err.event_index == 3
    assert "event 3" in str(err)
    assert "not json" in str(err) and isinstance(err.body, str) and "not json" in err.body


def test_reset_mid_stream(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks()).reset_after(after_events=2))
    received = []
    with pytest.raises(APIConnectionError) as info:
        for c in create(client, stream=True):
            received.append(c)
    assert_fastgroq_error(info.value)
    assert len(received) == 2


def test_reset_in_the_middle_of_an_event(server: MockGroqServer, client: Groq) -> None:
    events = chunks()
    server.enqueue(Reply.sse(events).reset_after(len(b"data: ") * 3 + 150))
    with pytest.raises(APIConnectionError) as info:
        list(create(client, stream=True))
    assert_fastgroq_error(info.value)


def test_truncated_chunked_stream(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks()).truncated(after_events=2))
    with pytest.raises(APIConnectionError) as info:
        list(create(client, stream=True))
    assert_fastgroq_error(info.value)


def test_read_timeout_mid_stream(server: MockGroqServer) -> None:
    server.enqueue(Reply.sse(chunks()).stalled(after_events=2, seconds=30))
    with make_client(server, timeout=0.2) as client:
        received = []
        with pytest.raises(APITimeoutError) as info:
            for c in create(client, stream=True):
                received.append(c)
    assert_fastgroq_error(info.value)
    assert len(received) == 2


def test_error_status_on_stream_request(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(429, "slow down", code="rate_limit_exceeded"))
    with pytest.raises(fastgroq.RateLimitError):
        create(client, stream=True)


def test_non_sse_200_with_json_body(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.raw(b'{"unexpected": true}', content_type="application/json"))
    with pytest.raises(fastgroq.APIError) as info:
        list(create(client, stream=True))
    assert_fastgroq_error(info.value)


# --- connection handling ---------------------------------------------------------------------------------


def test_consumed_streams_return_the_connection(server: MockGroqServer, client: Groq) -> None:
    for _ in range(2):
        server.enqueue(Reply.sse(chunks()))
        stream = create(client, stream=True)
        assert "".join(stream.iter_text()) == TEXT
        assert stream.closed
    create(client)
    assert server.connections_accepted == 1
    assert {r.connection for r in server.requests} == {1}


def test_get_final_completion_returns_the_connection(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunks()))
    create(client, stream=True).get_final_completion()
    create(client)
    assert server.connections_accepted == 1


def _long_stream() -> Reply:
    """~30 s of events, one every 50 ms: the server notices a disconnect at its next write."""
    many = chunks(["tok"] * 600)
    return Reply.sse(many, delay=0.05)


def _close_without_draining(server: MockGroqServer, client: Groq, abandon: Any) -> None:
    server.enqueue(_long_stream())
    done = threading.Event()

    def run() -> None:
        abandon(client)
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    wait_until(lambda: len(server.requests) == 1, message="the stream request")
    # The server sees the client hang up (its handler ends) long before the 30 s stream would end: the
    # client closed the connection instead of draining it.
    wait_until(lambda: done.is_set() and server.open_connections == 0, message="server seeing the disconnect")
    thread.join(timeout=5)
    create(client)
    assert server.connections_accepted == 2
    assert server.requests[-1].connection == 2


def test_close_after_one_chunk_closes_the_connection(server: MockGroqServer, client: Groq) -> None:
    def abandon(client: Groq) -> None:
        stream = create(client, stream=True)
        next(stream)
        stream.close()
        assert stream.closed
        stream.close()  # idempotent

    _close_without_draining(server, client, abandon)


def test_with_exit_closes_the_connection(server: MockGroqServer, client: Groq) -> None:
    def abandon(client: Groq) -> None:
        with create(client, stream=True) as stream:
            next(stream)
            next(stream)
        assert stream.closed

    _close_without_draining(server, client, abandon)


def test_break_closes_the_connection(server: MockGroqServer, client: Groq) -> None:
    def abandon(client: Groq) -> None:
        for _chunk in create(client, stream=True):
            break

    _close_without_draining(server, client, abandon)


def test_dropped_stream_closes_the_connection(server: MockGroqServer, client: Groq) -> None:
    def abandon(client: Groq) -> None:
        stream = create(client, stream=True)
        next(stream)
        del stream
        gc.collect()

    _close_without_draining(server, client, abandon)


def test_close_of_stalled_stream_does_not_wait(server: MockGroqServer, client: Groq) -> None:
    """The server stalls 30 s after one event; close() must not wait for the rest."""
    server.enqueue(Reply.sse(chunks()).stalled(after_events=1, seconds=30))
    stream = create(client, stream=True)
    next(stream)
    closer = threading.Thread(target=stream.close, daemon=True)
    closer.start()
    closer.join(timeout=10)  # a generous bound for a broken run, far below the 30 s stall
    assert not closer.is_alive(), "close() waited for the stalled stream"
    assert stream.closed
    create(client)
    assert server.connections_accepted == 2


def test_error_mid_stream_does_not_reuse_the_connection(server: MockGroqServer, client: Groq) -> None:
    events: list[Any] = [*chunks()[:2], error_event("boom")]
    server.enqueue(Reply.sse(events).stalled(after_events=3, seconds=30))
    with pytest.raises(StreamError):
        list(create(client, stream=True))
    create(client)
    assert server.connections_accepted == 2
