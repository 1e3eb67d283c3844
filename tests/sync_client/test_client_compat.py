"""The official SDK's surface where user code touches it: errors, path parameters, timeouts, base_url,
raw and streamed responses, redirects, key redaction, compression. Everything against loopback servers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Literal

import fastgroq
import pytest
from fastgroq import APIConnectionError, APIStatusError, Groq, StreamError
from fastgroq.testing import (
    MockGroqServer,
    Reply,
    chat_completion,
    chat_completion_chunks,
    error_event,
    models_list,
)
from fastgroq.types import ErrorObject

from tests.client_helpers import (
    API_KEY,
    MESSAGES,
    MODEL,
    create,
    free_port,
    is_raw_response,
    is_stream,
    make_client,
    make_groq,
    wait_until,
)

# --- errors: body, error, response, request --------------------------------------------------------------


def test_status_error_body_response_and_request(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(
        Reply.error(
            400,
            "Failed to call a function",
            code="tool_use_failed",
            failed_generation='{"name": "x"',
            headers={"x-request-id": "req_e", "x-groq-region": "dls"},
        )
    )
    with pytest.raises(fastgroq.BadRequestError) as info:
        create(client, temperature=0.5)
    e = info.value
    # The official SDK's README pattern.
    assert isinstance(e.body, dict)
    assert e.body["error"]["message"] == "Failed to call a function"
    assert e.body["error"]["code"] == "tool_use_failed"
    assert e.body["error"]["failed_generation"] == '{"name": "x"'
    assert isinstance(e.error, ErrorObject) and e.error.code == "tool_use_failed"
    # Shortcuts keep working.
    assert (e.message, e.status_code, e.request_id, e.code) == (
        "Failed to call a function",
        400,
        "req_e",
        "tool_use_failed",
    )
    assert e.failed_generation == '{"name": "x"'
    # e.response: status, headers, text, json().
    assert e.response.status_code == 400
    assert e.response.headers["X-Groq-Region"] == "dls"
    assert e.response.reason_phrase == "Bad Request"
    assert json.loads(e.response.text) == e.body
    assert e.response.json() == e.body
    assert e.response.request is e.request
    assert e.response.elapsed.total_seconds() >= 0
    # e.request: method, URL, headers with the key redacted.
    assert e.request is not None
    assert e.request.method == "POST"
    assert e.request.url == server.base_url + "/chat/completions"
    assert e.request.headers["authorization"] == "Bearer [REDACTED]"
    assert e.request.headers["Content-Type"] == "application/json"
    assert json.loads(e.request.content)["temperature"] == 0.5
    assert API_KEY not in repr(e.request) + str(dict(e.request.headers)) + repr(e.response)


def test_status_error_on_get_has_request(server: MockGroqServer, client: Groq) -> None:
    with pytest.raises(fastgroq.NotFoundError) as info:
        client.models.retrieve("no-such-model")
    e = info.value
    assert e.request is not None and e.request.method == "GET"
    assert e.request.url.endswith("/openai/v1/models/no-such-model")
    assert e.request.content == b""
    assert e.body["error"]["code"] == "model_not_found"  # type: ignore[index]


def test_non_json_error_body_is_text(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.raw("<html>bad gateway</html>\n", status=502, content_type="text/html"))
    with pytest.raises(fastgroq.InternalServerError) as info:
        create(client)
    assert info.value.body == "<html>bad gateway</html>"
    assert info.value.response.text == "<html>bad gateway</html>\n"
    with pytest.raises(ValueError):
        info.value.response.json()


def test_json_error_body_that_is_not_an_error_object(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json({"detail": "upstream timeout"}, status=504))
    with pytest.raises(fastgroq.InternalServerError) as info:
        create(client)
    assert info.value.body == {"detail": "upstream timeout"}
    assert info.value.error is None and info.value.code is None
    assert info.value.message == "upstream timeout"


def test_connection_error_has_request() -> None:
    port = free_port()
    with (
        make_groq(
            api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/openai/v1", max_retries=0, trust_env=False
        ) as client,
        pytest.raises(APIConnectionError) as info,
    ):
        create(client)
    e = info.value
    assert e.body is None
    assert e.request is not None and e.request.method == "POST"
    assert e.request.url == f"http://127.0.0.1:{port}/openai/v1/chat/completions"
    assert e.request.headers["Authorization"] == "Bearer [REDACTED]"


def test_stream_error_body_and_request(server: MockGroqServer, client: Groq) -> None:
    chunks = chat_completion_chunks(["a", "b"], request_id="req_s")[:2]
    server.enqueue(Reply.sse([*chunks, error_event("model overloaded", code="overloaded")], done=False))
    with pytest.raises(StreamError) as info:
        for _ in create(client, stream=True):
            pass
    e = info.value
    # The official SDK's stream error body is the error object as sent.
    assert isinstance(e.body, dict) and e.body["message"] == "model overloaded"
    assert e.code == "overloaded" and isinstance(e.error, ErrorObject)
    assert e.request is not None and e.request.headers["Accept"] == "text/event-stream"


@pytest.mark.sync_only
def test_status_error_constructed_the_official_way() -> None:
    """Code that builds errors for its own tests (``APIStatusError(msg, response=..., body=...)``)."""

    class FakeResponse:
        status_code = 429
        headers = {"x-request-id": "req_f"}  # noqa: RUF012
        request = None

    body = {"error": {"message": "slow down", "code": "rate_limit_exceeded"}}
    e = fastgroq.RateLimitError("slow down", response=FakeResponse(), body=body)
    assert (e.status_code, e.request_id, e.code, e.body) == (429, "req_f", "rate_limit_exceeded", body)
    assert isinstance(e, APIStatusError)
    plain = fastgroq.APIError("boom", None, body=None)
    assert plain.request is None and plain.code is None


# --- empty path parameters ------------------------------------------------------------------------------


def test_empty_path_parameter_is_a_value_error(server: MockGroqServer, client: Groq) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        client.models.retrieve("")
    assert server.requests == []


# --- key redaction --------------------------------------------------------------------------------------


def test_short_key_does_not_mangle_text(server: MockGroqServer) -> None:
    """``api_key="test"`` is not a secret worth redacting from text: "llama-test" stays as it is."""
    server.enqueue(Reply.error(404, "The model `llama-test` does not exist", code="model_not_found"))
    server.enqueue(Reply.raw('{"id": "llama-test"', status=200, content_type="application/json"))
    with make_client(server, api_key="test") as client:
        with pytest.raises(fastgroq.NotFoundError) as info:
            create(client, model="llama-test")
        assert info.value.message == "The model `llama-test` does not exist"
        assert info.value.body["error"]["message"] == "The model `llama-test` does not exist"  # type: ignore[index]
        assert "llama-test" in info.value.response.text
        # Headers are redacted whatever the key's length.
        assert info.value.request is not None
        assert info.value.request.headers["Authorization"] == "Bearer [REDACTED]"
        with pytest.raises(fastgroq.APIResponseValidationError) as bad:
            create(client)
        assert "llama-test" in str(bad.value) and "[REDACTED]" not in str(bad.value)


def test_long_key_echoed_back_is_redacted_everywhere(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(401, f"Invalid API Key {API_KEY}", code="invalid_api_key"))
    with pytest.raises(fastgroq.AuthenticationError) as info:
        create(client)
    e = info.value
    assert e.message == "Invalid API Key [REDACTED]"
    for text in (str(e), repr(e.body), e.response.text, repr(e.error), str(dict(e.request.headers))):  # type: ignore[union-attr]
        assert API_KEY not in text


def test_key_in_a_custom_header_is_redacted_in_the_request_view(server: MockGroqServer) -> None:
    with make_client(server, default_headers={"X-Api-Key": API_KEY}) as client:
        server.enqueue(Reply.error(400, "no"))
        with pytest.raises(fastgroq.BadRequestError) as info:
            create(client)
    assert server.requests[0].headers["X-Api-Key"] == API_KEY  # sent as given
    assert info.value.request is not None
    assert info.value.request.headers["X-Api-Key"] == "[REDACTED]"


# --- timeout= ---------------------------------------------------------------------------------------------


class DuckTimeout:
    """The shape of an httpx.Timeout, without httpx."""

    def __init__(self, connect: float | None, read: float | None) -> None:
        self.connect = connect
        self.read = read
        self.write = 99.0
        self.pool = 99.0


def test_timeout_accepts_an_object_with_connect_and_read(server: MockGroqServer) -> None:
    server.enqueue(Reply.json(chat_completion()).delayed(2))
    with make_client(server, timeout=DuckTimeout(connect=1.0, read=0.2)) as client:
        assert client.timeout == fastgroq.Timeout(connect=1.0, read=0.2)
        with pytest.raises(fastgroq.APITimeoutError):
            create(client)


def test_per_request_timeout_accepts_an_object_with_connect_and_read(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion()).delayed(2))
    with pytest.raises(fastgroq.APITimeoutError):
        create(client, timeout=DuckTimeout(connect=1.0, read=0.2))
    assert client.with_options(timeout=DuckTimeout(None, None)).timeout == fastgroq.Timeout(connect=None, read=None)


def test_timeout_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match=r"httpx\.Timeout"):
        Groq(api_key=API_KEY, timeout="5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="read timeout must be positive"):
        make_groq(api_key=API_KEY, timeout=DuckTimeout(connect=1.0, read=-1))


def test_timeout_accepts_a_real_httpx_timeout(server: MockGroqServer) -> None:
    httpx = pytest.importorskip("httpx")
    with make_client(server, timeout=httpx.Timeout(30.0, connect=2.0)) as client:
        assert client.timeout == fastgroq.Timeout(connect=2.0, read=30.0)
        create(client)
        server.enqueue(Reply.json(chat_completion()).delayed(2))
        with pytest.raises(fastgroq.APITimeoutError):
            create(client, timeout=httpx.Timeout(0.2))


@pytest.mark.sync_only
def test_package_does_not_import_httpx() -> None:
    script = (
        "import sys, fastgroq\n"
        "class T:\n    connect = 1.0\n    read = 2.0\n"
        "fastgroq.Groq(api_key='k', timeout=T())\n"
        "assert 'httpx' not in sys.modules, 'httpx imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


# --- base_url ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "path"),
    [
        ("", "/openai/v1/chat/completions"),
        ("/", "/openai/v1/chat/completions"),
        ("/openai/v1", "/openai/v1/chat/completions"),
        ("/openai/v1/", "/openai/v1/chat/completions"),
        ("/v1", "/v1/chat/completions"),
        ("/prefix", "/prefix/openai/v1/chat/completions"),
        ("/prefix/", "/prefix/openai/v1/chat/completions"),
        ("/gw/groq/openai/v1", "/gw/groq/openai/v1/chat/completions"),
    ],
)
def test_base_url_rule(server: MockGroqServer, suffix: str, path: str) -> None:
    """A path ending in /v1 is the API root; any other URL gets /openai/v1 appended (the official SDK's paths)."""
    with make_client(server, base_url=server.root_url + suffix) as client:
        assert client.base_url == server.root_url + path.removesuffix("/chat/completions")
        create(client)
        client.models.list()
    assert [r.path for r in server.requests] == [path, path.replace("/chat/completions", "/models")]


def test_base_url_assigned_after_construction(server: MockGroqServer, client: Groq) -> None:
    client.base_url = server.root_url + "/prefix"
    assert client.base_url == server.root_url + "/prefix/openai/v1"
    create(client)
    client.base_url = server.root_url + "/v1/"
    assert client.base_url == server.root_url + "/v1"
    create(client)
    assert client.with_options(max_retries=1).base_url == server.root_url + "/v1"
    assert [r.path for r in server.requests] == ["/prefix/openai/v1/chat/completions", "/v1/chat/completions"]
    with pytest.raises(fastgroq.GroqError, match="base_url"):
        client.base_url = "not a url"


def test_mock_server_base_url_is_an_api_root(server: MockGroqServer) -> None:
    with make_client(server, base_url=server.base_url) as client:
        assert client.base_url == server.base_url
    with make_client(server, base_url=server.root_url) as client:
        assert client.base_url == server.base_url


# --- other client options of the official SDK --------------------------------------------------------------


def test_api_key_assigned_after_construction(server: MockGroqServer, client: Groq) -> None:
    client.api_key = "gsk_replaced_0123456789abcdef"
    create(client)
    assert server.requests[0].headers["Authorization"] == "Bearer gsk_replaced_0123456789abcdef"


def test_groq_custom_headers_environment(server: MockGroqServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROQ_CUSTOM_HEADERS", "X-Team: search\nX-Env:  staging \nnot a header")
    with make_client(server, default_headers={"X-Env": "prod"}) as client:
        create(client)
    headers = server.requests[0].headers
    assert headers["X-Team"] == "search"
    assert headers["X-Env"] == "prod"  # default_headers win, as in the official SDK


# --- with_raw_response and with_streaming_response ------------------------------------------------------------


def test_raw_response_surface(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion("raw!"), headers={"x-request-id": "req_r"}))
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    assert raw.is_closed  # a JSON body is read before with_raw_response returns
    assert raw.http_request.method == "POST"
    assert raw.http_request.url == server.base_url + "/chat/completions"
    assert raw.http_request.headers["Authorization"] == "Bearer [REDACTED]"
    assert json.loads(raw.http_request.content)["model"] == MODEL
    assert raw.json()["choices"][0]["message"]["content"] == "raw!"
    assert json.loads(raw.text()) == raw.json()
    assert raw.read() == raw.content
    assert raw.parse().choices[0].message.content == "raw!"
    assert (raw.retries_taken, raw.http_version, raw.reason_phrase) == (0, "HTTP/1.1", "OK")
    assert raw.elapsed.total_seconds() >= 0
    assert is_raw_response(raw)


def test_raw_stream_response_reads_lazily(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chat_completion_chunks(["Hel", "lo"], request_id="req_rs")))
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES, stream=True)
    assert not raw.is_closed
    assert raw.http_request.headers["Accept"] == "text/event-stream"
    stream = raw.parse()
    assert "".join(stream.iter_text()) == "Hello"
    assert raw.is_closed
    with pytest.raises(fastgroq.StreamAlreadyConsumed):
        raw.read()


