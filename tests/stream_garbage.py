"""Random event-stream bodies with garbage in them, for the fuzz tests of the stream decoder (issue 10, item 2).

Shared by ``tests/core/test_stream_decoder.py`` (socket-free, any cut of the body) and
``tests/sync_client/test_stream_fuzz.py`` (over loopback, the server dripping the body in random sizes).
Besides well-formed chunks, a body holds what a broken server or proxy sends: random bytes, invalid UTF-8
inside a chunk's string, JSON nested far deeper than any decoder recurses, error events, odd line ends and
fields, a BOM, ``[DONE]`` anywhere or not at all.
"""

from __future__ import annotations

from typing import Any

import msgspec
from fastgroq.testing import response_events
from hypothesis import strategies as st

from tests.sync_client.test_stream_framing import ERROR_CHUNK, ODD_EVENTS, PAYLOADS


def _with(payload: bytes, extra: bytes) -> bytes:
    """``payload`` (a JSON object) with ``extra`` added as one more member (an unknown field)."""
    return payload[:-1] + b',"extra":' + extra + b"}"


_CHUNK = msgspec.json.decode(PAYLOADS[3])
# Invalid UTF-8 where the type wants a string (msgspec < 0.23 raised a raw UnicodeDecodeError here), and in a
# field the type ignores.
BAD_UTF8_CONTENT = PAYLOADS[3].replace(b'"content":" w', b'"content":"\xff\xfe w')
assert PAYLOADS[3] != BAD_UTF8_CONTENT
BAD_UTF8_UNKNOWN = _with(PAYLOADS[3], b'"\xc3\x28"')
# Deeper than any interpreter's recursion limit lets msgspec go (RecursionError), in an ignored field; and
# shallow enough to decode everywhere.
DEEP = _with(PAYLOADS[3], b"[" * 100_000 + b"]" * 100_000)
DEEP_OBJECT = _with(PAYLOADS[3], b'{"a":' * 50_000 + b"1" + b"}" * 50_000)
SHALLOW = _with(PAYLOADS[3], b"[" * 50 + b"]" * 50)
ERROR_DEEP = b'{"error": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

# Two objects in one event's data (a batch decode joining events with commas must not take it for two chunks),
# and an event whose data is only spaces (a batch must not drop it uncounted).
TWO_OBJECTS = PAYLOADS[1] + b"," + PAYLOADS[2]
SPACES = b"   "
SPECIAL_PAYLOADS = [
    BAD_UTF8_CONTENT,
    BAD_UTF8_UNKNOWN,
    DEEP,
    DEEP_OBJECT,
    SHALLOW,
    ERROR_DEEP,
    ERROR_CHUNK,
    TWO_OBJECTS,
    SPACES,
]
EOLS = [b"\n"] * 4 + [b"\r\n", b"\r"]


@st.composite
def garbage_bodies(draw: st.DrawFn) -> bytes:
    """A body of up to 14 events: chunks, odd events, special payloads and random bytes, in any order."""
    parts: list[bytes] = []
    for _ in range(draw(st.integers(0, 14))):
        eol = draw(st.sampled_from(EOLS))
        kind = draw(st.integers(0, 9))
        if kind <= 3:
            parts.append(b"data: " + draw(st.sampled_from(PAYLOADS)) + eol + eol)
        elif kind == 4:
            parts.append(b"data: " + draw(st.sampled_from(SPECIAL_PAYLOADS)) + eol + eol)
        elif kind == 5:
            parts.append(draw(st.sampled_from(ODD_EVENTS)))
        elif kind == 6:
            parts.append(draw(st.binary(max_size=24)))
        elif kind == 7:
            parts.append(b"data: " + draw(st.binary(max_size=24)) + eol + eol)
        elif kind == 8:
            # A chunk cut anywhere, then garbage or another chunk.
            payload = draw(st.sampled_from(PAYLOADS))
            parts.append(b"data: " + payload[: draw(st.integers(0, len(payload)))] + eol)
        else:
            parts.append(draw(st.sampled_from([b"data: [DONE]\n\n", b"data: [DONE]", b"data:[DONE]\r\n", b"\n"])))
    body = b"".join(parts)
    return b"\xef\xbb\xbf" + body if draw(st.integers(0, 9)) == 0 else body


def outcome_of(chunks: list[Any], error: BaseException | None) -> tuple[list[Any], str, int | None]:
    """What a reading of a stream shows: its chunks, how it ended, and the index of the event it ended at."""
    if error is None:
        return chunks, "done", None
    return chunks, type(error).__name__, getattr(error, "event_index", None)


# --- the Responses API's stream (``stream.protocol: responses``): typed events named twice, a terminal event --------

_RESPONSE_EVENTS = [msgspec.json.encode(e) for e in response_events(["Hel", "lo", " there"], id="resp_fuzz")]
_DELTA = next(e for e in _RESPONSE_EVENTS if b'"response.output_text.delta"' in e)
RESPONSE_SPECIAL = [
    _DELTA.replace(b'"delta":"', b'"delta":"\xff\xfe'),  # invalid UTF-8 where the type wants a string
    _with(_DELTA, b"[" * 100_000 + b"]" * 100_000),  # nested past any recursion limit, in an ignored field
    _with(_DELTA, b'"\xc3\x28"'),  # invalid UTF-8 in an ignored field
    b'{"type": "response.made_up_event", "x": 1}',  # a type this version does not know: skipped
    b'{"type": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"type": "error", "code": "server_error", "message": "boom", "sequence_number": 3}',
    _DELTA + b"," + _DELTA,
    b"   ",
]


def _named(payload: bytes, eol: bytes) -> bytes:
    try:
        kind = msgspec.json.decode(payload).get("type")
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError, AttributeError):
        kind = None
    head = b"event: " + kind.encode() + eol if isinstance(kind, str) else b""
    return head + b"data: " + payload + eol + eol


@st.composite
def garbage_response_bodies(draw: st.DrawFn) -> bytes:
    """A Responses API stream with garbage in it: its events in order (the terminal one maybe left out), with
    special payloads, odd events and random bytes spliced in anywhere."""
    events = _RESPONSE_EVENTS[: draw(st.integers(0, len(_RESPONSE_EVENTS)))]
    parts: list[bytes] = []
    for payload in events:
        eol = draw(st.sampled_from(EOLS))
        if draw(st.integers(0, 5)) == 0:
            kind = draw(st.integers(0, 2))
            if kind == 0:
                parts.append(_named(draw(st.sampled_from(RESPONSE_SPECIAL)), eol))
            elif kind == 1:
                parts.append(draw(st.sampled_from(ODD_EVENTS)))
            else:
                parts.append(draw(st.binary(max_size=24)))
        parts.append(_named(payload, eol))
    return b"".join(parts)
