"""Issue 10, end to end against loopback servers: what a demanding user does to the client's arguments.

Each test checks that the mistake is refused before anything is sent (the server saw no request), with a
fastgroq error (or a TypeError for a wrong type) that names the argument and never shows a secret.
"""

from __future__ import annotations

import logging
import os
from types import SimpleNamespace
from typing import Any

import fastgroq
import pytest
from fastgroq import Groq, GroqError, RequestValidationError
from fastgroq._constants import MAX_ERROR_BODY
from fastgroq.testing import MockGroqServer, Reply, chat_completion, chat_completion_chunks

from tests.client_helpers import API_KEY, create, is_async, make_client

SECRET = "gsk_live_0123456789abcdefSECRETVALUE"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("GROQ_API_KEY", "GROQ_BASE_URL", "GROQ_CUSTOM_HEADERS", "GROQ_LOG"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- 1. the key and header values never reach an exception, a log or the wire ------------------------------


@pytest.mark.parametrize(
    ("bad", "what"),
    [
        (SECRET + "\n", "line feed"),
        (SECRET + "\r\n", "carriage return"),
        (SECRET[:10] + "\r\nX-Injected: 1", "carriage return"),
        (SECRET + "\u20ac", "U+20AC"),
        (SECRET + "\x00", "NUL"),
        (" " + SECRET, "space"),
    ],
)
def test_unsendable_api_key_is_refused_without_showing_it(
    server: MockGroqServer, clean_env: pytest.MonkeyPatch, bad: str, what: str
) -> None:
    with pytest.raises(GroqError) as info:
        make_client(server, api_key=bad)
    assert what in str(info.value) and "api_key" in str(info.value)
    assert SECRET not in str(info.value) and SECRET[:10] not in repr(info.value.args)
    # The same through the environment (which cannot hold a NUL), the setter and with_options.
    if "\x00" not in bad:
        clean_env.setenv("GROQ_API_KEY", bad)
        with pytest.raises(GroqError) as info:
            Groq(base_url=server.base_url)
        assert SECRET[:10] not in str(info.value)
    client = make_client(server)
    with pytest.raises(GroqError) as info:
        client.api_key = bad
    assert SECRET[:10] not in str(info.value)
    with pytest.raises(GroqError):
        client.with_options(api_key=bad)
    assert client.api_key == API_KEY
    create(client)  # the client still works, with the key it had
    assert [r.headers["Authorization"] for r in server.requests] == [f"Bearer {API_KEY}"]


def test_api_key_of_the_wrong_type_is_a_type_error(server: MockGroqServer) -> None:
    with pytest.raises(TypeError, match="api_key must be a str, not bytes"):
        make_client(server, api_key=SECRET.encode())
    with pytest.raises(TypeError, match="api_key"):
        make_client(server, api_key=123)
    assert server.requests == []


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b", "caf\u00e9\u20ac", "tab\x0bvt"])
def test_unsendable_header_values_are_refused_without_showing_them(server: MockGroqServer, value: str) -> None:
    secret_value = f"Token {SECRET} {value}"
    with pytest.raises(GroqError) as info:
        make_client(server, default_headers={"X-Gateway-Auth": secret_value})
    assert "default_headers 'X-Gateway-Auth'" in str(info.value)
    assert SECRET not in str(info.value)
    client = make_client(server)
    with pytest.raises(RequestValidationError) as request_info:
        create(client, extra_headers={"X-Gateway-Auth": secret_value})
    assert "extra_headers 'X-Gateway-Auth'" in str(request_info.value) and SECRET not in str(request_info.value)
    with pytest.raises(GroqError):
        client.with_options(default_headers={"X-Gateway-Auth": secret_value})
    assert server.requests == []


@pytest.mark.parametrize("name", ["Bad Name", "X-A\nX-B", "", "X:Y", "caf\u00e9"])
def test_invalid_header_names_are_refused(server: MockGroqServer, name: str) -> None:
    with pytest.raises(GroqError, match="not a valid HTTP header name"):
        make_client(server, default_headers={name: "v"})
    with pytest.raises(RequestValidationError, match="not a valid HTTP header name"):
        create(make_client(server), extra_headers={name: "v"})
    assert server.requests == []


def test_groq_custom_headers_are_checked(server: MockGroqServer, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("GROQ_CUSTOM_HEADERS", "X-Ok: 1\nX Bad: 2")
    with pytest.raises(GroqError, match="not a valid HTTP header name"):
        make_client(server)


def test_latin1_header_values_are_sent(server: MockGroqServer) -> None:
    client = make_client(server, default_headers={"X-Tag": "caf\u00e9\tok"})
    create(client)
    # http.client sends a header value's latin-1 bytes; aiohttp always sends UTF-8 (the mock server reads latin-1).
    sent = "caf\u00e9\tok".encode("utf-8" if is_async() else "latin-1")
    assert server.requests[0].headers["X-Tag"].encode("latin-1") == sent


# --- 5. credentials in base_url -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://user:hunter2pass@{host}/openai/v1", "http://user@{host}/v1", "http://:hunter2pass@{host}"]
)
def test_credentials_in_base_url_are_refused_without_showing_them(
    server: MockGroqServer, clean_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, url: str
) -> None:
    url = url.format(host=f"127.0.0.1:{server.port}")
    caplog.set_level(logging.DEBUG, logger="fastgroq")
    with pytest.raises(GroqError) as info:
        make_client(server, base_url=url)
    assert "credentials" in str(info.value)
    assert "hunter2pass" not in str(info.value)
    clean_env.setenv("GROQ_BASE_URL", url)
    with pytest.raises(GroqError) as info:
        Groq(api_key=API_KEY)
    assert "hunter2pass" not in str(info.value)
    client = make_client(server)
    for attempt in (lambda: setattr(client, "base_url", url), lambda: client.with_options(base_url=url)):
        with pytest.raises(GroqError) as info:
            attempt()
        assert "hunter2pass" not in str(info.value)
    assert "hunter2pass" not in repr(client) and "hunter2pass" not in caplog.text
    assert server.requests == []


# --- 8. a closed client -------------------------------------------------------------------------------------


def test_a_closed_client_refuses_to_send(server: MockGroqServer) -> None:
    client = make_client(server)
    create(client)
    copy = client.with_options(timeout=3)
    assert not client.is_closed() and not copy.is_closed()
    client.close()
    assert client.is_closed() and copy.is_closed()
    for call in (lambda: create(client), lambda: create(copy), lambda: client.models.list(),
                 lambda: create(client, stream=True), lambda: client.chat.completions.with_raw_response.create(
                     model="m", messages=[{"role": "user", "content": "x"}])):  # fmt: skip
        with pytest.raises(GroqError, match="the client has been closed"):
            call()
    client.close()  # idempotent
    assert len(server.requests) == 1


def test_closing_a_copy_leaves_the_original_open(server: MockGroqServer) -> None:
    client = make_client(server)
    with client.with_options(max_retries=0) as copy:
        create(copy)
    assert copy.is_closed() and not client.is_closed()
    with pytest.raises(GroqError, match="closed"):
        create(copy)
    create(client)
    with client:
        pass
    with pytest.raises(GroqError, match="closed"):
        create(client)
    assert len(server.requests) == 2


# --- 9. constructor arguments ---------------------------------------------------------------------------


BAD_ARGUMENTS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"base_url": 123}, TypeError, "base_url must be a str"),
    ({"base_url": b"http://x/v1"}, TypeError, "base_url must be a str"),
    ({"base_url": "http://127.0.0.1:99999/v1"}, GroqError, "base_url"),
    ({"base_url": "http://host name/v1"}, GroqError, "base_url"),
    ({"base_url": "ftp://host/v1"}, GroqError, "base_url"),
    ({"timeout": float("nan")}, ValueError, "timeout"),
    ({"timeout": float("inf")}, ValueError, "timeout"),
    ({"timeout": -1}, ValueError, "timeout"),
    ({"timeout": "60"}, TypeError, "timeout"),
    ({"timeout": SimpleNamespace(connect=float("nan"), read=5.0)}, ValueError, "connect timeout"),
    ({"max_retries": -1}, ValueError, "max_retries"),
    ({"max_retries": 2.5}, ValueError, "max_retries"),
    ({"max_connections": 0}, ValueError, "max_connections"),
    ({"default_headers": [("a", "b")]}, TypeError, "default_headers"),
    ({"default_query": "a=b"}, TypeError, "default_query"),
    ({"proxy": 8080}, TypeError, "proxy"),
    ({"verify": 1}, TypeError, "verify"),
    ({"trust_env": "yes"}, TypeError, "trust_env"),
]


