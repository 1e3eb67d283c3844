"""Streaming responses: ``Stream[T]`` turns a ``text/event-stream`` body into typed chunks.

The body is read with ``read1(65536)``, which returns whatever bytes have arrived, so every event reaches
the caller as soon as it lands, whether the body is chunked or close-delimited.

Speed (measured on a 2-core CI-class machine, 266-byte Groq chunks): msgspec needs ~0.85 us to decode a
chunk; anything done per chunk in Python costs a noticeable fraction of that. So, per read:

* Complete events of the common shape (a single ``data: {json}`` line each, LF-separated) are turned
  into one JSON array by splitting on ``"\n\ndata: "`` and joining with commas (C speed, ~270 ns per
  event: CPython's substring search, ~0.8 ns per byte, is the floor of this step) and decoded by one
  msgspec call. Two memchr checks prove that no CR or LF is left, so the stretch holds exactly the events
  the SSE decoder would have produced. Building a ``ServerSentEvent`` per event and joining their payloads
  would cost ~550 ns per event.
* The reading generator yields one list of chunks per read, and ``itertools.chain`` hands the chunks
  out, so no Python frame runs per chunk between the caller's loop and msgspec.
* The incomplete event at the end of a read is held back (not framed) and completes at the start of
  the next read, so in a steady stream the SSE decoder is never called. The first read (BOM),
  CR line ends and anything unusual (comments, ``event:`` fields, multi-line data) go through
  ``SSEDecoder``, whose state the fast path only ever leaves between events; its events are
  batch-decoded too when they are plain.
* Any batch that fails to decode (a malformed event, ``{"error": ...}``, ``[DONE]`` before the end) is
  replayed event by event, so errors name the exact event and the chunks before it are still delivered.
* An event that is JSON but does not match the chunk type (a null where the schema says array, a new
  union tag, ...) makes its batch fail, so it is decoded on its own, then repaired by ``_repair``: the
  stream goes on, and ``Stream.repairs`` lists what was changed. Nothing of this runs while chunks match.
* Request id, usage and ``x_groq.error`` are found by an attribute test on each decoded chunk (~30 ns),
  not by searching the bytes for keys (a substring search over JSON costs ~200 ns per chunk).

Known limit: an event that decodes as a valid chunk is not also checked for a top-level ``"error"``
key; Groq reports stream errors as ``{"error": {...}}`` (which is not a chunk), ``event: error`` or
``x_groq.error``, and all three are detected.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import replace
from itertools import chain
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

from ._exceptions import APIError, APIResponseValidationError, GroqError, IncompleteStreamError, StreamError
from ._sse import ServerSentEvent, SSEDecoder

if TYPE_CHECKING:
    from collections.abc import Mapping

    import urllib3

    from ._repair import Repair
    from ._response import RawResponse
    from .types import ChatCompletion

__all__ = ["Stream"]

T = TypeVar("T")

_READ_SIZE = 65536
_SNIPPET = 200
_DONE = b"[DONE]"
_ERROR_KEY = b'"error"'
_REDACTED = b"[REDACTED]"


def snippet(data: bytes | str, limit: int = _SNIPPET) -> str:
    """A short, printable excerpt of a payload for error messages."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


class _State:
    """Progress shared by a Stream and its reading generator.

    The generator holds this, not the Stream, so no reference cycle delays freeing either of them.
    """

    __slots__ = ("chunks", "closed", "done", "events", "repairs", "request_id", "response", "usage")

    def __init__(self, response: urllib3.BaseHTTPResponse, request_id: str | None) -> None:
        self.response: urllib3.BaseHTTPResponse | None = response
        self.request_id = request_id
        self.usage: Any = None
        self.repairs: list[Repair] = []
        self.chunks = 0
        self.events = 0
        self.done = False
        self.closed = False

    def abandon(self) -> None:
        # Close, never drain: draining would wait for the model to finish generating.
        response = self.response
        self.response = None
        self.closed = True
        if response is not None:
            try:
                response.close()
                response.release_conn()
            except Exception:  # best effort while tearing down: the caller is leaving anyway
                pass

    def release(self) -> None:
        """The body was read to the end: hand the connection back to the pool."""
        response = self.response
        self.response = None
        self.closed = True
        if response is not None:
            response.release_conn()