def test_raw_stream_response_text_then_parse(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chat_completion_chunks(["Hel", "lo"])))
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES, stream=True)
    text = raw.text()
    assert text.startswith("data: {") and text.endswith("data: [DONE]\n\n")
    assert raw.is_closed
    # The body was kept, so the Stream can still be built from it.
    assert "".join(raw.parse().iter_text()) == "Hello"


def test_streaming_response_json_body(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion("lazy"), headers={"x-request-id": "req_l"}))
    with client.chat.completions.with_streaming_response.create(model=MODEL, messages=MESSAGES) as response:
        assert response.status_code == 200 and response.request_id == "req_l"
        assert not response.is_closed
        assert response.content is None
        completion = response.parse()
        assert completion.choices[0].message.content == "lazy"
        assert response.is_closed
        assert response.json()["choices"][0]["message"]["content"] == "lazy"  # read() keeps the body
    assert response.is_closed


def test_streaming_response_does_not_read_the_body_until_asked(server: MockGroqServer, client: Groq) -> None:
    """A body cut after 20 bytes: entering the block works (nothing read yet); reading it fails."""
    server.enqueue(Reply.json(chat_completion("x" * 500)).truncated(20))
    with client.chat.completions.with_streaming_response.create(model=MODEL, messages=MESSAGES) as response:
        assert response.status_code == 200
        with pytest.raises(APIConnectionError) as info:
            response.read()
        assert info.value.request is not None
    # with_raw_response reads the body before returning, so the same reply fails at once.
    server.enqueue(Reply.json(chat_completion("x" * 500)).truncated(20))
    with pytest.raises(APIConnectionError):
        client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)