@pytest.mark.parametrize(("options", "error", "names"), BAD_ARGUMENTS, ids=[str(a[0]) for a in BAD_ARGUMENTS])
def test_bad_constructor_arguments_fail_at_construction(
    server: MockGroqServer, options: dict[str, Any], error: type[Exception], names: str
) -> None:
    with pytest.raises(error, match=names):
        make_client(server, **options)
    assert server.requests == []


def test_timeout_nan_per_request_is_refused_before_sending(server: MockGroqServer) -> None:
    with pytest.raises(ValueError, match="read timeout"):
        fastgroq.Timeout(connect=5, read=float("nan"))
    client = make_client(server)
    with pytest.raises(ValueError, match="timeout"):
        create(client, timeout=float("nan"))
    with pytest.raises(ValueError, match="timeout"):
        client.with_options(timeout=float("nan"))
    assert server.requests == []


# --- 3. requests msgspec would change silently -------------------------------------------------------------


NOT_JSON: list[tuple[dict[str, Any], str, str]] = [
    ({"temperature": float("nan")}, "$.temperature", "nan"),
    ({"temperature": float("inf")}, "$.temperature", "inf"),
    ({"top_p": -float("inf")}, "$.top_p", "-inf"),
    ({"messages": [{"role": "user", "content": b"hello"}]}, "$.messages[0].content", "bytes"),
    ({"messages": [{"role": "user", "content": bytearray(b"hello")}]}, "$.messages[0].content", "bytearray"),
    (
        {"messages": [{"role": "user", "content": [{"type": "text", "text": memoryview(b"hi")}]}]},
        "$.messages[0].content[0].text",
        "memoryview",
    ),
    (
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"max": float("nan")}}}]},
        "$.tools[0].function.parameters.max",
        "nan",
    ),
    ({"extra_body": {"logit_scale": float("nan")}}, "$(extra_body).logit_scale", "nan"),
    ({"extra_body": {"blob": b"\x00\x01"}}, "$(extra_body).blob", "bytes"),
]


