"""tests/official_readme_patterns.py (the official README's client patterns) against the loopback server."""

from __future__ import annotations

import json

import fastgroq
import pytest
from fastgroq import Groq
from fastgroq.testing import MockGroqServer, Reply, chat_completion

from tests import official_readme_patterns as readme
from tests.client_helpers import wait_until

# Code written for the official sync client, as its users write it: about Groq alone.
pytestmark = pytest.mark.sync_only


@pytest.fixture
def env(server: MockGroqServer, monkeypatch: pytest.MonkeyPatch) -> MockGroqServer:
    """GROQ_API_KEY and GROQ_BASE_URL as the official README sets them (the host root, no /openai/v1)."""
    monkeypatch.setenv("GROQ_API_KEY", "gsk_readme_0123456789abcdef")
    monkeypatch.setenv("GROQ_BASE_URL", server.root_url)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    return server


def test_basic_usage(env: MockGroqServer) -> None:
    env.enqueue(Reply.json(chat_completion("Low latency matters.")))
    assert readme.basic_usage() == "Low latency matters."
    request = env.requests[0]
    assert request.path == "/openai/v1/chat/completions"
    assert request.headers["Authorization"] == "Bearer gsk_readme_0123456789abcdef"
    assert request.json()["messages"] == readme.MESSAGES


def test_handle_errors(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(429, "Rate limit reached", code="rate_limit_exceeded"))
    assert readme.handle_errors(client) == "A 429 status code was received; we should back off a bit."
    server.enqueue(Reply.error(503, "Service unavailable"))
    assert readme.handle_errors(client).startswith("Another non-200-range status code was received: 503 <")
    server.enqueue(Reply.reset())
    assert readme.handle_errors(client).startswith("The server could not be reached:")
    assert readme.handle_errors(client) == "ok"


def test_error_details(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(400, "messages: role is required", headers={"x-request-id": "req_d"}))
    status, message, as_json, request_id = readme.error_details(client)
    assert (status, message, request_id) == (400, "messages: role is required", "req_d")
    assert as_json["error"]["type"] == "invalid_request_error"


def test_configure_retries(env: MockGroqServer) -> None:
    env.enqueue(Reply.error(500, "boom", headers={"retry-after-ms": "1"}))
    env.enqueue(Reply.json(chat_completion("after a retry")))
    assert readme.configure_retries(env.root_url).startswith("chatcmpl-")
    assert len(env.requests) == 2


def test_configure_timeouts(env: MockGroqServer) -> None:
    env.enqueue(Reply.json(chat_completion()))
    env.enqueue(Reply.json(chat_completion()).delayed(2))
    assert readme.configure_timeouts(env.root_url) is True


def test_raw_response_headers(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion("x"), headers={"X-My-Header": "yes"}))
    header, completion_id = readme.raw_response_headers(client)
    assert header == "yes" and completion_id.startswith("chatcmpl-")


def test_streaming_response_lines(server: MockGroqServer, client: Groq) -> None:
    body = chat_completion("streamed body")
    server.enqueue(Reply.json(body, headers={"X-My-Header": "yes"}))
    header, lines = readme.streaming_response_lines(client)
    assert header == "yes"
    assert json.loads("".join(lines)) == json.loads(json.dumps(body))


def test_managed_client(env: MockGroqServer) -> None:
    assert readme.managed_client().startswith("chatcmpl-")
    wait_until(lambda: env.open_connections == 0, message="the client closing its connection on leaving `with`")


def test_installed_version() -> None:
    assert readme.installed_version() == fastgroq.__version__
