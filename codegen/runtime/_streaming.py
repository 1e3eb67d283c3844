"""``Stream[T]``: the sync client's typed stream, a thin driver over ``StreamDecoder``.

The body is read with ``read1(65536)``, which returns whatever bytes have arrived, so every event reaches
the caller as soon as it lands, whether the body is chunked or close-delimited. Each read goes to
``StreamDecoder.feed`` (framing, batch decoding, errors: see ``_stream_decoder``), which returns one list
of chunks; ``itertools.chain`` hands them out, so no Python frame runs per chunk between the caller's loop
and msgspec. Resuming a generator per chunk would cost ~60 ns, several percent of a chunk's whole cost.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from itertools import chain
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from ._exceptions import APIError, GroqError
from ._transport_urllib3 import transport_errors, wrap_transport_error

if TYPE_CHECKING:
    import urllib3

    from ._repair import Repair
    from ._response import RawResponse
    from ._stream_decoder import StreamDecoder
    from .types import ChatCompletion, Response

__all__ = ["BaseStream", "Stream"]

T = TypeVar("T")

_READ_SIZE = 65536


class BaseStream(Generic[T]):
    """What a stream shows whatever its transport: progress and metadata, read from its ``StreamDecoder``.

    Attributes:
        response: The response's metadata (``status_code``, ``headers``, ``rate_limits``, ...).
    """

    __slots__ = ("_decoder", "response")

    _decoder: StreamDecoder
    response: Any

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` header, else the first ``x_groq.id`` seen so far."""
        return self._decoder.request_id

    @property
    def usage(self) -> Any:
        """Token usage (``x_groq.usage`` or top-level ``usage``, the last one seen); None until it arrives."""
        return self._decoder.usage

    @property
    def repairs(self) -> tuple[Repair, ...]:
        """Values of the chunks so far that did not match the schema and were repaired (see ``fastgroq.repairs``).

        Each ``Repair`` has the ``chunk_index`` of its chunk. Empty for a stream that matched the schema.
        """
        return tuple(self._decoder.repairs)

    @property
    def chunks_received(self) -> int:
        """How many chunks have been decoded so far."""
        return self._decoder.chunks

    @property
    def closed(self) -> bool:
        """Whether the connection has been released or closed."""
        raise NotImplementedError

    def _final_completion(self, chunks: list[Any]) -> ChatCompletion:
        """Fold the rest of the stream (``chunks``, taken by the caller) into one ``ChatCompletion``."""
        from ._accumulate import accumulate_chunks

        decoder = self._decoder
        if decoder.protocol.name != "chat":
            raise GroqError("get_final_completion() folds chat completion chunks; use get_final_response()")
        if not chunks:
            raise APIError("the stream ended without any chunk", request_id=decoder.request_id)
        completion = accumulate_chunks(chunks, request_id=decoder.request_id)
        if decoder.repairs:
            completion._repairs = tuple(decoder.repairs)  # type: ignore[attr-defined]
        return completion

    def _final_response(self, chunks: list[Any]) -> Response:
        """The Response of the Responses API stream's terminal event (``chunks``, the rest of the stream)."""
        decoder = self._decoder
        if decoder.protocol.name != "responses":
            raise GroqError("get_final_response() is for Responses API streams; use get_final_completion()")
        response = decoder.protocol.final(chunks, decoder.request_id)
        if response is None:
            raise APIError("the stream ended without a terminal event", request_id=decoder.request_id)
        if decoder.repairs:
            response._repairs = tuple(decoder.repairs)
        return cast("Response", response)

    def _check_untouched(self) -> None:
        if self._decoder.chunks:
            raise GroqError(
                "get_final_completion() needs the whole stream but chunks were already taken; "
                "keep the chunks you iterate and call fastgroq.accumulate_chunks(chunks) instead"
            )

    def __repr__(self) -> str:
        status = "closed" if self.closed else "open"
        decoder = self._decoder
        return f"<{type(self).__name__} {status} chunks={decoder.chunks} request_id={decoder.request_id!r}>"


class _Connection:
    """The body being read, shared by a Stream and its reading generator.

    The generator holds this, not the Stream, so no reference cycle delays freeing either of them.
    """

    __slots__ = ("closed", "response")

    def __init__(self, response: urllib3.BaseHTTPResponse) -> None:
        self.response: urllib3.BaseHTTPResponse | None = response
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