@pytest.mark.parametrize(("params", "path", "what"), NOT_JSON, ids=[p[1] + " " + p[2] for p in NOT_JSON])
def test_values_json_cannot_carry_are_refused_before_sending(
    server: MockGroqServer, client: Groq, params: dict[str, Any], path: str, what: str
) -> None:
    with pytest.raises(RequestValidationError) as info:
        create(client, **params)
    assert info.value.path == path and what in str(info.value)
    assert isinstance(info.value, ValueError)
    assert server.requests == []


def test_bytes_inside_a_struct_message_are_refused(server: MockGroqServer, client: Groq) -> None:
    from fastgroq.types import ChatCompletionRequest, ChatCompletionUserMessageParam

    message = ChatCompletionUserMessageParam(content=b"raw")  # type: ignore[arg-type]
    request = ChatCompletionRequest(model="m", messages=[message], temperature=0.5)
    with pytest.raises(RequestValidationError) as info:
        client.chat.completions.create(request)
    assert info.value.path == "$.messages[0].content"
    assert server.requests == []


def test_finite_floats_none_and_text_are_sent_as_given(server: MockGroqServer, client: Groq) -> None:
    create(client, temperature=0.0, top_p=None, messages=[{"role": "user", "content": "caf\u00e9 \u2603"}])
    body = server.requests[0].json()
    assert body["temperature"] == 0.0 and body["top_p"] is None
    assert body["messages"][0]["content"] == "caf\u00e9 \u2603"


# --- 11. bounds the API documents ------------------------------------------------------------------------