def test_streaming_response_iterators_on_an_event_stream(server: MockGroqServer, client: Groq) -> None:
    chunks = chat_completion_chunks(["Hel", "lo"])
    server.route("POST", "/chat/completions", Reply.sse(chunks))
    with client.chat.completions.with_streaming_response.create(model=MODEL, messages=MESSAGES, stream=True) as r:
        lines = list(r.iter_lines())
    assert lines[-2:] == ["data: [DONE]", ""]
    assert [json.loads(line[6:]) for line in lines if line.startswith("data: {")] == json.loads(json.dumps(chunks))
    assert r.is_closed
    with client.chat.completions.with_streaming_response.create(model=MODEL, messages=MESSAGES, stream=True) as r:
        pieces = list(r.iter_bytes(7))
    assert all(len(p) == 7 for p in pieces[:-1]) and b"".join(pieces).endswith(b"data: [DONE]\n\n")
    with client.chat.completions.with_streaming_response.create(model=MODEL, messages=MESSAGES, stream=True) as r:
        assert "".join(r.iter_text()) == b"".join(pieces).decode()
        with pytest.raises(fastgroq.StreamAlreadyConsumed):
            r.read()


def test_streaming_response_parse_gives_the_stream(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chat_completion_chunks(["Hel", "lo"], request_id="req_sp")))
    with client.chat.completions.with_streaming_response.create(model=MODEL, messages=MESSAGES, stream=True) as r:
        stream = r.parse()
        assert is_stream(stream)
        assert "".join(stream.iter_text()) == "Hello"
        assert stream.request_id == "req_sp"
    assert r.is_closed and stream.closed


