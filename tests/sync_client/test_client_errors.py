"""End-to-end tests of error mapping: HTTP statuses, broken connections, timeouts, invalid bodies."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import fastgroq
import pytest
from fastgroq import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    Groq,
    Timeout,
)
from fastgroq.testing import MockGroqServer, Reply, chat_completion
from fastgroq.types import ErrorObject

from tests.client_helpers import (
    API_KEY,
    assert_fastgroq_error,
    create,
    free_port,
    make_client,
    make_groq,
)

STATUS_CLASSES = [
    (400, fastgroq.BadRequestError),
    (401, fastgroq.AuthenticationError),
    (403, fastgroq.PermissionDeniedError),
    (404, fastgroq.NotFoundError),
    (409, fastgroq.ConflictError),
    (422, fastgroq.UnprocessableEntityError),
    (429, fastgroq.RateLimitError),
    (498, fastgroq.CapacityExceededError),
    (500, fastgroq.InternalServerError),
    (503, fastgroq.InternalServerError),
    (418, APIStatusError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES, ids=[str(s) for s, _ in STATUS_CLASSES])
def test_status_maps_to_error_class(server: MockGroqServer, client: Groq, status: int, cls: type) -> None:
    server.enqueue(
        Reply.error(
            status,
            f"problem {status}",
            type="invalid_request_error",
            code="some_code",
            param="messages",
            failed_generation='{"name": "x"',
            headers={"x-request-id": f"req_{status}", "x-custom": "yes"},
        )
    )
    with pytest.raises(APIStatusError) as info:
        create(client)
    err = info.value
    assert type(err) is cls
    assert_fastgroq_error(err)
    assert isinstance(err, fastgroq.APIError)
    assert err.status_code == status
    assert err.headers["X-Custom"] == "yes"
    assert err.request_id == f"req_{status}"
    # As in the official SDK: the body decoded as JSON; the typed error object is err.error.
    assert err.body == {
        "error": {
            "message": f"problem {status}",
            "type": "invalid_request_error",
            "code": "some_code",
            "param": "messages",
            "failed_generation": '{"name": "x"',
        }
    }
    assert isinstance(err.body, dict) and err.body["error"]["message"] == f"problem {status}"
    assert isinstance(err.error, ErrorObject)
    assert err.error.message == f"problem {status}"
    assert err.error.type == "invalid_request_error"
    assert err.error.code == "some_code"
    assert err.error.param == "messages"
    assert err.error.failed_generation == '{"name": "x"'
    assert (err.message, err.code, err.type, err.param) == (
        f"problem {status}",
        "some_code",
        "invalid_request_error",
        "messages",
    )
    assert err.failed_generation == '{"name": "x"'
    assert str(status) in str(err) and f"problem {status}" in str(err) and f"req_{status}" in str(err)
    assert len(server.requests) == 1


def test_error_body_with_extra_top_level_keys(server: MockGroqServer, client: Groq) -> None:
    body = {
        "error": {"message": "bad json", "type": "invalid_request_error", "code": "json_validate_failed"},
        "extra": {"x": 1},
    }
    server.enqueue(Reply.json(body, status=400))
    with pytest.raises(fastgroq.BadRequestError) as info:
        create(client)
    assert info.value.code == "json_validate_failed"
    assert info.value.body == body
    assert isinstance(info.value.error, ErrorObject)


def test_error_object_missing_required_fields(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json({"error": {"code": "rate_limit_exceeded"}}, status=429))
    with pytest.raises(fastgroq.RateLimitError) as info:
        create(client)
    assert info.value.code == "rate_limit_exceeded"
    assert info.value.body == {"error": {"code": "rate_limit_exceeded"}}
    assert isinstance(info.value.error, ErrorObject)


def test_html_error_page_gives_raw_text(server: MockGroqServer, client: Groq) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
    server.enqueue(Reply.raw(page, status=502, content_type="text/html"))
    with pytest.raises(fastgroq.InternalServerError) as info:
        create(client)
    err = info.value
    assert err.status_code == 502
    assert err.body == page
    assert err.error is None
    assert err.code is None and err.failed_generation is None
    assert "502" in str(err) and "Bad Gateway" in str(err)
    assert err.headers["content-type"] == "text/html"


def test_empty_error_body(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.raw(b"", status=403, content_type=None))
    with pytest.raises(fastgroq.PermissionDeniedError) as info:
        create(client)
    assert info.value.body == ""  # the official SDK's value: the (empty) text
    assert info.value.error is None and info.value.code is None
    assert info.value.response.text == ""
    assert "403" in str(info.value)


def test_status_error_on_get(server: MockGroqServer, client: Groq) -> None:
    with pytest.raises(fastgroq.NotFoundError) as info:
        client.models.retrieve("no-such-model")  # the mock answers Groq's model_not_found 404
    assert info.value.code == "model_not_found"


def test_refused_connection() -> None:
    port = free_port()
    client = make_groq(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}", max_retries=0, trust_env=False)
    with client, pytest.raises(APIConnectionError) as info:
        create(client)
    err = info.value
    assert type(err) is APIConnectionError
    assert_fastgroq_error(err)
    assert err.__cause__ is not None  # the transport error is chained, not lost


def test_reset_before_response(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.reset())
    with pytest.raises(APIConnectionError) as info:
        create(client)
    assert not isinstance(info.value, APITimeoutError)
    assert_fastgroq_error(info.value)
    assert len(server.requests) == 1


@pytest.mark.parametrize("framing", ["truncated", "reset"])
def test_body_cut_short(server: MockGroqServer, client: Groq, framing: str) -> None:
    reply = Reply.json(chat_completion("x" * 500), headers={"x-request-id": "req_cut"})
    server.enqueue(reply.truncated(100) if framing == "truncated" else reply.reset_after(100))
    with pytest.raises(APIConnectionError) as info:
        create(client)
    assert_fastgroq_error(info.value)


def test_read_timeout(server: MockGroqServer) -> None:
    server.enqueue(Reply.json(chat_completion()).delayed(2))
    with make_client(server, timeout=0.2) as client, pytest.raises(APITimeoutError) as info:
        create(client)
    assert isinstance(info.value, APIConnectionError)
    assert_fastgroq_error(info.value)


def test_per_request_timeout(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion()).delayed(2))
    with pytest.raises(APITimeoutError):
        create(client, timeout=0.2)


@contextlib.contextmanager
def _unaccepting_listener() -> Iterator[int]:
    """A loopback listener whose accept queue is full, so new SYNs are dropped and connecting times out."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            with contextlib.suppress(BlockingIOError, OSError):
                s.connect(("127.0.0.1", port))
            fillers.append(s)
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.settimeout(0.3)
        try:
            probe.connect(("127.0.0.1", port))
        except TimeoutError:
            pass
        else:
            pytest.skip("this kernel accepts connections beyond the listen backlog: cannot provoke a connect timeout")
        finally:
            probe.close()
        yield port
    finally:
        for s in fillers:
            s.close()
        listener.close()


