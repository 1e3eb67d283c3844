"""``StreamDecoder`` on its own, without a socket: bytes in however they are cut, chunks and an outcome out.

Both clients drive this decoder, so its property is checked here once, on every way of cutting the body
(hundreds of cuts per body, where a loopback test can afford a few drip sizes); ``sync_client/
test_stream_framing.py`` checks the same property end to end through the sync ``Stream``.
"""

from __future__ import annotations

import itertools
from typing import Any

import fastgroq
import pytest
from fastgroq._endpoints import CREATE_CHAT_COMPLETION, CREATE_RESPONSE
from fastgroq._operation import Operation
from fastgroq._outcome import ErrorBody
from fastgroq._stream_decoder import StreamDecoder
from hypothesis import given, settings, strategies as st

from tests.stream_garbage import (
    BAD_UTF8_UNKNOWN,
    ERROR_DEEP,
    SHALLOW,
    SPACES,
    SPECIAL_PAYLOADS,
    garbage_bodies,
    garbage_response_bodies,
    outcome_of,
)
from tests.sync_client.test_stream_framing import CHUNK, ERROR_CHUNK, PAYLOADS, bodies, expected


def decode(pieces: list[bytes]) -> tuple[list[Any], str]:
    """Drive a decoder as a transport does: feed each read, stop at ``done`` or an error, flush at the end."""
    decoder = StreamDecoder(
        CREATE_CHAT_COMPLETION,
        request=None,
        status_code=200,
        headers={},
        secret="",
        error_decoder=ErrorBody.error_object,
    )
    out: list[Any] = []
    for piece in pieces:
        out += decoder.feed(piece)
        if decoder.done or decoder.error is not None:
            break
    else:
        out += decoder.flush()
    return out, "done" if decoder.error is None else type(decoder.error).__name__


def cut(body: bytes, points: list[int]) -> list[bytes]:
    marks = sorted({0, len(body), *(p % (len(body) + 1) for p in points)})
    return [body[a:b] for a, b in itertools.pairwise(marks) if b > a]


@settings(max_examples=300, deadline=None)
@given(body=bodies(), points=st.lists(st.integers(0, 1 << 16), max_size=12))
def test_any_cut_of_the_body_gives_the_plain_reading(body: bytes, points: list[int]) -> None:
    assert decode(cut(body, points)) == expected(body)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 4096])
def test_fixed_read_sizes_give_the_plain_reading(size: int) -> None:
    body = b"".join(b"data: " + p + b"\n\n" for p in PAYLOADS) + b"data: [DONE]\n\n"
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    assert decode(pieces) == expected(body)
    assert len(decode(pieces)[0]) == len(PAYLOADS)


def test_one_list_per_read_and_nothing_after_done() -> None:
    body = b"".join(b"data: " + p + b"\n\n" for p in PAYLOADS[:4]) + b"data: [DONE]\n\ndata: " + PAYLOADS[5] + b"\n\n"
    decoder = StreamDecoder(
        CREATE_CHAT_COMPLETION,
        request=None,
        status_code=200,
        headers={},
        secret="",
        error_decoder=ErrorBody.error_object,
    )
    chunks = decoder.feed(body)
    assert len(chunks) == 4 and decoder.done and decoder.error is None
    assert decoder.feed(b"data: " + PAYLOADS[6] + b"\n\n") == [] and decoder.flush() == []


def decode_outcome(pieces: list[bytes], op: Operation = CREATE_CHAT_COMPLETION) -> tuple[list[Any], str, int | None]:
    """As ``decode``, with the event index of the error; nothing may raise out of ``feed`` or ``flush``."""
    decoder = StreamDecoder(
        op,
        request=None,
        status_code=200,
        headers={},
        secret="",
        error_decoder=ErrorBody.error_object,
    )
    out: list[Any] = []
    for piece in pieces:
        out += decoder.feed(piece)
        if decoder.done or decoder.error is not None:
            break
    else:
        out += decoder.flush()
    if decoder.error is not None:
        assert isinstance(decoder.error, fastgroq.APIError), type(decoder.error)
    return outcome_of(out, decoder.error)


@settings(max_examples=400, deadline=None)
@given(body=garbage_bodies(), points=st.lists(st.integers(0, 1 << 18), max_size=12))
def test_garbage_any_cut_gives_the_same_chunks_and_outcome(body: bytes, points: list[int]) -> None:
    """Issue 10: random bytes, invalid UTF-8, JSON nested 100,000 deep, error events, cut anywhere: no raw
    exception, and the chunks and the outcome are those of the whole body read at once."""
    whole = decode_outcome([body])
    assert decode_outcome(cut(body, points)) == whole
    if len(body) < 4096:
        assert decode_outcome([body[i : i + 1] for i in range(len(body))]) == whole


@pytest.mark.parametrize("payload", SPECIAL_PAYLOADS, ids=range(len(SPECIAL_PAYLOADS)))
@pytest.mark.parametrize("size", [None, 1, 5, 4096])
def test_each_hostile_payload_between_good_chunks(payload: bytes, size: int | None) -> None:
    """The chunks before a hostile event are delivered, whatever the reads; what follows depends on the event."""
    body = b"data: " + PAYLOADS[0] + b"\n\ndata: " + payload + b"\n\ndata: " + PAYLOADS[1] + b"\n\ndata: [DONE]\n\n"
    pieces = [body] if size is None else [body[i : i + size] for i in range(0, len(body), size)]
    chunks, end, index = decode_outcome(pieces)
    assert chunks[0] == CHUNK.decode(PAYLOADS[0])
    if payload in (SHALLOW, BAD_UTF8_UNKNOWN):
        assert end == "done" and len(chunks) == 3
    elif payload == SPACES:
        assert end == "done" and len(chunks) == 2
    elif payload in (ERROR_DEEP, ERROR_CHUNK):
        assert (end, index, len(chunks)) == ("StreamError" if payload == ERROR_CHUNK else end, 1, 1)
    else:
        assert (end, index, len(chunks)) == ("APIResponseValidationError", 1, 1)


@settings(max_examples=200, deadline=None)
@given(body=garbage_response_bodies(), points=st.lists(st.integers(0, 1 << 18), max_size=12))
def test_garbage_responses_stream_any_cut_gives_the_same_outcome(body: bytes, points: list[int]) -> None:
    """The same property for the Responses API's stream (typed events, a terminal event instead of [DONE])."""
    whole = decode_outcome([body], CREATE_RESPONSE)
    assert decode_outcome(cut(body, points), CREATE_RESPONSE) == whole
    if len(body) < 4096:
        assert decode_outcome([body[i : i + 1] for i in range(len(body))], CREATE_RESPONSE) == whole
