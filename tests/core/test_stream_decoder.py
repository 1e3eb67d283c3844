"""``StreamDecoder`` on its own, without a socket: bytes in however they are cut, chunks and an outcome out.

Both clients drive this decoder, so its property is checked here once, on every way of cutting the body
(hundreds of cuts per body, where a loopback test can afford a few drip sizes); ``sync_client/
test_stream_framing.py`` checks the same property end to end through the sync ``Stream``.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from fastgroq._outcome import ErrorBody
from fastgroq._resources import CREATE_CHAT_COMPLETION
from fastgroq._stream_decoder import StreamDecoder
from hypothesis import given, settings, strategies as st

from tests.sync_client.test_stream_framing import PAYLOADS, bodies, expected


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