def test_streaming_response_closed_unread_drops_the_connection(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chat_completion_chunks(["a"] * 50)).stalled(after_events=2, seconds=5))
    with client.chat.completions.with_streaming_response.create(model=MODEL, messages=MESSAGES, stream=True) as r:
        first = next(r.iter_lines())
        assert first.startswith("data: {")
    assert r.is_closed
    wait_until(lambda: server.open_connections == 0, message="the client closing the abandoned stream")
    # The client still works (a new connection).
    assert create(client).choices


def test_streaming_response_raises_status_errors_on_enter(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(429, "slow down", code="rate_limit_exceeded"))
    with (
        pytest.raises(fastgroq.RateLimitError) as info,
        client.chat.completions.with_streaming_response.create(model=MODEL, messages=MESSAGES),
    ):
        pytest.fail("the block must not run")
    assert info.value.body["error"]["code"] == "rate_limit_exceeded"  # type: ignore[index]


def test_streaming_response_sends_nothing_until_entered(server: MockGroqServer, client: Groq) -> None:
    manager = client.models.with_streaming_response.list()
    assert server.requests == []
    with manager as response:
        assert response.json()["object"] == "list"
    assert len(server.requests) == 1
    with pytest.raises(ValueError, match="non-empty"), client.models.with_streaming_response.retrieve(""):
        pass
    server.enqueue(Reply.json(models_list([MODEL])["data"][0]))
    with client.models.with_streaming_response.retrieve(MODEL) as response:
        assert response.parse().id == MODEL


