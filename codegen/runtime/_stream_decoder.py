"""``StreamDecoder``: the bytes of a ``text/event-stream`` body in, typed chunks out. No I/O.

A transport driver (the sync ``Stream``; the async one alike) reads the body and does, per read::

    chunks = decoder.feed(data)      # one list per read: hand it out whole (itertools.chain)
    if decoder.error: raise it after those chunks;  if decoder.done: stop reading
    ...
    chunks = decoder.flush()         # at the end of the body; sets error if the stream was truncated

Speed (measured on a 2-core CI-class machine, 266-byte Groq chunks): msgspec needs ~0.85 us to decode a
chunk; anything done per chunk in Python costs a noticeable fraction of that. So, per read:

* Complete events of the common shape (a single ``data: {json}`` line each, LF-separated) are cut by the
  framer's one fast path (``_sse.split_data_events``: a split on ``"\\n\\ndata: "``, C speed, ~270 ns per
  event), joined with commas into one JSON array and decoded by one msgspec call. Two memchr checks prove
  that no CR or LF is left, so the stretch holds exactly the events the SSE framer would have produced.
  Building a ``ServerSentEvent`` per event and joining their payloads would cost ~550 ns per event.
* The driver hands out one list of chunks per read, so no Python frame runs per chunk between the
  caller's loop and msgspec.
* The incomplete event at the end of a read is held back (not framed) and completes at the start of
  the next read, so in a steady stream the general SSE framer is never called. The first read (BOM),
  CR line ends and anything unusual (comments, ``event:`` fields, multi-line data) go through
  ``SSEDecoder``, whose state the fast path only ever leaves between events; its events are
  batch-decoded too when they are plain.
* Any batch that fails to decode (a malformed event, ``{"error": ...}``, ``[DONE]`` before the end) is
  replayed event by event, so errors name the exact event and the chunks before it are still delivered.
* An event that is JSON but does not match the chunk type (a null where the schema says array, a new
  union tag, ...) makes its batch fail, so it is decoded on its own, then repaired by ``_repair``: the
  stream goes on, and ``repairs`` lists what was changed. Nothing of this runs while chunks match.
* Request id, usage and ``x_groq.error`` are found by an attribute test on each decoded chunk (~30 ns),
  not by searching the bytes for keys (a substring search over JSON costs ~200 ns per chunk).

The error paths (in-stream errors, invalid events, repairs, truncation) are in ``_stream_errors``.

Known limit: an event that decodes as a valid chunk is not also checked for a top-level ``"error"``
key; Groq reports stream errors as ``{"error": {...}}`` (which is not a chunk), ``event: error`` or
``x_groq.error``, and all three are detected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from . import _stream_errors as cold
from ._outcome import MALFORMED
from ._sse import ServerSentEvent, SSEDecoder, split_data_events, split_named_events

if TYPE_CHECKING:
    from ._exceptions import APIError
    from ._http import HTTPRequest
    from ._operation import Operation
    from ._repair import Repair

__all__ = ["StreamDecoder"]

_DONE = b"[DONE]"
_ERROR_KEY = b'"error"'


class StreamDecoder:
    """Frames and decodes one event stream, and keeps what the stream has shown so far.

    Attributes:
        request_id: The ``x-request-id`` header, else the first ``x_groq.id`` seen.
        usage: Token usage (``x_groq.usage`` or top-level ``usage``, the last one seen), or None.
        repairs: Values of the chunks so far that did not match the schema and were repaired.
        chunks: How many chunks have been decoded.
        events: How many ``data`` events have been seen (the index of the next one).
        done: ``data: [DONE]`` arrived; whatever follows is ignored.
        error: The error the stream ended with (raise it after the chunks returned with it), or None.
    """

    __slots__ = (
        "_batch_decode",
        "_carry",
        "_named",
        "_sse",
        "_started",
        "_tail",
        "chunks",
        "decoder",
        "done",
        "envelope",
        "error",
        "error_decoder",
        "event_type",
        "events",
        "headers",
        "protocol",
        "repairs",
        "request",
        "request_id",
        "secret",
        "status_code",
        "usage",
    )

    def __init__(
        self,
        op: Operation,
        *,
        request: HTTPRequest | None,
        status_code: int,
        headers: Mapping[str, str],
        secret: str,
        error_decoder: Callable[[bytes], Any],
    ) -> None:
        self.decoder: msgspec.json.Decoder[Any] = op.stream_decoder
        self._batch_decode = op.stream_batch_decoder.decode
        self.event_type = op.stream_event_type
        self.envelope = op.stream_event_envelope
        self.protocol = op.protocol
        # Whether `event: <name>` events carry chunks (the Responses API) rather than being skipped.
        self._named = self.protocol.named_events
        self.error_decoder = error_decoder
        self.secret = secret
        self.request = request
        self.status_code = status_code
        self.headers = headers
        self.request_id: str | None = headers.get("x-request-id")
        self.usage: Any = None
        self.repairs: list[Repair] = []
        self.chunks = 0
        self.events = 0
        self.done = False
        self.error: APIError | None = None
        self._sse = SSEDecoder()
        self._started = False
        # An incomplete event held back while the framer is idle, to be completed by the next read.
        self._carry = b""
        # The last bytes of the body, to recognise a `data: [DONE]` that lacks its blank line.
        self._tail = b""

    def feed(self, data: bytes) -> list[Any]:
        """The chunks completed by ``data`` (the next bytes of the body), in order."""
        if self.done or self.error is not None:
            return []
        self._tail = (self._tail + data[-16:])[-16:]
        if self._carry:
            data = self._carry + data
            self._carry = b""
        if self._sse.pending or not self._started:
            # Let the framer finish the event it holds (and see the stream start, for the BOM).
            self._started = True
            end = data.find(b"\n\n") + 2
            if end <= 1 or end >= len(data):
                return self._from_events(self._sse.feed(data))
            out = self._from_events(self._sse.feed(data[:end]))
            if self.done or self.error is not None:
                return out
            return out + self._feed_between_events(data, end) if out else self._feed_between_events(data, end)
        return self._feed_between_events(data, 0)

    def flush(self) -> list[Any]:
        """The end of the body: the last chunks, if any; ``error`` is set if ``data: [DONE]`` never came."""
        out: list[Any] = []
        if self._carry and not self.done and self.error is None:
            out = self._from_events(self._sse.feed(self._carry))
            self._carry = b""
        if not self.done and self.error is None:
            # A server that closes right after "data: [DONE]" without the blank line still finished.
            if self._tail.rstrip(b"\r\n").endswith((b"data: [DONE]", b"data:[DONE]")):
                self.done = True
            else:
                self.error = cold.incomplete(self)
        return out

    def _feed_between_events(self, data: bytes, pos: int) -> list[Any]:
        """``data[pos:]`` while the framer is between events: the fast path, then the framer for the rest."""
        last = data.rfind(b"\n\n")
        if last > pos:
            chunks = self._plain_run(data, pos, last)
            if chunks is not None:
                if self.done or self.error is not None:
                    return chunks
                rest = data[last + 2 :]
                # After the last LF LF, a stretch without CR holds no complete event (its blank line would
                # need LF LF or a CR): keep it for the next read, framer untouched.
                if 13 not in rest:
                    self._carry = rest
                    return chunks
                more = self._from_events(self._sse.feed(rest))
                return chunks + more if more else chunks
        return self._from_events(self._sse.feed(data[pos:] if pos else data))

    def _plain_run(self, data: bytes, pos: int, last: int) -> list[Any] | None:
        """Chunks of the complete events in data[pos:last] if they are all plain and decode; else None."""
        parts = split_data_events(data, pos, last)
        if parts is None:
            if not self._named:
                return None
            parts = split_named_events(data, pos, last)
            if parts is None:
                return None
        done = parts[-1] == _DONE
        if done:
            del parts[-1]
        if not parts:
            return self._deliver([], done)
        # The brackets ride on the first and last parts, so the join is the only copy of the read.
        parts[0] = b"[" + parts[0]
        parts[-1] += b"]"
        joined = b",".join(parts)
        # `in` with an int is a plain memchr: no CR or LF left means one `data:` line per event.
        if 10 in joined or 13 in joined:
            return None
        try:
            chunks = self._batch_decode(joined)
        except MALFORMED:
            return None  # a malformed, error or [DONE]-in-the-middle event: the framer's path
        if len(chunks) != len(parts):
            # A blank event (`data: `, which decodes to nothing) or one holding several objects (`{...},{...}`,
            # which is not a chunk) made the array's length differ: each event on its own says which.
            return None
        return self._deliver(chunks, done)

    def _deliver(self, chunks: list[Any], done: bool) -> list[Any]:
        """One decoded batch, as the protocol reads it (``_stream_protocols``): whole, or cut where a chunk ends
        the stream (kept) or reports an error (not kept; ``error`` is raised after the chunks before it)."""
        first = self.events
        cut = self.protocol.inspect(self, chunks, first)
        if cut >= 0:
            self.events += cut
            self.chunks += cut
            return chunks[:cut]
        self.events += len(chunks) + done
        self.chunks += len(chunks)
        self.done = done
        return chunks

    def _from_events(self, events: list[ServerSentEvent]) -> list[Any]:
        """Events the SSE framer produced: one batch if they are all plain, else one at a time."""
        if not events:
            return []
        named = self._named
        datas = [e.data for e in events if e.event == "message" or (named and e.event != "error")]
        if datas and len(datas) == len(events):
            done = datas[-1] == _DONE
            if done:
                del datas[-1]
            if not datas:
                return self._deliver([], done)
            try:
                chunks = self._batch_decode(b"[" + b",".join(datas) + b"]")
            except MALFORMED:
                pass
            else:
                if len(chunks) == len(datas):  # else a blank or multi-object event: see _plain_run
                    return self._deliver(chunks, done)
        return self._one_by_one(events)

    def _one_by_one(self, events: list[ServerSentEvent]) -> list[Any]:
        """Each event on its own, so the exact bad or error event is reported, in order."""
        out: list[Any] = []
        for event in events:
            if event.event != "message":
                if event.event == "error":
                    self.error = cold.event_error(self, event.data, self.events)
                    return out
                if not self._named:
                    continue  # other event types are for future use
            chunk = self._decode_event(event.data)
            if chunk is not None:
                out.append(chunk)  # the Responses API's terminal event is a chunk that ends the stream
            if self.done or self.error is not None:
                return out
        return out

    def _decode_event(self, payload: bytes) -> Any:
        """The chunk of one ``data`` event; None for a blank or final event, or when it sets ``error``."""
        index = self.events
        self.events += 1
        if payload == _DONE:
            self.done = True
            return None
        if not payload.strip():
            return None
        if _ERROR_KEY in payload:
            self.error = cold.payload_error(self, payload, index)
            if self.error is not None:
                return None
        try:
            chunk = self.decoder.decode(payload)
        except msgspec.ValidationError as exc:
            chunk = cold.repair(self, index, payload, exc)
        except MALFORMED as exc:
            self.error = cold.invalid(self, index, payload, exc)
            return None
        if chunk is None:
            return None  # not repairable (error is set), or skipped
        cut = self.protocol.inspect(self, [chunk], index)
        if cut == 0:
            return None  # it reported an error: error is set
        self.chunks += 1
        return chunk
