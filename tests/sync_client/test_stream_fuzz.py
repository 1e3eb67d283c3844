"""Fuzz over loopback (issue 10, item 2): random event-stream bodies with garbage in them, dripped by a real
server in random sizes, chunked or close-delimited. Property: only fastgroq exceptions escape, and the chunks
and the outcome are the same however the reads split. ``tests/core/test_stream_decoder.py`` checks the same
against the decoder alone, on far more cuts per body."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import fastgroq
import msgspec
import pytest
from fastgroq import Groq
from fastgroq.testing import MockGroqServer, Reply, chat_completion
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.client_helpers import ClientPerKind, make_groq
from tests.stream_garbage import garbage_bodies, garbage_response_bodies, outcome_of


@pytest.fixture(scope="module")
def loopback() -> Iterator[tuple[MockGroqServer, Groq]]:
    """One server and one client of each kind for the module (hypothesis runs many examples)."""
    with MockGroqServer() as server:
        clients = ClientPerKind(lambda: make_groq(api_key="k", base_url=server.base_url, max_retries=0))
        yield server, clients.as_client()
        clients.close()


def read(
    server: MockGroqServer, client: Groq, reply: Reply, *, responses: bool = False
) -> tuple[list[Any], str, int | None]:
    server.enqueue(reply)
    chunks: list[Any] = []
    try:
        if responses:
            stream: Any = client.responses.create(model="m", input="x", stream=True)
        else:
            stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True)
        with stream:
            for chunk in stream:
                chunks.append(chunk)
    except BaseException as exc:  # anything at all: it must be fastgroq's
        assert isinstance(exc, fastgroq.GroqError), f"{type(exc).__module__}.{type(exc).__name__} escaped: {exc}"
        return outcome_of(chunks, exc)
    return outcome_of(chunks, None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=garbage_bodies(),
    drips=st.lists(st.sampled_from([1, 2, 7, 61, 300, 1500, 9000]), min_size=1, max_size=2, unique=True),
    chunked=st.booleans(),
)
def test_garbage_streams_over_loopback_do_not_depend_on_the_reads(
    loopback: tuple[MockGroqServer, Groq], body: bytes, drips: list[int], chunked: bool
) -> None:
    server, client = loopback
    whole = read(server, client, Reply.sse_raw(body, chunked=chunked))
    for drip in drips:
        if drip < 8 and len(body) > 20_000:
            continue  # byte-sized writes of a 200 KB event would take seconds, not add coverage
        assert read(server, client, Reply.sse_raw(body, drip=drip, chunked=chunked)) == whole


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=garbage_response_bodies(), drip=st.sampled_from([1, 3, 61, 1500]), chunked=st.booleans())
def test_garbage_responses_streams_over_loopback_do_not_depend_on_the_reads(
    loopback: tuple[MockGroqServer, Groq], body: bytes, drip: int, chunked: bool
) -> None:
    """The same for the Responses API's stream (``client.responses.create(stream=True)``)."""
    server, client = loopback
    whole = read(server, client, Reply.sse_raw(body, chunked=chunked), responses=True)
    if drip < 8 and len(body) > 20_000:
        drip = 1500
    assert read(server, client, Reply.sse_raw(body, drip=drip, chunked=chunked), responses=True) == whole


@st.composite
def garbage_json_bodies(draw: st.DrawFn) -> bytes:
    """A non-stream body: a real completion or error, cut, spliced with garbage, or replaced by a hostile payload."""
    good = draw(st.sampled_from([COMPLETION, ERROR_BODY]))
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return good[: draw(st.integers(0, len(good)))]
    if kind == 1:
        at = draw(st.integers(0, len(good)))
        return good[:at] + draw(st.binary(max_size=16)) + good[at:]
    if kind == 2:
        return draw(st.sampled_from(HOSTILE_JSON))
    if kind == 3:
        return draw(st.binary(max_size=64))
    return good


COMPLETION = msgspec.json.encode(chat_completion("hello"))
ERROR_BODY = msgspec.json.encode({"error": {"message": "bad", "type": "invalid_request_error", "code": "x"}})
HOSTILE_JSON = [
    COMPLETION.replace(b'"hello"', b'"\xff\xfehello"'),
    COMPLETION[:-1] + b',"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"error": ' + b"{" * 1 + b'"message": "' + b"\xc3\x28" + b'"}}',
    b'{"error": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b"[" * 100_000,
    b'{"choices": null}',
    b"null",
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=garbage_json_bodies(), status=st.sampled_from([200, 200, 400, 429, 500, 302]), chunked=st.booleans())
def test_garbage_json_bodies_raise_only_fastgroq_errors(
    loopback: tuple[MockGroqServer, Groq], body: bytes, status: int, chunked: bool
) -> None:
    """Whatever the body of a non-stream answer, with whatever status: a result or a fastgroq error, and
    ``e.response.json()`` raises a ``ValueError`` (never a RecursionError) for a body that is not JSON."""
    server, client = loopback
    server.enqueue(Reply.raw(body, status=status, content_type="application/json", chunked=chunked))
    try:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    except BaseException as exc:
        assert isinstance(exc, fastgroq.GroqError), f"{type(exc).__module__}.{type(exc).__name__} escaped: {exc}"
        response = getattr(exc, "response", None)
        if response is not None:
            with contextlib.suppress(ValueError):
                response.json()