OUT_OF_BOUNDS: list[tuple[dict[str, Any], str]] = [
    ({"max_tokens": -1}, "$.max_tokens"),
    ({"max_tokens": 0}, "$.max_tokens"),
    ({"max_tokens": 10**30}, "$.max_tokens"),
    ({"max_completion_tokens": -5}, "$.max_completion_tokens"),
    ({"max_completion_tokens": 2**63}, "$.max_completion_tokens"),
    ({"seed": 2**70}, "$.seed"),
    ({"seed": 2**63}, "$.seed"),
    ({"seed": -(2**63) - 1}, "$.seed"),
    ({"tools": [{"type": "function"}]}, "$.tools[0]"),
    ({"tools": [{"type": "browser_search"}, {"type": "function"}]}, "$.tools[1]"),
]


@pytest.mark.parametrize(("params", "path"), OUT_OF_BOUNDS, ids=[str(p[0])[:40] for p in OUT_OF_BOUNDS])
def test_requests_the_api_refuses_are_not_sent(
    server: MockGroqServer, client: Groq, params: dict[str, Any], path: str
) -> None:
    with pytest.raises(RequestValidationError) as info:
        create(client, **params)
    assert info.value.path == path
    assert server.requests == []


def test_values_at_the_bounds_are_sent(server: MockGroqServer, client: Groq) -> None:
    create(client, max_tokens=1, max_completion_tokens=2**63 - 1, seed=-(2**63))
    create(client, seed=2**63 - 1, tools=[{"type": "browser_search"}, {"type": "function", "function": {"name": "f"}}])
    first, second = (r.json() for r in server.requests)
    assert (first["max_tokens"], first["max_completion_tokens"], first["seed"]) == (1, 2**63 - 1, -(2**63))
    assert second["seed"] == 2**63 - 1 and second["tools"][0] == {"type": "browser_search"}


# --- 4. a forked child gets its own connections -------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # 3.12+: fork() in a process with threads (the server's)
@pytest.mark.sync_only  # SyncView's event loop thread does not exist in a forked child: tests/async_client has its own
def test_a_forked_child_opens_its_own_connections(server: MockGroqServer) -> None:
    client = make_client(server)
    create(client, extra_headers={"X-Who": "parent-1"})  # the pool now holds one idle connection
    pid = os.fork()
    if pid == 0:  # the child: one request, then leave without running anything of pytest's
        code = 2
        try:
            reply = create(client, extra_headers={"X-Who": "child"})
            code = 0 if reply.choices else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    create(client, extra_headers={"X-Who": "parent-2"})
    connection = {r.headers["X-Who"]: r.connection for r in server.requests}
    # Sharing the pooled socket, one process could read the other's response. The child has its own
    # connection; the parent keeps using the one it had.
    assert connection["child"] != connection["parent-1"]
    assert connection["parent-2"] == connection["parent-1"]


# --- 7. a 200 that is not an event stream, on a streaming call -----------------------------------------------


def _stream(client: Groq) -> list[Any]:
    return list(create(client, stream=True))


def test_json_completion_answering_a_stream_is_named(server: MockGroqServer) -> None:
    server.enqueue(Reply.json(chat_completion("whole"), headers={"x-request-id": "req_json"}))
    client = make_client(server, max_retries=2)
    with pytest.raises(fastgroq.APIResponseValidationError) as info:
        _stream(client)
    err = info.value
    assert "application/json" in str(err) and "ChatCompletion" in str(err) and "does not stream" in str(err)
    assert not isinstance(err, fastgroq.IncompleteStreamError)
    assert err.request_id == "req_json" and err.response.json()["choices"][0]["message"]["content"] == "whole"
    assert len(server.requests) == 1  # not retried