def test_twins_from_every_level(server: MockGroqServer, client: Groq) -> None:
    """As the official SDK: client.with_raw_response.chat.completions, client.chat.with_streaming_response..."""
    assert client.with_raw_response.chat.completions.create(model=MODEL, messages=MESSAGES).status_code == 200
    assert client.chat.with_raw_response.completions.create(model=MODEL, messages=MESSAGES).parse().choices
    with client.with_streaming_response.models.list() as response:
        assert response.parse().data
    with client.chat.with_streaming_response.completions.create(model=MODEL, messages=MESSAGES) as response:
        assert response.parse().choices


# --- redirects --------------------------------------------------------------------------------------------


def _redirect(status: int, location: str) -> Reply:
    return Reply.raw(b"", status=status, content_type=None, headers={"location": location})


@pytest.fixture
def other_host() -> Iterator[MockGroqServer]:
    """A second server on another origin: "localhost" instead of 127.0.0.1, and another port."""
    with MockGroqServer(host="localhost") as server:
        yield server


@pytest.mark.parametrize("status", [307, 308])
def test_307_308_keep_method_body_and_key_on_the_same_origin(server: MockGroqServer, client: Groq, status: int) -> None:
    server.enqueue(_redirect(status, "/moved/openai/v1/chat/completions"), path="/openai/v1/chat/completions")
    completion = create(client, temperature=0.3)
    assert completion.choices
    first, second = server.requests
    assert (second.method, second.path) == ("POST", "/moved/openai/v1/chat/completions")
    assert second.body == first.body and json.loads(second.body)["temperature"] == 0.3
    assert second.headers["Authorization"] == f"Bearer {API_KEY}"
    assert second.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("status", [307, 308])
