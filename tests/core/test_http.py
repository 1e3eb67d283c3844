"""The I/O-free pieces of ``_http`` that both clients' raw responses hand their bodies through."""

from __future__ import annotations

import pytest
from fastgroq._http import ByteChunker, text_decoder
from hypothesis import given, strategies as st


@given(
    pieces=st.lists(st.binary(max_size=300), max_size=20),
    size=st.one_of(st.none(), st.integers(min_value=1, max_value=64)),
)
def test_byte_chunker_cuts_pieces_into_chunk_size_and_keeps_every_byte(pieces: list[bytes], size: int | None) -> None:
    chunker = ByteChunker(size)
    out = [chunk for piece in pieces for chunk in chunker.decode(piece)] + chunker.flush()
    assert b"".join(out) == b"".join(pieces)
    assert b"" not in out
    if size is None:
        assert out == [piece for piece in pieces if piece]
    else:
        assert all(len(chunk) == size for chunk in out[:-1])
        assert not out or 1 <= len(out[-1]) <= size


def test_byte_chunker_keeps_a_short_remainder_until_flushed() -> None:
    chunker = ByteChunker(4)
    assert chunker.decode(b"abcdef") == [b"abcd"]
    assert chunker.decode(b"g") == []
    assert chunker.decode(b"hij") == [b"efgh"]
    assert chunker.flush() == [b"ij"]
    assert chunker.flush() == []


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/plain; charset=latin-1", "caf\u00e9"),
        ("text/plain", "caf\ufffd"),  # UTF-8 by default: the latin-1 byte is replaced, not raised
        ("text/plain; charset=no-such-charset", "caf\ufffd"),
    ],
)
def test_text_decoder_follows_the_charset_and_replaces_what_does_not_decode(content_type: str, expected: str) -> None:
    decoder = text_decoder({"content-type": content_type})
    assert decoder.decode(b"caf") + decoder.decode(b"\xe9") + decoder.decode(b"", True) == expected


def test_text_decoder_holds_a_character_split_between_pieces() -> None:
    decoder = text_decoder({})
    assert decoder.decode(b"caf\xc3") == "caf"
    assert decoder.decode(b"\xa9") == "\u00e9"
