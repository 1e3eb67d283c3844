"""Incremental server-sent-events framer (WHATWG HTML, "Interpreting an event stream").

The decoder works on bytes end to end: lines are split on the byte values of CR and LF, which never occur
inside a multi-byte UTF-8 sequence, so a character split across two reads needs no special care, and
`data` stays `bytes` because msgspec decodes bytes faster than str.

Cost is linear in the bytes fed whatever the read sizes: every byte is scanned a bounded number of times,
an unfinished line is kept as a list of pieces joined once when its terminator arrives, and no buffer is
ever rescanned or copied per feed.

The common stream shape (`data: {json}` events separated by blank lines, LF only) takes the fast path,
`split_data_events` (one `bytes.split` per block); everything else goes through the general line parser,
which implements the full rules.
"""

from __future__ import annotations

import re

import msgspec

__all__ = ["SSEDecoder", "ServerSentEvent", "split_data_events", "split_named_events"]

_BOM = b"\xef\xbb\xbf"
_DATA = b"data"
_EVENT = b"event"
_ID = b"id"
_RETRY = b"retry"
_WINDOW = 64 * 1024
_DATA_LINE = b"data: "
_DATA_SEPARATOR = b"\n\ndata: "


def split_data_events(buf: bytes, start: int, end: int) -> list[bytes] | None:
    """The fast path of SSE framing, used by ``SSEDecoder`` and by the stream decoder alike.

    ``buf[start:end]`` is a run of complete events (a blank line follows at ``end``, the framer is between
    events at ``start``). When it starts with a ``data: `` line, cutting it on every ``"\\n\\ndata: "``
    strips the field names and the boundaries in one C-speed pass: each part without an LF (or CR) is
    exactly the data of one single-line event; a part that still holds one is an event the line parser
    must read. None when the run does not start with ``data: ``.
    """
    if not buf.startswith(_DATA_LINE, start):
        return None
    return buf[start + 6 : end].split(_DATA_SEPARATOR)


# One `data:` line at the start of a line: its value (a JSON event holds no raw LF).
_DATA_VALUE = re.compile(rb"^data: ([^\n]*)", re.MULTILINE)


def split_named_events(buf: bytes, start: int, end: int) -> list[bytes] | None:
    """The fast path for events that name their type (``event: response.output_text.delta`` then ``data: {...}``,
    as the Responses API streams): the data of each event of ``buf[start:end]`` (complete events, as for
    `split_data_events`), found by one C-speed regular expression pass (~0.2 us per event).

    The event names are dropped: the caller reads the type from the data (the Responses API repeats it there).
    None, for the line parser to read, unless every event is LF-only and has exactly one ``data:`` line.
    """
    if buf.find(b"\r", start, end) >= 0:
        return None
    found = _DATA_VALUE.findall(buf, start, end)
    if len(found) != buf.count(b"\n\n", start, end) + 1:
        return None  # an event without data (a comment) or with several data lines
    return found


class ServerSentEvent(msgspec.Struct, gc=False, frozen=True):
    """One dispatched event.

    Attributes:
        event: The event type; ``"message"`` when the event had no (or an empty) ``event`` field.
        data: The ``data`` lines joined with ``b"\\n"``, as raw bytes (feed them straight to msgspec).
        id: The last event ID in effect when the event was dispatched (it persists across events, as the
            spec requires), or ``None`` if the stream never set one.
        retry: The ``retry`` value (milliseconds) given inside this event's block, if any.
    """

    # A gc=False Struct is the cheapest object CPython can build here (about half the cost of a
    # __slots__ class), and the framer creates one per event on the hot path.
    event: str
    data: bytes
    id: str | None = None
    retry: int | None = None

    def text(self) -> str:
        """Return ``data`` decoded as UTF-8 (invalid sequences replaced, as the spec does)."""
        return self.data.decode("utf-8", "replace")


