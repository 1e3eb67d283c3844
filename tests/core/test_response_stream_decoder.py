"""``StreamDecoder`` reading a Responses API stream (``stream.protocol: responses``), without a socket.

The events name their type twice (``event: response.output_text.delta`` and ``"type"`` in the data); a terminal
event ends the stream (no ``data: [DONE]`` needed); an ``error`` event or ``response.failed`` raises ``StreamError``;
a stream cut before its terminal event raises ``IncompleteStreamError``; an event type this version does not know is
skipped. However the body is cut into reads, the reading is the same as reading it whole.
"""

from __future__ import annotations

import itertools
from typing import Any

import fastgroq
import msgspec
import pytest
from fastgroq._endpoints import CREATE_RESPONSE
from fastgroq._outcome import ErrorBody
from fastgroq._stream_decoder import StreamDecoder
from fastgroq.testing import response_events, sse_event
from fastgroq.types import ResponseCompletedEvent, ResponseCreatedEvent, ResponseTextDeltaEvent
from hypothesis import given, settings, strategies as st


def decoder() -> StreamDecoder:
    return StreamDecoder(
        CREATE_RESPONSE, request=None, status_code=200, headers={}, secret="", error_decoder=ErrorBody.error_object
    )


def decode(pieces: list[bytes]) -> tuple[list[Any], StreamDecoder]:
    """Drive a decoder as a transport does: feed each read, stop at ``done`` or an error, flush at the end."""
    d = decoder()
    out: list[Any] = []
    for piece in pieces:
        out += d.feed(piece)
        if d.done or d.error is not None:
            break
    else:
        out += d.flush()
    return out, d


def named(events: list[dict[str, Any]], *, eol: bytes = b"\n") -> bytes:
    return b"".join(sse_event(e, event=str(e["type"]), eol=eol) for e in events)


def cut(body: bytes, points: list[int]) -> list[bytes]:
    marks = sorted({0, len(body), *(p % (len(body) + 1) for p in points)})
    return [body[a:b] for a, b in itertools.pairwise(marks) if b > a]


def kinds(out: list[Any]) -> list[str]:
    return [type(e).__name__ for e in out]


EVENTS = response_events(["Hel", "lo", " there"])
BODY = named(EVENTS)


def test_a_whole_stream_is_every_event_typed_then_done() -> None:
    out, d = decode([BODY])
    assert len(out) == len(EVENTS)
    assert isinstance(out[0], ResponseCreatedEvent) and isinstance(out[-1], ResponseCompletedEvent)
    assert [e.delta for e in out if isinstance(e, ResponseTextDeltaEvent)] == ["Hel", "lo", " there"]
    assert d.done and d.error is None
    assert d.usage is not None and d.usage == out[-1].response.usage and d.usage.total_tokens > 0
    assert "".join(d.protocol.iter_text(iter(out))) == "Hello there"


@settings(max_examples=200, deadline=None)
@given(points=st.lists(st.integers(0, 1 << 16), max_size=12), crlf=st.booleans(), comments=st.booleans())
def test_any_cut_gives_the_same_reading(points: list[int], crlf: bool, comments: bool) -> None:
    eol = b"\r\n" if crlf else b"\n"
    body = named(EVENTS[:5], eol=eol) + named(EVENTS[5:], eol=eol)
    if comments:
        body = sse_event(comment="keep-alive", eol=eol) + named(EVENTS[:5], eol=eol)
        body += sse_event(comment="ping", eol=eol) + named(EVENTS[5:], eol=eol)
    out, d = decode(cut(body, points))
    whole, _ = decode([body])
    assert out == whole and len(out) == len(EVENTS) and d.done


@pytest.mark.parametrize("size", [1, 2, 7, 64, 4096])
def test_fixed_read_sizes(size: int) -> None:
    out, d = decode([BODY[i : i + size] for i in range(0, len(BODY), size)])
    assert kinds(out) == kinds(decode([BODY])[0]) and d.done


