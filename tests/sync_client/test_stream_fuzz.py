"""Fuzz over loopback (issue 10, item 2): random event-stream bodies with garbage in them, dripped by a real
server in random sizes, chunked or close-delimited. Property: only fastgroq exceptions escape, and the chunks
and the outcome are the same however the reads split. ``tests/core/test_stream_decoder.py`` checks the same
against the decoder alone, on far more cuts per body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fastgroq
import pytest
from fastgroq import Groq
from fastgroq.testing import MockGroqServer, Reply
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.stream_garbage import garbage_bodies, garbage_response_bodies, outcome_of


@pytest.fixture(scope="module")
def loopback() -> Iterator[tuple[MockGroqServer, Groq]]:
    with MockGroqServer() as server, Groq(api_key="k", base_url=server.base_url, max_retries=0) as client:
        yield server, client


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