class SSEDecoder:
    """Turn a byte stream into `ServerSentEvent` objects, one read at a time.

    Usage::

        decoder = SSEDecoder()
        for chunk in response_chunks:
            for event in decoder.feed(chunk):
                ...
        if decoder.finish():
            ...  # the stream ended in the middle of an event

    Attributes:
        last_event_id: The last event ID buffer (``None`` until an ``id`` field is seen).
        retry: The most recent valid ``retry`` value seen anywhere in the stream, or ``None``.
    """

    __slots__ = ("_cr", "_data", "_dirty", "_event", "_head", "_line", "_retry", "last_event_id", "retry")

    def __init__(self) -> None:
        # Pieces of the line whose terminator has not arrived yet; joined once, when it does.
        self._line: list[bytes] = []
        # The previous chunk ended in CR: an LF at the start of the next one belongs to the same CRLF.
        self._cr = False
        # Bytes of the stream start held back until we know whether they are a BOM (None once decided).
        self._head: bytes | None = b""
        # Fields of the event being assembled.
        self._data: list[bytes] = []
        self._event: bytes | None = None
        self._retry: int | None = None
        # A field line was seen since the last blank line (an event is in progress).
        self._dirty = False
        self.last_event_id: str | None = None
        self.retry: int | None = None

    @property
    def pending(self) -> bool:
        """Whether an incomplete event is buffered: an unterminated line, or fields not yet dispatched.

        True at end of input means the stream was cut in the middle of an event.
        """
        return bool(self._line or self._dirty or self._head)

    def finish(self) -> bool:
        """Signal end of input; return True if an incomplete event was left (and is discarded).

        As the spec requires, a partial event at end of stream is never dispatched. The decoder is reset
        to its initial state (keeping `last_event_id` and `retry`), so it may be reused for a new stream.
        """
        incomplete = self.pending
        self._line = []
        self._cr = False
        self._head = b""
        self._reset_event()
        return incomplete

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Consume the next piece of the stream and return the events it completes, in order."""
        if self._line and 10 not in chunk and 13 not in chunk:
            # Middle of a long line (a big event read in small pieces): just keep the piece. `in` with an
            # int is a plain memchr, far cheaper than find() with its argument parsing.
            self._line.append(chunk)
            return []
        chunk = self._normalize(chunk)
        if not chunk:
            return []
        events: list[ServerSentEvent] = []
        n = len(chunk)
        pos = 0
        if self._line or self._dirty:
            # Finish the event in progress first; the fast path needs a clean state.
            pos = self._lines(chunk, 0, 0, events)
            if pos >= n:
                return events
        # Each b"\n\n" ends a line and then a blank line, so it is an event boundary after which
        # nothing is pending: everything up to the last one can be framed in bulk.
        end = chunk.rfind(b"\n\n", pos)
        if end != -1:
            # A huge read is framed in windows of about _WINDOW bytes, so that the per-window copy and
            # split stay in the CPU cache instead of duplicating the whole read at once.
            while end - pos > 2 * _WINDOW:
                cut = chunk.find(b"\n\n", pos + _WINDOW, end)
                if cut == -1:
                    break
                self._blocks(chunk, pos, cut, events)
                pos = cut + 2
            self._blocks(chunk, pos, end, events)
            pos = end + 2
        if pos < n:
            self._lines(chunk, pos, n, events)
        return events

    def _normalize(self, chunk: bytes) -> bytes:
        """``chunk`` without the stream's BOM and with every line end as one LF (b"" when nothing is left)."""
        if not chunk:
            return chunk
        if self._head is not None:
            head = self._head + chunk
            if len(head) < 3 and _BOM.startswith(head):
                self._head = head
                return b""
            self._head = None
            chunk = head[3:] if head[:3] == _BOM else head
            if not chunk:
                return chunk
        if self._cr:
            self._cr = False
            if chunk[0] == 10:
                chunk = chunk[1:]
                if not chunk:
                    return chunk
        if 13 in chunk:
            # Rewrite every terminator as one LF (CRLF first, so its CR is not counted twice); CR never
            # occurs inside a line, so no content changes. A CR ending the chunk may be the first half of
            # a CRLF split across reads: the LF that may open the next chunk is dropped there.
            self._cr = chunk[-1] == 13
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return chunk

    def _blocks(self, buf: bytes, start: int, end: int, events: list[ServerSentEvent]) -> None:
        """Frame buf[start:end], a run of complete events (the stream has a blank line at `end`)."""
        parts = split_data_events(buf, start, end)
        if parts is None:
            # The run starts with something else (a comment, `event:`, `data:` without its space, ...): the
            # line parser frames up to the next plain event, and the fast path takes the rest.
            first = buf.find(b"\n\ndata: ", start, end)
            if first == -1:
                self._lines(buf[start:end] + b"\n\n", 0, end - start + 2, events)
                return
            self._lines(buf[start:first] + b"\n\n", 0, first - start + 2, events)
            parts = split_data_events(buf, first + 2, end)
            assert parts is not None
        last_id = self.last_event_id
        sse = ServerSentEvent
        # A part with no LF left in it was exactly one `data: ` line followed by a blank line.
        out = [sse("message", p, last_id) for p in parts if 10 not in p]
        if len(out) == len(parts):
            events += out
            return
        # Some part holds more than one line: frame the parts one by one, reparsing those in full.
        append = events.append
        for part in parts:
            if 10 not in part:
                append(sse("message", part, last_id))
            else:
                self._lines(_DATA_LINE + part + b"\n\n", 0, len(part) + 8, events)
                last_id = self.last_event_id

    def _lines(self, buf: bytes, pos: int, stop: int, events: list[ServerSentEvent]) -> int:
        """General line parser over LF-terminated buf, from pos.

        Returns the position after the first blank line at or after `stop`, or len(buf) once all is
        consumed, an unterminated tail being kept in `_line`. Each byte is searched once.
        """
        n = len(buf)
        find = buf.find
        while True:
            eol = find(b"\n", pos)
            if eol == -1:
                if pos < n:
                    self._line.append(buf[pos:] if pos else buf)
                return n
            if self._line:
                pieces = self._line
                self._line = []
                pieces.append(buf[pos:eol])
                pos = eol + 1
                self._long_line(pieces)
                continue
            line = buf[pos:eol]
            pos = eol + 1
            if line:
                self._line_field(line)
            else:
                self._dispatch(events)
                if pos >= stop:
                    return pos

    def _long_line(self, pieces: list[bytes]) -> None:
        """Process a line that arrived in several reads (never a blank line: its first piece is not empty)."""
        first = pieces[0]
        if first[:1] == b":":
            return  # a comment, however long, is never joined
        colon = first.find(b":")
        if colon == -1 or colon + 1 >= len(first):
            self._line_field(b"".join(pieces))
            return
        # Strip the field name from the first piece so that the join is the only copy of a big value.
        pieces[0] = first[colon + 2 :] if first[colon + 1] == 32 else first[colon + 1 :]
        self._field(first[:colon], b"".join(pieces))

    def _line_field(self, line: bytes) -> None:
        if line[0] == 58:  # ":" starts a comment
            return
        colon = line.find(b":")
        if colon == -1:
            self._field(line, b"")
        elif line[colon + 1 : colon + 2] == b" ":
            self._field(line[:colon], line[colon + 2 :])
        else:
            self._field(line[:colon], line[colon + 1 :])

    def _field(self, name: bytes, value: bytes) -> None:
        if name == _DATA:
            self._data.append(value)
        elif name == _EVENT:
            self._event = value
        elif name == _ID:
            if b"\x00" not in value:
                self.last_event_id = value.decode("utf-8", "replace")
        elif name == _RETRY:
            if value.isdigit():  # bytes.isdigit() is ASCII-only and False for b""
                self._retry = self.retry = int(value)
        else:
            return  # unknown field: ignored, and does not start an event
        self._dirty = True

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        data = self._data
        if data:
            kind = self._event.decode("utf-8", "replace") if self._event else "message"
            events.append(
                ServerSentEvent(kind, data[0] if len(data) == 1 else b"\n".join(data), self.last_event_id, self._retry)
            )
        if self._dirty:
            self._reset_event()

    def _reset_event(self) -> None:
        self._data = []
        self._event = None
        self._retry = None
        self._dirty = False