def test_data_only_events_and_a_done_after_the_terminal_event_read_the_same() -> None:
    plain = b"".join(sse_event(e) for e in EVENTS) + b"data: [DONE]\n\n"
    assert kinds(decode([plain])[0]) == kinds(decode([BODY])[0])
    assert kinds(decode([BODY + b"data: [DONE]\n\n" + named(EVENTS[:2])])[0]) == kinds(decode([BODY])[0])


def test_a_stream_cut_before_its_terminal_event_is_incomplete() -> None:
    out, d = decode([named(EVENTS[:-1])])
    assert len(out) == len(EVENTS) - 1
    assert isinstance(d.error, fastgroq.IncompleteStreamError)
    assert "terminal event" in str(d.error)


@pytest.mark.parametrize("framing", ["named", "data", "chat-style"])
def test_an_error_event_raises_after_the_events_before_it(framing: str) -> None:
    error = {
        "type": "error",
        "sequence_number": 5,
        "code": "rate_limit_exceeded",
        "message": "Slow down",
        "param": None,
    }
    if framing == "named":
        frame = sse_event(error, event="error")
    elif framing == "data":
        frame = sse_event(error)
    else:
        frame = sse_event({"error": {"message": "Slow down", "type": "tokens", "code": "rate_limit_exceeded"}})
    out, d = decode([named(EVENTS[:5]) + frame + named(EVENTS[5:])])
    assert len(out) == 5
    assert isinstance(d.error, fastgroq.StreamError)
    assert (d.error.message, d.error.code) == ("Slow down", "rate_limit_exceeded")


def test_response_failed_raises_with_the_responses_error() -> None:
    out, d = decode([named(response_events(["a"], status="failed"))])
    assert kinds(out)[-1] == "ResponseTextDeltaEvent"
    assert isinstance(d.error, fastgroq.StreamError)
    assert (d.error.code, d.error.message) == ("server_error", "The model failed to respond.")
    assert type(d.error.chunk).__name__ == "ResponseFailedEvent"


def test_an_incomplete_response_ends_the_stream_with_its_usage() -> None:
    out, d = decode([named(response_events(["a"], status="incomplete"))])
    assert kinds(out)[-1] == "ResponseIncompleteEvent" and d.done and d.error is None
    assert out[-1].response.incomplete_details.reason == "max_output_tokens"


def test_an_unknown_event_type_is_skipped_and_a_bad_value_repaired() -> None:
    events = [dict(e) for e in EVENTS]
    events[4] = {**events[4], "sequence_number": "four"}  # a wrong type: repaired
    events.insert(3, {"type": "response.web_search_call.searching", "sequence_number": 3, "item_id": "ws_1"})
    out, d = decode([named(events)])
    assert len(out) == len(EVENTS) and d.done
    assert [(r.path, r.action) for r in d.repairs] == [
        ("$.type", "event skipped"),
        ("$.sequence_number", "dropped, reads as None"),
    ]


def test_the_fast_path_reads_named_events_as_the_framer_does() -> None:
    """``split_named_events`` on its own: the data of each event, or None when the framer must read them."""
    from fastgroq._sse import split_named_events

    run = b'event: a\ndata: {"x":1}\n\nevent: b\nid: 7\ndata: {"x":2}'
    assert split_named_events(run, 0, len(run)) == [b'{"x":1}', b'{"x":2}']
    for odd in [
        b"event: a\ndata: 1\ndata: 2",  # two data lines in one event
        b": comment\n\nevent: a\ndata: 1",  # an event without data
        b"event: a\r\ndata: 1",  # CR line ends
        b"event: a\ndata:1",  # no space after the colon
    ]:
        assert split_named_events(odd, 0, len(odd)) is None
    assert msgspec.json.decode(b"[" + b",".join(split_named_events(BODY, 0, len(BODY) - 2) or []) + b"]")