def test_connect_timeout() -> None:
    with (
        _unaccepting_listener() as port,
        make_groq(
            api_key=API_KEY,
            base_url=f"http://127.0.0.1:{port}",
            max_retries=0,
            timeout=Timeout(connect=0.2, read=5),
            trust_env=False,
        ) as client,
        pytest.raises(APITimeoutError) as info,
    ):
        create(client)
    assert "connect" in str(info.value).lower()
    assert_fastgroq_error(info.value)


@pytest.mark.parametrize(
    "body",
    [b"not json at all", b'{"id": "x"', b"{}", b'{"choices": "nope"}', b"[]"],
    ids=["text", "truncated", "missing-fields", "wrong-type", "array"],
)
def test_invalid_2xx_body(server: MockGroqServer, client: Groq, body: bytes) -> None:
    server.enqueue(Reply.raw(body, status=200, content_type="application/json", headers={"x-request-id": "req_bad"}))
    with pytest.raises(APIResponseValidationError) as info:
        create(client)
    err = info.value
    assert_fastgroq_error(err)
    assert err.status_code == 200
    assert err.request_id == "req_bad"
    assert isinstance(err.body, str) and err.body == body.decode()
    assert "ChatCompletion" in str(err)
    assert not isinstance(err.__cause__, type(None))


def test_no_transport_or_msgspec_exception_escapes(server: MockGroqServer) -> None:
    """One client, every failure in a row: each is a fastgroq error, and the client keeps working."""
    replies = [
        Reply.reset(),
        Reply.json(chat_completion()).delayed(2),
        Reply.raw(b"\x00\xff garbage", status=200, content_type="application/json"),
        Reply.json(chat_completion("x" * 300)).truncated(50),
        Reply.raw("<html>oops</html>", status=500, content_type="text/html"),
        Reply.raw(b"\xff\xfe not utf-8", status=400, content_type="text/plain"),
    ]
    with make_client(server, timeout=0.2) as client:
        for reply in replies:
            server.enqueue(reply)
            with pytest.raises(Exception) as info:
                create(client)
            assert_fastgroq_error(info.value)
        assert create(client).choices[0].message.content
