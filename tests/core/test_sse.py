"""Tests for the server-sent-events framer (fastgroq._sse), against the WHATWG event-stream rules."""

from __future__ import annotations

import itertools
import re

import msgspec
import pytest
from fastgroq._sse import ServerSentEvent, SSEDecoder
from hypothesis import given, settings, strategies as st

BOM = b"\xef\xbb\xbf"


def feed_all(chunks: list[bytes]) -> tuple[list[ServerSentEvent], bool]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return events, decoder.finish()


def decode(stream: bytes) -> list[ServerSentEvent]:
    events, _ = feed_all([stream])
    return events


def pieces(stream: bytes, size: int) -> list[bytes]:
    return [stream[i : i + size] for i in range(0, len(stream), size)]


def reference(stream: bytes) -> tuple[list[ServerSentEvent], bool]:
    """A direct, unoptimised transcription of the spec's algorithm, on the whole stream at once."""
    if stream.startswith(BOM):
        stream = stream[3:]
    lines = re.split(rb"\r\n|\r|\n", stream)
    tail = lines.pop()  # after the last terminator: an unterminated line, or b""
    events: list[ServerSentEvent] = []
    data: list[bytes] = []
    kind = b""
    last_id: str | None = None
    retry: int | None = None
    dirty = False
    for line in lines:
        if not line:
            if data:
                name = kind.decode("utf-8", "replace") or "message"
                events.append(ServerSentEvent(name, b"\n".join(data), last_id, retry))
            data, kind, retry, dirty = [], b"", None, False
            continue
        if line.startswith(b":"):
            continue
        field, colon, value = line.partition(b":")
        if colon and value.startswith(b" "):
            value = value[1:]
        if field == b"data":
            data.append(value)
        elif field == b"event":
            kind = value
        elif field == b"id":
            if b"\0" not in value:
                last_id = value.decode("utf-8", "replace")
        elif field == b"retry":
            if value and all(48 <= c <= 57 for c in value):
                retry = int(value)
        else:
            continue
        dirty = True
    return events, bool(tail) or dirty