def test_redirect_to_another_host_drops_the_key(
    server: MockGroqServer, other_host: MockGroqServer, client: Groq, status: int
) -> None:
    server.enqueue(_redirect(status, other_host.base_url + "/chat/completions"))
    assert create(client).choices
    (moved,) = other_host.requests
    assert moved.method == "POST" and json.loads(moved.body)["model"] == MODEL
    assert "Authorization" not in moved.headers
    assert other_host.root_url.startswith("http://localhost:")


def test_redirect_to_another_port_drops_the_key(server: MockGroqServer, client: Groq) -> None:
    with MockGroqServer() as third:
        server.enqueue(_redirect(307, third.base_url + "/chat/completions"))
        create(client)
        assert "Authorization" not in third.requests[0].headers


@pytest.mark.parametrize(("status", "method"), [(301, "GET"), (302, "GET"), (303, "GET")])
def test_301_302_303_after_post_become_get_without_body(
    server: MockGroqServer, client: Groq, status: int, method: str
) -> None:
    server.enqueue(_redirect(status, "/result"), path="/chat/completions")
    server.route("GET", "/result", Reply.json(chat_completion("from GET")))
    completion = create(client)
    assert completion.choices[0].message.content == "from GET"
    moved = server.requests[1]
    assert (moved.method, moved.path, moved.body) == (method, "/result", b"")
    assert "Content-Type" not in moved.headers and "Content-Length" not in moved.headers
    assert moved.headers["Authorization"] == f"Bearer {API_KEY}"  # same origin