def _decode_error_payload(data: bytes, decode_error: Callable[[bytes], Any]) -> tuple[str, object, Any] | None:
    """(message, body, typed error) if the event payload is an error report, else None.

    As in the official SDK, ``body`` is the value under ``"error"`` as sent (the error object as a dict).
    """
    try:
        obj = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    err = obj.get("error")
    if not err:
        return None
    if isinstance(err, str):
        return err, err, None
    if isinstance(err, dict):
        error: Any
        try:
            error = decode_error(msgspec.json.encode(err))
        except msgspec.DecodeError:
            error = None
        message = err.get("message")
        return (message if isinstance(message, str) and message else f"stream error: {snippet(data)}"), err, error
    return f"stream error: {snippet(data)}", err, None


class Stream(Generic[T]):
    """An iterator of streamed chunks that is also a context manager.

    Iterate it (once) to get the chunks as they arrive. Leaving a ``with`` block, calling ``close()``, or
    dropping the last reference closes the connection if the stream was not finished. A stream never
    retries once the response has been handed over.

    Attributes:
        response: The response's metadata (``status_code``, ``headers``, ``rate_limits``, ...).
    """

    __slots__ = ("__weakref__", "_gen", "_it", "_state", "response")

    def __init__(
        self,
        *,
        response: urllib3.BaseHTTPResponse,
        raw: RawResponse[Any],
        decoder: msgspec.json.Decoder[T],
        batch_decoder: msgspec.json.Decoder[list[T]],
        error_decoder: Callable[[bytes], Any],
        secret: str | None = None,
        event_type: type | None = None,
        envelope: tuple[str, ...] = (),
    ) -> None:
        self.response = raw
        self._state = _State(response, raw.headers.get("x-request-id"))
        gen = _iterate(self._state, response, raw, decoder, batch_decoder, error_decoder, secret, event_type, envelope)
        # Run the generator up to its first (dummy) yield, inside its try/finally: from then on, however
        # it ends (exhausted, close(), or garbage-collected after `for ...: break` dropped the last
        # reference to it), its finally clause closes an unfinished response. A generator that never
        # started would skip its finally. The for loop holds the generator, not the Stream, so the Stream
        # itself has no __del__: dropping it must not cut off a loop that is still iterating.
        next(gen)
        self._gen = gen
        # The generator yields one list of chunks per read and chain() hands them out at C speed: resuming
        # a generator per chunk cost ~60 ns, several percent of a chunk's whole cost. An error raised by
        # the generator still surfaces right after the last good chunk before it.
        self._it: Iterator[T] = chain.from_iterable(gen)

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` header, else the first ``x_groq.id`` seen so far."""
        return self._state.request_id

    @property
    def usage(self) -> Any:
        """Token usage (``x_groq.usage`` or top-level ``usage``, the last one seen); None until it arrives."""
        return self._state.usage

    @property
    def repairs(self) -> tuple[Repair, ...]:
        """Values of the chunks so far that did not match the schema and were repaired (see ``fastgroq.repairs``).

        Each ``Repair`` has the ``chunk_index`` of its chunk. Empty for a stream that matched the schema.
        """
        return tuple(self._state.repairs)

    @property
    def chunks_received(self) -> int:
        """How many chunks have been decoded so far."""
        return self._state.chunks

    @property
    def closed(self) -> bool:
        """Whether the connection has been released or closed."""
        return self._state.closed

    def __iter__(self) -> Iterator[T]:
        return self._it

    def __next__(self) -> T:
        return next(self._it)

    def __enter__(self) -> Stream[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading: close the connection unless the stream already ended. Idempotent."""
        self._gen.close()
        if not self._state.closed:
            self._state.abandon()
        # chain() may still hold the rest of the current read's chunks: drop them, so that nothing comes
        # out of a closed stream (the generator is finished, so this stops at the end of that list).
        for _ in self._it:
            pass

    def iter_text(self) -> Iterator[str]:
        """Yield the content of each chunk (first choice), skipping chunks without content."""
        for chunk in self._it:
            for choice in chunk.choices or ():  # type: ignore[attr-defined]
                content = choice.delta.content
                if content:
                    yield content

    def get_final_completion(self) -> ChatCompletion:
        """Consume the rest of the stream and fold it into one ``ChatCompletion``.

        Chunks are not kept while you iterate (that would cost every caller), so call this before taking
        any chunk yourself; if you iterate and want the result too, keep the chunks and call
        ``fastgroq.accumulate_chunks(chunks)``.
        """
        from ._accumulate import accumulate_chunks

        if self._state.chunks:
            raise GroqError(
                "get_final_completion() needs the whole stream but chunks were already taken; "
                "keep the chunks you iterate and call fastgroq.accumulate_chunks(chunks) instead"
            )
        chunks: list[Any] = list(self._it)
        if not chunks:
            raise APIError("the stream ended without any chunk", request_id=self._state.request_id)
        completion = accumulate_chunks(chunks, request_id=self._state.request_id)
        if self._state.repairs:
            completion._repairs = tuple(self._state.repairs)  # type: ignore[attr-defined]
        return completion

    def __repr__(self) -> str:
        status = "closed" if self._state.closed else "open"
        return f"<Stream {status} chunks={self._state.chunks} request_id={self._state.request_id!r}>"


def _inspect(state: _State, chunks: list[Any]) -> int:
    """Track request id and usage; return the index of the first chunk whose ``x_groq.error`` is set, or -1.

    Only chunks carrying ``x_groq`` or a top-level ``usage`` (normally the first and the last of a stream)
    get past the filter, which costs a few tens of nanoseconds per chunk: far less than scanning the bytes
    for keys (a substring search over JSON runs at ~200 ns per chunk, because quotes are everywhere).
    """
    for chunk in [c for c in chunks if c.x_groq or c.usage]:
        x_groq = chunk.x_groq
        if x_groq:
            if x_groq.error:
                return next(i for i, c in enumerate(chunks) if c is chunk)
            if state.request_id is None and x_groq.id:
                state.request_id = x_groq.id
            if x_groq.usage:
                state.usage = x_groq.usage
        if chunk.usage:
            state.usage = chunk.usage
    return -1


def _iterate(
    state: _State,
    response: urllib3.BaseHTTPResponse,
    raw: RawResponse[Any],
    decoder: msgspec.json.Decoder[Any],
    batch_decoder: msgspec.json.Decoder[list[Any]],
    error_decoder: Callable[[bytes], Any],
    secret: str | None,
    event_type: type | None,
    envelope: tuple[str, ...],
) -> Generator[list[Any], None, None]:
    """Read, frame, decode and yield a list of chunks per read; see the module docstring for the fast path."""
    from ._transport import transport_errors, wrap_transport_error

    headers: Mapping[str, str] = raw.headers
    status_code = raw.status_code
    batch_decode = batch_decoder.decode
    sse = SSEDecoder()
    feed = sse.feed
    # Skipping urllib3's decoder buffer when the body is not compressed saves a copy per read.
    decode_content = bool(headers.get("content-encoding"))
    read1 = response.read1
    tail = b""
    data = b""
    network_errors = transport_errors()

    secret_bytes = secret.encode() if secret else b""

    # Error paths only: a server may echo the request (and so the key) back in what it reports.
    def scrub(payload: bytes) -> bytes:
        return payload.replace(secret_bytes, _REDACTED) if secret_bytes else payload

    def stream_error(message: str, body: object, index: int, chunk: Any = None, error: Any = None) -> StreamError:
        if secret:
            message = message.replace(secret, "[REDACTED]")
            if isinstance(body, str):
                body = body.replace(secret, "[REDACTED]")
        return StreamError(
            message,
            body=body,
            error=error,
            request_id=state.request_id,
            event_index=index,
            chunk=chunk,
            request=raw.http_request,
        )

    def chunk_error(chunks: list[Any], bad: int, first_index: int) -> StreamError:
        chunk = chunks[bad]
        error = chunk.x_groq.error  # a string, or an ErrorObject whose code and failed_generation matter
        if isinstance(error, str):
            return stream_error(error, error, first_index + bad, chunk)
        # The body as the server sent it, more or less: the typed error re-encoded, with any echoed key redacted.
        body = msgspec.json.decode(scrub(msgspec.json.encode(error)))
        return stream_error(error.message, body, first_index + bad, chunk, error)

    def invalid(index: int, payload: bytes, exc: Exception) -> APIResponseValidationError:
        payload = scrub(payload)
        return APIResponseValidationError(
            f"stream event {index} is not a valid chunk ({exc}): {snippet(payload)}",
            status_code=status_code,
            headers=headers,
            body=snippet(payload, 2000),
            request_id=state.request_id,
            event_index=index,
            request=raw.http_request,
        )

    def repaired(index: int, payload: bytes, exc: msgspec.ValidationError) -> Any:
        """The chunk of an event that is JSON but did not match the chunk type, after repair."""
        from ._repair import decode_repaired, log_repairs

        if event_type is None:
            raise invalid(index, payload, exc) from exc
        try:
            chunk, found = decode_repaired(decoder.decode, event_type, payload, envelope)
        except msgspec.DecodeError as error:
            raise invalid(index, payload, error) from exc
        at = state.chunks
        state.repairs.extend(replace(r, chunk_index=at) for r in found)
        rid = state.request_id
        log_repairs(
            found,
            f"a {event_type.__name__} of a stream",
            context=f"event {index}" + (f", request id {rid}" if rid else ""),
        )
        return chunk

    def error_event(event: ServerSentEvent, index: int) -> StreamError:
        data = scrub(event.data)
        found = _decode_error_payload(data, error_decoder)
        if found is not None:
            return stream_error(found[0], found[1], index, error=found[2])
        try:
            obj = msgspec.json.decode(data)
        except msgspec.DecodeError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get("message"), str):
            try:
                error: Any = error_decoder(data)
            except msgspec.DecodeError:
                error = None
            return stream_error(obj["message"], obj, index, error=error)
        text = data.decode("utf-8", "replace").strip() or "the server sent an error event"
        return stream_error(text, text, index)

    def deliver(chunks: list[Any], done: bool) -> Iterator[list[Any]]:
        """Hand over one decoded batch, cut before the first chunk whose ``x_groq.error`` is set."""
        first = state.events
        bad = _inspect(state, chunks)
        if bad >= 0:
            state.events += bad
            state.chunks += bad
            yield chunks[:bad]
            raise chunk_error(chunks, bad, first)
        state.events += len(chunks) + done
        state.chunks += len(chunks)
        yield chunks
        state.done = done

    def from_events(events: list[ServerSentEvent]) -> Iterator[list[Any]]:
        """Events the SSE decoder framed: one batch if they are all plain, else one at a time."""
        datas = [e.data for e in events if e.event == "message"]
        if datas and len(datas) == len(events):
            done = datas[-1] == _DONE
            if done:
                del datas[-1]
            chunks: list[Any] | None = []
            if datas:
                try:
                    chunks = batch_decode(b"[" + b",".join(datas) + b"]")
                except msgspec.DecodeError:
                    chunks = None
            if chunks is not None:
                yield from deliver(chunks, done)
                return
        # One event at a time, so the exact bad or error event is reported, in order.
        for event in events:
            kind = event.event
            if kind != "message":
                if kind == "error":
                    raise error_event(event, state.events)
                continue  # other event types are for future use
            payload = event.data
            index = state.events
            state.events += 1
            if payload == _DONE:
                state.done = True
                return
            if not payload.strip():
                continue
            if _ERROR_KEY in payload:
                found = _decode_error_payload(scrub(payload), error_decoder)
                if found is not None:
                    raise stream_error(found[0], found[1], index, error=found[2])
            try:
                chunk = decoder.decode(payload)
            except msgspec.ValidationError as exc:
                chunk = repaired(index, payload, exc)
            except msgspec.DecodeError as exc:
                raise invalid(index, payload, exc) from exc
            if _inspect(state, [chunk]) == 0:
                raise chunk_error([chunk], 0, index)
            state.chunks += 1
            yield [chunk]

    try:
        yield []  # priming, see Stream.__init__
        started = False
        # An incomplete event held back while the decoder is idle, to be completed by the next read.
        carry = b""
        while True:
            try:
                data = read1(_READ_SIZE, decode_content=decode_content)
            except network_errors as exc:
                raise wrap_transport_error(exc, request_id=state.request_id, request=raw.http_request) from exc
            if not data:
                break
            tail = (tail + data[-16:])[-16:]
            if carry:
                data = carry + data
                carry = b""
            size = len(data)
            pos = 0
            if sse.pending or not started:
                # Let the decoder finish the event it holds (and see the stream start, for the BOM).
                started = True
                boundary = data.find(b"\n\n")
                pos = size if boundary < 0 else boundary + 2
                events = feed(data[:pos] if pos < size else data)
                if events:
                    yield from from_events(events)
                    if state.done:
                        break
                if pos >= size:
                    continue
            # Fast path over the complete events in data[pos:last]. The decoder is between events at pos, so
            # if that stretch is nothing but `data: X` lines separated by blank lines (checked: it starts with
            # "data: ", and once split on every "\n\ndata: " no CR or LF is left), those are exactly the events
            # the decoder would produce, and joined with commas they make one JSON array for one msgspec call.
            # split + join measured ~30% faster than a same-length bytes.replace (5.4 vs 7.8 ms per 5 MB of
            # events): CPython's replace restarts its substring search, with its setup, at every match.
            last = data.rfind(b"\n\n")
            if last > pos and data.startswith(b"data: ", pos):
                parts = data[pos + 6 : last].split(b"\n\ndata: ")
                done = parts[-1] == _DONE
                if done:
                    del parts[-1]
                if parts:
                    # The brackets ride on the first and last parts, so the join is the only copy of the read.
                    parts[0] = b"[" + parts[0]
                    parts[-1] += b"]"
                joined = b",".join(parts)
                # `in` with an int is a plain memchr.
                if 10 not in joined and 13 not in joined:
                    chunks: list[Any] | None = []
                    if parts:
                        try:
                            chunks = batch_decode(joined)
                        except msgspec.DecodeError:
                            chunks = None  # a malformed, error or [DONE]-in-the-middle event: decoder path
                    if chunks is not None:
                        yield from deliver(chunks, done)
                        if done:
                            break
                        pos = last + 2
                        rest = data[pos:]
                        # After the last LF LF, a stretch without CR holds no complete event (its blank
                        # line would need LF LF or a CR): keep it for the next read, decoder untouched.
                        if b"\r" not in rest:
                            carry = rest
                            continue
            # The rest (anything unusual, CR line ends, a read without a complete event) goes through the decoder.
            if pos < size:
                events = feed(data[pos:] if pos else data)
                if events:
                    yield from from_events(events)
                    if state.done:
                        break
        if carry and not state.done:
            events = feed(carry)
            if events:
                yield from from_events(events)

        if not state.done:
            # A server that closes right after "data: [DONE]" without the blank line still finished.
            ending = tail.rstrip(b"\r\n")
            if ending.endswith((b"data: [DONE]", b"data:[DONE]")):
                state.done = True
        if not state.done:
            raise IncompleteStreamError(
                f"the stream ended after {state.chunks} chunks without data: [DONE]; the output may be truncated",
                chunks_received=state.chunks,
                request_id=state.request_id,
                request=raw.http_request,
            )
        # Whatever follows [DONE] is normally just the end of the chunked body; read it so the connection
        # can be reused, but do not wait on a server that keeps sending.
        leftover = 0
        try:
            while data:
                data = read1(_READ_SIZE, decode_content=decode_content)
                leftover += len(data)
                if leftover > _READ_SIZE:
                    state.abandon()
                    return
        except Exception:
            state.abandon()
            return
        state.release()
    finally:
        if not state.closed:
            state.abandon()