def test_json_error_answering_a_stream_is_a_stream_error(server: MockGroqServer) -> None:
    body = {"error": {"message": "model is overloaded", "type": "server_error", "code": "overloaded"}}
    server.enqueue(Reply.json(body, status=200))
    client = make_client(server, max_retries=2)
    with pytest.raises(fastgroq.StreamError) as info:
        _stream(client)
    assert info.value.code == "overloaded" and "model is overloaded" in str(info.value)
    assert info.value.body == body["error"]
    assert len(server.requests) == 1


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/plain", "application/octet-stream"])
def test_other_content_answering_a_stream_names_its_type(server: MockGroqServer, content_type: str) -> None:
    server.enqueue(Reply.raw(b"<html>gateway says hi</html>", content_type=content_type))
    client = make_client(server)
    with pytest.raises(fastgroq.APIResponseValidationError) as info:
        _stream(client)
    assert repr(content_type) in str(info.value) and "gateway says hi" in str(info.value)


def test_raw_stream_parse_reports_the_same(server: MockGroqServer) -> None:
    server.enqueue(Reply.json(chat_completion("whole")))
    client = make_client(server)
    raw = client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "x"}], stream=True
    )
    with pytest.raises(fastgroq.APIResponseValidationError, match="not text/event-stream"):
        raw.parse()


def test_an_event_stream_without_content_type_still_streams(server: MockGroqServer) -> None:
    reply = Reply.sse(chat_completion_chunks(["a", "b"]))
    server.enqueue(Reply(200, reply.body, headers={"transfer-encoding": "chunked"}, framing="chunked"))
    client = make_client(server)
    assert "".join(create(client, stream=True).iter_text()) == "ab"


# --- 10. retries that cannot help ------------------------------------------------------------------------


def test_a_corrupt_gzip_body_is_not_retried(server: MockGroqServer) -> None:
    good = Reply.json(chat_completion("x")).compressed("gzip")
    corrupt = good.with_headers({})
    corrupt.body = good.body[:10] + b"\x00garbage\x00" + good.body[10:]
    server.enqueue(corrupt)
    client = make_client(server, max_retries=2)
    with pytest.raises(fastgroq.APIConnectionError) as info:
        create(client)
    assert "decompress" in str(info.value) and info.value.retryable is False
    assert len(server.requests) == 1  # the POST was answered; sending it again would not fix the body


# --- 12. 3xx messages and bounded error bodies -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "location", "expected"),
    [
        (300, "http://elsewhere.example/v1", "Location: 'http://elsewhere.example/v1', not followed"),
        (305, "http://proxy.example:3128", "Location: 'http://proxy.example:3128'"),
        (302, None, "no Location header"),
        (307, None, "no Location header"),
    ],
)
def test_an_unfollowed_3xx_says_where_it_pointed(
    server: MockGroqServer, status: int, location: str | None, expected: str
) -> None:
    headers = {"location": location} if location else {}
    server.enqueue(Reply.raw(b"", status=status, headers=headers))
    with pytest.raises(fastgroq.APIStatusError) as info:
        create(make_client(server))
    assert info.value.status_code == status and expected in str(info.value)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_huge_error_body_is_kept_as_a_bounded_excerpt(server: MockGroqServer, chunked: bool) -> None:
    size = 3 * 1024 * 1024
    server.enqueue(Reply.raw(b"x" * size, status=502, content_type="text/html", chunked=chunked))
    server.enqueue(Reply.json(chat_completion("after")))
    client = make_client(server)
    with pytest.raises(fastgroq.InternalServerError) as info:
        create(client)
    err = info.value
    assert len(err.response.content) == MAX_ERROR_BODY
    assert isinstance(err.body, str) and len(err.body) == MAX_ERROR_BODY
    assert ("more than 1,048,576 bytes" if chunked else "3,145,728 bytes") in str(err)
    assert len(str(err)) < 1000
    # The connection was closed, not drained; the client goes on with a new one.
    assert create(client).choices[0].message.content == "after"


def test_an_error_body_within_the_bound_is_kept_whole(server: MockGroqServer) -> None:
    failed = "x" * (512 * 1024)  # a long failed_generation, as tool_use_failed sends
    server.enqueue(Reply.error(400, "Failed to call a function", code="tool_use_failed", failed_generation=failed))
    with pytest.raises(fastgroq.BadRequestError) as info:
        create(make_client(server))
    assert info.value.failed_generation == failed and "bytes" not in str(info.value)