class Stream(BaseStream[T]):
    """An iterator of streamed chunks that is also a context manager.

    Iterate it (once) to get the chunks as they arrive. Leaving a ``with`` block, calling ``close()``, or
    dropping the last reference closes the connection if the stream was not finished. A stream never
    retries once the response has been handed over.

    Attributes:
        response: The response's metadata (``status_code``, ``headers``, ``rate_limits``, ...).
    """

    __slots__ = ("__weakref__", "_conn", "_gen", "_it")

    def __init__(self, *, response: urllib3.BaseHTTPResponse, raw: RawResponse[Any], decoder: StreamDecoder) -> None:
        self.response = raw
        self._decoder = decoder
        self._conn = _Connection(response)
        # Skipping urllib3's decoder buffer when the body is not compressed saves a copy per read.
        decode_content = bool(raw.headers.get("content-encoding"))
        gen = _read(self._conn, decoder, decode_content)
        # Run the generator up to its first (dummy) yield, inside its try/finally: from then on, however
        # it ends (exhausted, close(), or garbage-collected after `for ...: break` dropped the last
        # reference to it), its finally clause closes an unfinished response. A generator that never
        # started would skip its finally. The for loop holds the generator, not the Stream, so the Stream
        # itself has no __del__: dropping it must not cut off a loop that is still iterating.
        next(gen)
        self._gen = gen
        # An error the decoder reports surfaces right after the last good chunk before it.
        self._it: Iterator[T] = chain.from_iterable(gen)

    @property
    def closed(self) -> bool:
        """Whether the connection has been released or closed."""
        return self._conn.closed

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
        if not self._conn.closed:
            self._conn.abandon()
        # chain() may still hold the rest of the current read's chunks: drop them, so that nothing comes
        # out of a closed stream (the generator is finished, so this stops at the end of that list).
        for _ in self._it:
            pass

    def iter_text(self) -> Iterator[str]:
        """Yield the text as it arrives: each chunk's content (first choice) for chat, each
        ``response.output_text.delta`` for the Responses API; chunks without text are skipped."""
        return self._decoder.protocol.iter_text(self._it)

    def get_final_completion(self) -> ChatCompletion:
        """Consume the rest of the stream and fold it into one ``ChatCompletion``.

        Chunks are not kept while you iterate (that would cost every caller), so call this before taking
        any chunk yourself; if you iterate and want the result too, keep the chunks and call
        ``fastgroq.accumulate_chunks(chunks)``.
        """
        self._check_untouched()
        return self._final_completion(list(self._it))

    def get_final_response(self) -> Response:
        """Consume the rest of a Responses API stream and return the ``Response`` of its terminal event
        (``response.completed`` or ``response.incomplete``), with its usage. Call it before taking any event
        yourself, as ``get_final_completion()``."""
        self._check_untouched()
        return self._final_response(list(self._it))


def _read(conn: _Connection, decoder: StreamDecoder, decode_content: bool) -> Generator[list[Any], None, None]:
    """Read the body and yield the decoder's list of chunks per read; raise what the decoder reports."""
    response = conn.response
    assert response is not None
    read1 = response.read1
    feed = decoder.feed
    network_errors = transport_errors()
    try:
        yield []  # priming, see Stream.__init__
        data = b""
        while True:
            try:
                data = read1(_READ_SIZE, decode_content=decode_content)
            except network_errors as exc:
                raise wrap_transport_error(exc, request_id=decoder.request_id, request=decoder.request) from exc
            if not data:
                yield decoder.flush()
                break
            yield feed(data)
            if decoder.done or decoder.error is not None:
                break
        if decoder.error is not None:
            raise decoder.error
        # Whatever follows [DONE] is normally just the end of the chunked body; read it so the connection
        # can be reused, but do not wait on a server that keeps sending.
        _finish(conn, data, read1, decode_content)
    finally:
        if not conn.closed:
            conn.abandon()


def _finish(conn: _Connection, data: bytes, read1: Any, decode_content: bool) -> None:
    leftover = 0
    try:
        while data:
            data = read1(_READ_SIZE, decode_content=decode_content)
            leftover += len(data)
            if leftover > _READ_SIZE:
                conn.abandon()
                return
    except Exception:
        conn.abandon()
        return
    conn.release()
