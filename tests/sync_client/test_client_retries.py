"""End-to-end tests of the retry loop against a real loopback server (waits kept tiny with retry-after-ms)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import fastgroq
import pytest
from fastgroq import APIConnectionError, Groq
from fastgroq.testing import MockGroqServer, Reply, chat_completion, chat_completion_chunks

from tests.client_helpers import assert_fastgroq_error, create, make_client, serve

FAST = {"retry-after-ms": "1"}


@pytest.fixture
def server() -> Iterator[MockGroqServer]:
    yield from serve()


@pytest.fixture
def client(server: MockGroqServer) -> Iterator[Groq]:
    with make_client(server, max_retries=2) as client:
        yield client


def ok(text: str = "finally") -> Reply:
    return Reply.json(chat_completion(text), headers={"x-request-id": "req_ok"})


@pytest.mark.parametrize("status", [429, 500, 502, 503, 408, 409])
def test_retryable_status_then_success(server: MockGroqServer, client: Groq, status: int) -> None:
    server.enqueue(Reply.error(status, "try again", headers=FAST), Reply.error(status, "again", headers=FAST), ok())
    result = create(client)
    assert result.choices[0].message.content == "finally"
    assert result._request_id == "req_ok"
    assert len(server.requests) == 3
    bodies = {r.body for r in server.requests}
    assert len(bodies) == 1  # the same request is resent


def test_retries_exhausted_raise_last_error(server: MockGroqServer, client: Groq) -> None:
    for i in range(3):
        server.enqueue(Reply.error(503, f"down {i}", headers={**FAST, "x-request-id": f"req_{i}"}))
    server.enqueue(ok())
    with pytest.raises(fastgroq.InternalServerError) as info:
        create(client)
    assert info.value.message == "down 2"
    assert info.value.request_id == "req_2"
    assert len(server.requests) == 3  # 1 + max_retries
    assert server.pending_replies == 1


def test_connection_reset_is_retried(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.reset(), ok())
    assert create(client).choices[0].message.content == "finally"
    assert len(server.requests) == 2
    assert server.connections_accepted == 2


def test_read_timeout_is_retried(server: MockGroqServer) -> None:
    server.enqueue(Reply.json(chat_completion()).delayed(2), ok())
    with make_client(server, max_retries=1, timeout=0.2) as client:
        assert create(client).choices[0].message.content == "finally"
    assert len(server.requests) == 2


def test_retry_after_ms_is_honoured(server: MockGroqServer, client: Groq, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="fastgroq")
    server.enqueue(Reply.error(429, "slow down", headers={"retry-after-ms": "30", "retry-after": "50"}), ok())
    create(client)
    assert len(server.requests) == 2
    (record,) = [r for r in caplog.records if "Retrying" in r.getMessage()]
    assert "0.03 s" in record.getMessage()  # retry-after-ms wins over retry-after


def test_retry_after_seconds_is_honoured(
    server: MockGroqServer, client: Groq, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="fastgroq")
    server.enqueue(Reply.error(429, "slow down", headers={"retry-after": "0.05"}), ok())
    create(client)
    (record,) = [r for r in caplog.records if "Retrying" in r.getMessage()]
    assert "0.05 s" in record.getMessage()


def test_should_retry_false_stops_a_500(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(500, "do not retry", headers={**FAST, "x-should-retry": "false"}), ok())
    with pytest.raises(fastgroq.InternalServerError):
        create(client)
    assert len(server.requests) == 1


def test_should_retry_true_retries_a_400(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(400, "transient", headers={**FAST, "x-should-retry": "true"}), ok())
    assert create(client).choices[0].message.content == "finally"
    assert len(server.requests) == 2


def test_non_retryable_status_not_retried(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(400, "bad", headers=FAST), Reply.error(498, "flex", headers=FAST), ok())
    with pytest.raises(fastgroq.BadRequestError):
        create(client)
    with pytest.raises(fastgroq.CapacityExceededError):
        create(client)
    assert len(server.requests) == 2


def test_max_retries_zero_disables(server: MockGroqServer) -> None:
    server.enqueue(Reply.error(503, "down", headers=FAST), Reply.reset(), ok())
    with make_client(server, max_retries=0) as client:
        with pytest.raises(fastgroq.InternalServerError):
            create(client)
        with pytest.raises(APIConnectionError):
            create(client)
    assert len(server.requests) == 2


def test_with_options_max_retries(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(503, "down", headers=FAST), ok())
    with pytest.raises(fastgroq.InternalServerError):
        create(client.with_options(max_retries=0))
    assert len(server.requests) == 1
    assert create(client).choices[0].message.content == "finally"


def test_retries_logged_at_info(server: MockGroqServer, client: Groq, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="fastgroq")
    server.enqueue(Reply.error(503, "down", headers=FAST), Reply.error(429, "slow", headers=FAST), ok())
    create(client)
    retries = [r for r in caplog.records if r.name == "fastgroq" and r.levelno == logging.INFO]
    assert len(retries) == 2
    messages = [r.getMessage() for r in retries]
    assert "retry 1 of 2" in messages[0] and "503" in messages[0]
    assert "retry 2 of 2" in messages[1] and "429" in messages[1]
    assert all("/chat/completions" in m for m in messages)


def test_stream_retried_before_first_byte(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(503, "down", headers=FAST), Reply.sse(chat_completion_chunks(["a", "b"])))
    assert "".join(create(client, stream=True).iter_text()) == "ab"
    assert len(server.requests) == 2


@pytest.mark.parametrize("cut", ["truncated", "reset"])
def test_stream_that_yielded_a_chunk_is_never_retried(server: MockGroqServer, client: Groq, cut: str) -> None:
    reply = Reply.sse(chat_completion_chunks(["one", "two", "three", "four"]))
    reply = reply.truncated(after_events=3) if cut == "truncated" else reply.reset_after(after_events=3)
    server.enqueue(reply, ok())
    received = []
    with pytest.raises(APIConnectionError) as info:
        for chunk in create(client, stream=True):
            received.append(chunk)
    assert_fastgroq_error(info.value)
    assert len(received) == 3
    assert len(server.requests) == 1
    assert server.pending_replies == 1
