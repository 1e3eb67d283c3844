"""The official README's async patterns (tests/official_readme_patterns.py, type-checked) against the loopback server."""

from __future__ import annotations

import asyncio
import json
from typing import Any, TypeVar

import pytest
from fastgroq import AsyncGroq
from fastgroq.testing import MockGroqServer, Reply, chat_completion, chat_completion_chunks

from tests import official_readme_patterns as readme
from tests.client_helpers import API_KEY

T = TypeVar("T")


@pytest.fixture
def env(server: MockGroqServer, monkeypatch: pytest.MonkeyPatch) -> MockGroqServer:
    """GROQ_API_KEY and GROQ_BASE_URL as the official README sets them (the host root, no /openai/v1)."""
    monkeypatch.setenv("GROQ_API_KEY", "gsk_readme_0123456789abcdef")
    monkeypatch.setenv("GROQ_BASE_URL", server.root_url)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    return server


def with_client(server: MockGroqServer, body: Any) -> Any:
    async def main() -> Any:
        async with AsyncGroq(api_key=API_KEY, base_url=server.base_url, max_retries=0, trust_env=False) as client:
            return await body(client)

    return asyncio.run(main())


def test_async_usage(env: MockGroqServer) -> None:
    env.enqueue(Reply.json(chat_completion("Low latency matters.")))
    assert readme.async_usage() == "Low latency matters."
    assert env.requests[0].path == "/openai/v1/chat/completions"
    assert env.requests[0].headers["Authorization"] == "Bearer gsk_readme_0123456789abcdef"


def test_async_with_client(env: MockGroqServer) -> None:
    env.enqueue(Reply.json({**chat_completion("x"), "id": "chatcmpl-readme"}))
    assert readme.async_with_client() == "chatcmpl-readme"


def test_async_streaming(server: MockGroqServer) -> None:
    server.enqueue(Reply.sse(chat_completion_chunks(["Low ", "latency"])))
    assert with_client(server, readme.async_streaming) == "Low latency"


def test_async_raw_and_streaming_responses(server: MockGroqServer) -> None:
    server.enqueue(Reply.json({**chat_completion("x"), "id": "chatcmpl-raw"}, headers={"X-My-Header": "mine"}))
    assert with_client(server, readme.async_raw_response) == ("mine", "chatcmpl-raw")
    server.enqueue(Reply.json(chat_completion("lines"), headers={"X-My-Header": "again"}))
    header, lines = with_client(server, readme.async_streaming_response_lines)
    assert header == "again"
    assert json.loads("".join(lines))["choices"][0]["message"]["content"] == "lines"


def test_async_handle_errors(server: MockGroqServer) -> None:
    server.enqueue(Reply.error(429, "Rate limit reached", code="rate_limit_exceeded"), Reply.reset())
    assert (
        with_client(server, readme.async_handle_errors) == "A 429 status code was received; we should back off a bit."
    )
    assert with_client(server, readme.async_handle_errors).startswith("The server could not be reached:")