def ev(data: bytes, event: str = "message", id: str | None = None, retry: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(event, data, id, retry)


# --- WHATWG rules, one by one ---------------------------------------------------------------------------


def test_simple_data_event() -> None:
    assert decode(b'data: {"a":1}\n\n') == [ev(b'{"a":1}')]


def test_event_defaults() -> None:
    (event,) = decode(b"data: x\n\n")
    assert event.event == "message"
    assert event.id is None
    assert event.retry is None
    assert isinstance(event.data, bytes)


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_line_terminators(eol: bytes) -> None:
    stream = eol.join([b"data: a", b"", b"event: e", b"data: b", b"data: c", b"", b""])
    assert decode(stream) == [ev(b"a"), ev(b"b\nc", "e")]


def test_mixed_terminators() -> None:
    assert decode(b"data: a\r\ndata: b\rdata: c\n\r\n") == [ev(b"a\nb\nc")]


def test_cr_lf_is_one_terminator_not_two() -> None:
    # If CRLF counted as two terminators the first event would dispatch after "a".
    assert decode(b"data: a\r\ndata: b\r\n\r\n") == [ev(b"a\nb")]


def test_cr_then_lf_split_across_feeds_is_one_terminator() -> None:
    events, incomplete = feed_all([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"])
    assert events == [ev(b"a\nb")]
    assert not incomplete


def test_cr_at_end_of_feed_followed_by_other_text() -> None:
    events, _ = feed_all([b"data: a\r", b"data: b\r", b"\r"])
    assert events == [ev(b"a\nb")]


def test_cr_split_survives_empty_feed() -> None:
    events, _ = feed_all([b"data: a\r", b"", b"\n", b"\n"])
    assert events == [ev(b"a")]


def test_comments_are_ignored() -> None:
    assert decode(b": keep-alive\n\n:\ndata: a\n: inside\ndata: b\n\n") == [ev(b"a\nb")]


def test_comment_only_block_dispatches_nothing() -> None:
    assert decode(b": ping\n\n: ping\r\n\r\n") == []


def test_unknown_fields_are_ignored() -> None:
    assert decode(b"foo: bar\ndata: a\nDATA: b\nData: c\n\n") == [ev(b"a")]


def test_field_without_colon_has_empty_value() -> None:
    assert decode(b"data\n\n") == [ev(b"")]
    assert decode(b"data\ndata\n\n") == [ev(b"\n")]
    assert decode(b"event\ndata: x\n\n") == [ev(b"x")]


def test_only_one_leading_space_is_stripped() -> None:
    assert decode(b"data:  two\n\n") == [ev(b" two")]
    assert decode(b"data:none\n\n") == [ev(b"none")]
    assert decode(b"data: trailing \n\n") == [ev(b"trailing ")]


def test_colon_in_value_is_kept() -> None:
    assert decode(b"data: a: b:c\n\n") == [ev(b"a: b:c")]


def test_multiple_data_lines_join_with_lf() -> None:
    assert decode(b"data: a\ndata:\ndata: c\n\n") == [ev(b"a\n\nc")]


def test_empty_data_line_dispatches_empty_event() -> None:
    assert decode(b"data:\n\n") == [ev(b"")]


def test_event_without_data_is_not_dispatched() -> None:
    assert decode(b"event: ping\n\ndata: x\n\n") == [ev(b"x")]
    # The event type does not leak into the next event.
    assert decode(b"event: a\n\ndata: x\n\n")[0].event == "message"


def test_event_type() -> None:
    assert decode(b'event: error\ndata: {"error":{}}\n\n') == [ev(b'{"error":{}}', "error")]
    assert decode(b"event:\ndata: x\n\n") == [ev(b"x", "message")]


def test_event_type_resets_after_dispatch() -> None:
    assert decode(b"event: a\ndata: 1\n\ndata: 2\n\n") == [ev(b"1", "a"), ev(b"2")]


def test_id_persists_across_events() -> None:
    stream = b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"
    assert decode(stream) == [ev(b"a", id="1"), ev(b"b", id="1"), ev(b"c", id="")]


def test_id_set_by_undispatched_block_still_applies() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 7\n\ndata: x\n\n") == [ev(b"x", id="7")]
    assert decoder.last_event_id == "7"


def test_id_with_nul_is_ignored() -> None:
    assert decode(b"id: 1\n\nid: 2\x003\ndata: x\n\n") == [ev(b"x", id="1")]


def test_retry_only_ascii_digits() -> None:
    assert decode(b"retry: 1500\ndata: x\n\n") == [ev(b"x", retry=1500)]
    for bad in (b"retry: 15a\n", b"retry: -1\n", b"retry:\n", b"retry: 1 5\n", b"retry: \xd9\xa1\n"):
        assert decode(bad + b"data: x\n\n") == [ev(b"x")], bad


def test_retry_is_remembered_on_decoder() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"retry: 10\n\ndata: x\n\n") == [ev(b"x")]
    assert decoder.retry == 10


def test_leading_bom_is_skipped_once() -> None:
    assert decode(BOM + b"data: a\n\n") == [ev(b"a")]
    # Only at the very start of the stream; a BOM elsewhere is part of the line.
    assert decode(b"data: a\n\n" + BOM + b"data: b\n\n") == [ev(b"a")]
    assert decode(BOM + BOM + b"data: a\n\n") == []


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_bom_split_across_feeds(size: int) -> None:
    assert feed_all(pieces(BOM + b"data: a\n\n", size)) == ([ev(b"a")], False)


def test_stream_shorter_than_bom() -> None:
    assert feed_all([b"\xef\xbb"]) == ([], True)
    assert feed_all([b"\n"]) == ([], False)
    assert feed_all([b"d", b"ata: a\n\n"]) == ([ev(b"a")], False)


def test_multibyte_utf8_split_across_feeds() -> None:
    text = "héllo → 世界 🎉".encode()
    stream = b"event: \xc3\xa9v\ndata: " + text + b"\n\n"
    for size in range(1, 8):
        events, _ = feed_all(pieces(stream, size))
        assert events == [ev(text, "év")]


def test_invalid_utf8_in_event_name_is_replaced() -> None:
    assert decode(b"event: \xff\ndata: x\n\n") == [ev(b"x", "\ufffd")]


def test_data_decodes_with_msgspec() -> None:
    (event,) = decode(b'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n')
    assert msgspec.json.decode(event.data)["choices"][0]["delta"]["content"] == "hi"
    assert event.text() == '{"choices":[{"delta":{"content":"hi"}}]}'


def test_done_sentinel_is_an_ordinary_event() -> None:
    assert decode(b"data: 1\n\ndata: [DONE]\n\n") == [ev(b"1"), ev(b"[DONE]")]


def test_extra_blank_lines_between_events() -> None:
    assert decode(b"\n\n\ndata: a\n\n\n\n\ndata: b\n\n\n") == [ev(b"a"), ev(b"b")]


# --- end of input -----------------------------------------------------------------------------------------


def test_complete_stream_is_not_pending() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n\n")
    assert not decoder.pending
    assert decoder.finish() is False


@pytest.mark.parametrize(
    "stream",
    [
        b"data: a\n\ndata: b",  # unterminated line
        b"data: a\n\ndata: b\n",  # field line, no blank line yet
        b"data: a\n\nevent: x\n",
        b"data: a\n\nid: 3\n",
        b"data: a\n\nretry: 3\n",
        b"data: a\n\ndata: b\r",
        b"data: a\n\n: partial comment",  # bytes are buffered
    ],
)
def test_incomplete_event_at_end(stream: bytes) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(stream) == [ev(b"a")]
    assert decoder.pending
    assert decoder.finish() is True
    # A partial event is discarded, never dispatched, and the decoder is reset.
    assert not decoder.pending
    assert decoder.feed(b"data: z\n\n")[0].data == b"z"


def test_comment_or_unknown_field_lines_do_not_leave_pending() -> None:
    for stream in (b"data: a\n\n: ping\n", b"data: a\n\nfoo: bar\n", b"data: a\r\n\r\n"):
        decoder = SSEDecoder()
        decoder.feed(stream)
        assert not decoder.pending, stream


def test_truncated_mid_event_in_many_feeds() -> None:
    stream = b'data: {"a":1}\n\ndata: {"b":'
    events, incomplete = feed_all(pieces(stream, 5))
    assert events == [ev(b'{"a":1}')]
    assert incomplete


# --- big inputs and odd read sizes (correctness only; speed is measured in the benchmarks) -----------


def test_one_mebibyte_event_fed_one_byte_at_a_time() -> None:
    payload = b"x" * (1 << 20)
    stream = b"data: " + payload + b"\n\n"
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for i in range(len(stream)):
        events += decoder.feed(stream[i : i + 1])
    assert events == [ev(payload)]
    assert not decoder.pending


def test_four_mebibyte_event_in_1kib_reads_buffers_only_the_line() -> None:
    payload = b"y" * (4 << 20)
    stream = b"data: " + payload + b"\n\n"
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for i, chunk in enumerate(pieces(stream, 1024)):
        got = decoder.feed(chunk)
        events += got
        if i < len(stream) // 1024 - 1:
            assert got == []
            assert decoder.pending
    assert events == [ev(payload)]


def test_twenty_thousand_events_in_one_feed() -> None:
    body = b"".join(b'data: {"i":%d}\n\n' % i for i in range(20_000)) + b"data: [DONE]\n\n"
    events = decode(body)
    assert len(events) == 20_001
    assert [msgspec.json.decode(e.data)["i"] for e in events[:-1]] == list(range(20_000))
    assert events[-1].data == b"[DONE]"


@pytest.mark.parametrize("size", [1, 7, 64, 301, 4096, 65536])
def test_read_sizes_agree(size: int) -> None:
    body = b"".join(b'data: {"i":%d,"s":"%s"}\n\n' % (i, "é☃".encode() * (i % 50)) for i in range(2_000))
    body = body[:-30] + b": keep-alive\r\n\r\nevent: error\r\ndata: {}\r\n\r\n"
    assert feed_all(pieces(body, size)) == feed_all([body]) == reference(body)


@pytest.mark.parametrize("size", [1, 5, 100, 1 << 20])
def test_data_without_space_in_bulk(size: int) -> None:
    body = b"".join(b"data:%d\n\ndata: s%d\n\ndata:  two%d\n\n" % (i, i, i) for i in range(300))
    body = b"data:a\ndata:b\n\n" + body + b"data:x\ndata: y\n\ndata:z\n\n"
    expected = reference(body)
    assert len(expected[0]) == 903
    assert feed_all(pieces(body, size)) == expected


def test_keep_alive_comments_among_fast_events() -> None:
    body = b"".join(b"data: %d\n\n" % i + (b": ping\n\n" if i % 7 == 0 else b"") for i in range(200))
    assert decode(body) == [ev(b"%d" % i) for i in range(200)]


# --- property tests -----------------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=12).map(str.encode)
_eol = st.sampled_from([b"\n", b"\r\n", b"\r"])
_line = st.one_of(
    st.tuples(st.just(b"data: "), _text),
    st.tuples(st.just(b"data:"), _text),
    st.tuples(st.just(b"data"), st.just(b"")),
    st.tuples(st.just(b"event: "), st.sampled_from([b"error", b"message", b"", "é".encode()])),
    st.tuples(st.just(b"id: "), st.sampled_from([b"1", b"req_\xc3\xa9", b"a\x00b", b""])),
    st.tuples(st.just(b"retry: "), st.sampled_from([b"100", b"1x", b""])),
    st.tuples(st.just(b":"), _text),
    st.tuples(st.just(b"unknown: "), _text),
)
_block = st.lists(st.tuples(_line, _eol), max_size=4).map(
    lambda lines: b"".join(name + value + eol for (name, value), eol in lines)
)


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    blocks = draw(st.lists(st.tuples(_block, _eol), max_size=8))
    body = b"".join(block + eol for block, eol in blocks)
    if draw(st.booleans()):
        body += draw(_block)  # possibly a truncated last event
    return (BOM if draw(st.booleans()) else b"") + body


def _split(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    return [stream[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=400, deadline=None)
@given(streams(), st.lists(st.integers(min_value=0), max_size=20))
def test_any_cut_gives_the_same_events(stream: bytes, cuts: list[int]) -> None:
    expected = reference(stream)
    assert feed_all([stream]) == expected
    assert feed_all(_split(stream, cuts)) == expected


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from([b"data", b"event", b"id", b"retry", b":", b" ", b"\r", b"\n", b"x", b"\xc3\xa9", b"\x00"])
    ),
    st.lists(st.integers(min_value=0), max_size=10),
)
def test_token_soup_matches_reference(tokens: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(tokens)
    expected = reference(stream)
    assert feed_all([stream]) == expected
    assert feed_all(_split(stream, cuts)) == expected
    assert feed_all(pieces(stream, 1)) == expected
