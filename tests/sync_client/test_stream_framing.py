"""Property: whatever the framing and however the bytes are cut across reads, a Stream yields exactly
what the WHATWG SSE decoder plus decoding each event one by one yields, and ends the same way.

The Stream has a batched fast path for the common shape of events; this checks it against the plain
reading of the stream over real loopback sockets, with the server dripping the body in random sizes, for
both clients (``Stream`` over urllib3 and ``AsyncStream`` over aiohttp feed the same ``StreamDecoder``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from fastgroq import APIError, Groq
from fastgroq._sse import SSEDecoder
from fastgroq.testing import MockGroqServer, Reply, chat_completion_chunks
from fastgroq.types import ChatCompletionChunk
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.client_helpers import ClientPerKind, make_groq

CHUNK = msgspec.json.Decoder(ChatCompletionChunk)
PAYLOADS = [msgspec.json.encode(c) for c in chat_completion_chunks([f" w{i}" for i in range(12)], request_id="req_f")]
ERROR_CHUNK = msgspec.json.encode({**msgspec.json.decode(PAYLOADS[2]), "x_groq": {"id": "req_f", "error": "boom"}})
ODD_EVENTS = [
    b": keep-alive\n\n",
    b"event: ping\ndata: {}\n\n",
    b"data: \n\n",
    b"data: {not json\n\n",
    b'data: {"error": {"message": "overloaded", "type": "server_error"}}\n\n',
    b"event: error\ndata: boom\n\n",
    b"id: 7\n\n",
    b"retry: 10\n\n",
    b"data:" + PAYLOADS[3] + b"\n\n",
    b"data: " + PAYLOADS[3][:20] + b"\n" + PAYLOADS[3][20:] + b"\n\n",
    b"data: " + ERROR_CHUNK + b"\n\n",
]


def expected(body: bytes) -> tuple[list[ChatCompletionChunk], str]:
    """The plain reading: SSE events in order, each decoded on its own."""
    out: list[ChatCompletionChunk] = []
    for event in SSEDecoder().feed(body):
        if event.event == "error":
            return out, "StreamError"
        if event.event != "message" or not event.data.strip():
            continue
        if event.data == b"[DONE]":
            return out, "done"
        try:
            obj = msgspec.json.decode(event.data)
            if isinstance(obj, dict) and obj.get("error"):
                return out, "StreamError"
            chunk = CHUNK.decode(event.data)
        except msgspec.DecodeError:
            return out, "APIResponseValidationError"
        if chunk.x_groq and chunk.x_groq.error:
            return out, "StreamError"
        out.append(chunk)
    if body.rstrip(b"\r\n").endswith(b"data: [DONE]"):
        return out, "done"
    return out, "IncompleteStreamError"


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    parts = []
    for payload in PAYLOADS[: draw(st.integers(0, len(PAYLOADS)))]:
        eol = draw(st.sampled_from([b"\n"] * 6 + [b"\r\n", b"\r"]))
        parts.append(b"data: " + payload + eol + eol)
        if draw(st.integers(0, 9)) == 0:
            parts.append(draw(st.sampled_from(ODD_EVENTS)))
    if draw(st.booleans()) or draw(st.booleans()):
        parts.append(draw(st.sampled_from([b"data: [DONE]\n\n", b"data: [DONE]\r\n\r\n", b"data: [DONE]\n"])))
    body = b"".join(parts)
    return b"\xef\xbb\xbf" + body if draw(st.integers(0, 19)) == 0 else body


@pytest.fixture(scope="module")
def loopback() -> Iterator[tuple[MockGroqServer, Groq]]:
    """One server and one client of each kind for the module (hypothesis runs many examples)."""
    with MockGroqServer() as server:
        clients = ClientPerKind(lambda: make_groq(api_key="k", base_url=server.base_url, max_retries=0))
        yield server, clients.as_client()
        clients.close()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies(), drip=st.sampled_from([None, 7, 61, 300, 1500, 9000]), chunked=st.booleans())
def test_stream_matches_the_plain_reading(
    loopback: tuple[MockGroqServer, Groq], body: bytes, drip: int | None, chunked: bool
) -> None:
    server, client = loopback
    server.enqueue(Reply.sse_raw(body, drip=drip, chunked=chunked))
    received: list[Any] = []
    outcome = "done"
    try:
        stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True)
        received.extend(stream)
    except APIError as exc:
        outcome = type(exc).__name__
    assert (received, outcome) == expected(body)