def test_redirected_get_keeps_get(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(_redirect(301, "/openai/v1/models?moved=1"), path="/models")
    assert client.models.list().data
    assert [(r.method, r.target) for r in server.requests] == [
        ("GET", "/openai/v1/models"),
        ("GET", "/openai/v1/models?moved=1"),
    ]


def test_redirect_loop_stops_at_the_limit(server: MockGroqServer, client: Groq) -> None:
    server.route("POST", "/chat/completions", _redirect(307, "/openai/v1/chat/completions"))
    with pytest.raises(APIConnectionError, match="redirects") as info:
        create(client.with_options(max_retries=2))
    assert len(server.requests) == 21  # the request and 20 redirects, not retried
    assert info.value.request is not None and info.value.request.method == "POST"


def test_redirect_to_another_scheme_is_refused(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(_redirect(307, "ftp://example.invalid/file"))
    with pytest.raises(APIConnectionError, match="unsupported URL"):
        create(client)
    assert len(server.requests) == 1


def test_redirect_then_error_names_the_final_request(
    server: MockGroqServer, other_host: MockGroqServer, client: Groq
) -> None:
    server.enqueue(_redirect(308, other_host.base_url + "/chat/completions"))
    other_host.enqueue(Reply.error(401, "Invalid API Key", code="invalid_api_key"))
    with pytest.raises(fastgroq.AuthenticationError) as info:
        create(client)
    assert info.value.request is not None
    assert info.value.request.url == other_host.base_url + "/chat/completions"
    assert "Authorization" not in info.value.request.headers


def test_redirected_stream(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(_redirect(307, "/v2/openai/v1/chat/completions"), path="/openai/v1/chat/completions")
    server.enqueue(Reply.sse(chat_completion_chunks(["Hel", "lo"])), path="/v2/openai/v1/chat/completions")
    stream = create(client, stream=True)
    assert "".join(stream.iter_text()) == "Hello"
    assert server.requests[1].json()["stream"] is True
    assert server.connections_accepted == 1  # the redirect's connection went back to the pool


# --- compression ----------------------------------------------------------------------------------------------


def test_non_stream_requests_accept_gzip_and_streams_do_not(server: MockGroqServer, client: Groq) -> None:
    create(client)
    client.models.list()
    for _ in create(client, stream=True):
        pass
    post, get, stream = server.requests
    assert post.headers["Accept-Encoding"] == "gzip, deflate"  # what the official SDK's httpx client sends
    assert get.headers["Accept-Encoding"] == "gzip, deflate"
    assert stream.headers["Accept-Encoding"] == "identity"
    assert stream.headers["Accept"] == "text/event-stream"


def test_accept_encoding_can_be_overridden(server: MockGroqServer) -> None:
    with make_client(server, default_headers={"Accept-Encoding": "gzip"}) as client:
        create(client)
        for _ in create(client, stream=True):
            pass
        create(client, extra_headers={"Accept-Encoding": "identity"})
    assert [r.headers["Accept-Encoding"] for r in server.requests] == ["gzip", "gzip", "identity"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_json_body_is_decoded(
    server: MockGroqServer, client: Groq, encoding: Literal["gzip", "deflate"]
) -> None:
    body = chat_completion("squeezed " * 200)
    reply = Reply.json(body, headers={"x-request-id": "req_gz"}).compressed(encoding)
    assert len(reply.body) < len(json.dumps(body)) // 4
    server.enqueue(reply)
    completion = create(client)
    assert completion.choices[0].message.content == "squeezed " * 200
    assert completion._request_id == "req_gz"
    server.enqueue(reply)
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    assert raw.headers["content-encoding"] == encoding
    assert raw.json() == json.loads(json.dumps(body))
    server.enqueue(reply)
    with client.chat.completions.with_streaming_response.create(model=MODEL, messages=MESSAGES) as response:
        assert json.loads(b"".join(response.iter_bytes())) == json.loads(json.dumps(body))


def test_raw_json_of_a_body_nested_too_deep_is_a_value_error(server: MockGroqServer, client: Groq) -> None:
    """``raw.json()`` of either client: msgspec's ``DecodeError`` (a ``ValueError``), never a raw RecursionError."""
    server.enqueue(Reply.raw(b"[" * 100_000 + b"]" * 100_000, content_type="application/json"))
    with (
        client.chat.completions.with_streaming_response.create(model=MODEL, messages=MESSAGES) as response,
        pytest.raises(ValueError, match="not JSON"),
    ):
        response.json()


def test_compressed_error_body_is_decoded(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(400, "bad request, compressed", code="x").compressed("gzip"))
    with pytest.raises(fastgroq.BadRequestError) as info:
        create(client)
    assert info.value.body["error"]["message"] == "bad request, compressed"  # type: ignore[index]
    assert info.value.response.json() == info.value.body


def test_compressed_stream_is_decoded(server: MockGroqServer, client: Groq) -> None:
    """A server or proxy that compresses an event stream anyway."""
    server.enqueue(Reply.sse(chat_completion_chunks(["Hel", "lo"] * 50)).compressed("gzip"))
    assert "".join(create(client, stream=True).iter_text()) == "Hello" * 50


# --- NOT_GIVEN, omit and copy() as in the official SDK ----------------------------------------------------


def test_not_given_and_omit_parameters_are_not_sent(server: MockGroqServer) -> None:
    client = make_client(server, default_headers={"X-Team": "search"})

    def ask(temperature: float | None = None) -> None:
        # A wrapper written for the official SDK: pass the value, or the sentinel when there is none.
        create(
            client,
            temperature=temperature if temperature is not None else fastgroq.NOT_GIVEN,
            max_completion_tokens=fastgroq.omit,
            seed=fastgroq.not_given,
            extra_headers={"X-Trace": "1", "X-Team": fastgroq.omit},
        )

    ask()
    ask(0.5)
    first, second = (r.json() for r in server.requests)
    assert set(first) == {"model", "messages"}
    assert second["temperature"] == 0.5 and "seed" not in second
    assert "X-Team" not in server.requests[0].headers
    assert server.requests[0].headers["X-Trace"] == "1"
    client.close()


def test_copy_as_in_the_official_sdk(server: MockGroqServer) -> None:
    with make_client(server, default_headers={"X-A": "1"}, default_query={"q": "1"}) as client:
        same = client.copy(api_key=None, base_url=None, default_headers=None)
        assert (same.api_key, same.base_url) == (client.api_key, client.base_url)
        merged = client.copy(default_headers={"X-B": "2"}, default_query={"r": "2"})
        replaced = client.with_options(set_default_headers={"X-C": "3"}, set_default_query={})
        create(merged)
        create(replaced)
        with pytest.raises(ValueError, match="mutually exclusive"):
            client.copy(default_headers={"X-B": "2"}, set_default_headers={"X-C": "3"})
    merged_req, replaced_req = server.requests
    assert merged_req.headers["X-A"] == "1" and merged_req.headers["X-B"] == "2"
    assert merged_req.query == {"q": "1", "r": "2"}
    assert "X-A" not in replaced_req.headers and replaced_req.headers["X-C"] == "3"
    assert replaced_req.query == {}


def test_response_validation_error_has_response_and_request(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.raw("<html>maintenance</html>", status=200, content_type="text/html"))
    with pytest.raises(fastgroq.APIResponseValidationError) as info:
        create(client)
    e = info.value
    assert e.response.status_code == 200 and e.response.text == "<html>maintenance</html>"
    assert e.request is not None and e.request.method == "POST" and e.response.request is e.request
    server.enqueue(Reply.raw("<html>maintenance</html>", status=200, content_type="text/html"))
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    with pytest.raises(fastgroq.APIResponseValidationError) as info:
        raw.parse()
    assert info.value.response.text == "<html>maintenance</html>"
    assert info.value.request is raw.http_request


def test_stream_response_metadata(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chat_completion_chunks(["a", "b"]), headers={"x-request-id": "req_m"}))
    stream = create(client, stream=True)
    assert stream.response.status_code == 200 and stream.response.headers["x-request-id"] == "req_m"
    assert stream.response.http_request.headers["Accept"] == "text/event-stream"
    assert not stream.response.is_closed
    assert "".join(stream.iter_text()) == "ab"
    assert stream.response.is_closed
    with pytest.raises(fastgroq.StreamAlreadyConsumed):
        stream.response.read()
