"""``AsyncStream[T]``: the async client's typed stream, a thin driver over the same ``StreamDecoder`` as ``Stream``.

Each read is ``await response.content.readany()`` (every byte that has arrived, in one ``bytes``), fed to
``StreamDecoder.feed``, which returns one list of chunks; ``__anext__`` hands them out from that list, so
past the first chunk of a read it only pops a list (no framing, no decoding, no awaiting). Errors the
decoder reports are raised after the chunks that came before them, as in ``Stream``.

A stream that is cancelled (its task cancelled while it waits for bytes), closed (``await stream.close()``,
leaving ``async with``) or dropped before its end closes its connection: never drained, since draining
would wait for the model to finish generating.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from ._streaming import BaseStream
from ._transport_aiohttp import async_transport_errors, wrap_async_transport_error

if TYPE_CHECKING:
    import aiohttp

    from ._async_response import AsyncRawResponse
    from ._exceptions import APIError
    from ._stream_decoder import StreamDecoder
    from .types import ChatCompletion, Response

__all__ = ["AsyncStream"]

T = TypeVar("T")

_LEFTOVER_LIMIT = 65536


class _AsyncConnection:
    """The body being read; closes it (not drained) if dropped before the stream ended."""

    __slots__ = ("closed", "response")

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response: aiohttp.ClientResponse | None = response
        self.closed = False

    def abandon(self) -> None:
        response = self.response
        self.response = None
        self.closed = True
        if response is not None:
            close_response(response)

    def release(self) -> None:
        """The body was read to the end: hand the connection back to the pool."""
        response = self.response
        self.response = None
        self.closed = True
        if response is not None:
            response.release()

    def __del__(self) -> None:
        if not self.closed:
            self.abandon()


def close_response(response: Any) -> None:
    """Close an aiohttp response and its connection (not drained), from any thread, quietly.

    The garbage collector may drop a stream in another thread than its loop's (or after the loop closed):
    the transport is then closed through the loop, thread-safely, or not at all once the loop is closed.
    """
    with contextlib.suppress(Exception):  # best effort while tearing down
        loop = response._loop
        if loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            response.close()
        else:
            loop.call_soon_threadsafe(response.close)


class AsyncStream(BaseStream[T]):
    """An async iterator of streamed chunks that is also an async context manager.

    ``async for chunk in stream`` (once) gets the chunks as they arrive. Leaving an ``async with`` block,
    ``await stream.close()``, cancelling the task that reads it, or dropping the last reference closes the
    connection if the stream was not finished. A stream never retries once the response has been handed over.

    Attributes:
        response: The response's metadata (``status_code``, ``headers``, ``rate_limits``, ...).
    """

    __slots__ = ("__weakref__", "_buf", "_conn", "_error", "_read")

    def __init__(self, *, response: Any, raw: AsyncRawResponse[Any], decoder: StreamDecoder) -> None:
        self.response = raw
        self._decoder = decoder
        self._conn = _AsyncConnection(response)
        self._read = response.content.readany
        # The chunks of the last read not handed out yet, last first (list.pop is the cheapest way out).
        self._buf: list[T] = []
        self._error: APIError | None = None

    @property
    def closed(self) -> bool:
        """Whether the connection has been released or closed."""
        return self._conn.closed

    def __aiter__(self) -> AsyncStream[T]:
        return self

    async def __anext__(self) -> T:
        buf = self._buf
        if buf:
            return buf.pop()
        return await self._next_read()

    async def _next_read(self) -> T:
        """Read until a read completes at least one chunk; the end of the stream, or its error, otherwise."""
        conn = self._conn
        decoder = self._decoder
        while not conn.closed:
            try:
                data = await self._read()
            except async_transport_errors() as exc:
                return self._broken(exc)
            except BaseException:  # cancelled (or interrupted) while waiting: this connection is done for
                conn.abandon()
                raise
            chunks: list[T] = decoder.feed(data) if data else decoder.flush()
            if not data or decoder.done or decoder.error is not None:
                await self._end(bool(data))
            if chunks:
                chunks.reverse()
                self._buf = chunks
                return chunks.pop()
        error, self._error = self._error, None
        if error is not None:
            raise error
        raise StopAsyncIteration

    def _broken(self, exc: BaseException) -> T:
        """The connection failed: the chunks of the bytes that arrived before the failure, then its error."""
        conn = self._conn
        decoder = self._decoder
        chunks: list[T] = []
        with contextlib.suppress(Exception):
            # aiohttp's readany() raises as soon as the connection is lost, even while bytes that arrived
            # before it are buffered; the sync client reads those first, and so does this one.
            content = conn.response.content  # type: ignore[union-attr]
            if content._buffer:
                chunks = decoder.feed(content._read_nowait(-1))
        conn.abandon()
        error = wrap_async_transport_error(exc, request_id=decoder.request_id, request=decoder.request)
        error.__cause__ = exc
        self._error = decoder.error or error
        if not chunks:
            first, self._error = self._error, None
            raise first
        chunks.reverse()
        self._buf = chunks
        return chunks.pop()

    async def _end(self, more: bool) -> None:
        """The stream ended (``[DONE]``, an error, or the end of the body): release or close the connection."""
        conn = self._conn
        decoder = self._decoder
        if decoder.error is not None:
            self._error = decoder.error
            conn.abandon()
            return
        if not more:
            conn.release()
            return
        # Whatever follows [DONE] is normally just the end of the chunked body; read it so the connection can be
        # reused, but do not wait on a server that keeps sending.
        leftover = 0
        try:
            while leftover <= _LEFTOVER_LIMIT:
                data = await self._read()
                if not data:
                    conn.release()
                    return
                leftover += len(data)
        except BaseException:
            conn.abandon()
            raise
        conn.abandon()

    async def __aenter__(self) -> AsyncStream[T]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop reading: close the connection unless the stream already ended. Idempotent."""
        if not self._conn.closed:
            self._conn.abandon()
        self._buf = []
        self._error = None

    async def iter_text(self) -> AsyncIterator[str]:
        """Yield the text as it arrives: each chunk's content (first choice) for chat, each
        ``response.output_text.delta`` for the Responses API; chunks without text are skipped."""
        text_of = self._decoder.protocol.iter_text
        async for first in self:
            # The rest of this read's chunks at once: one pass of the protocol's reading per read.
            batch = [first, *reversed(self._buf)]
            self._buf = []
            for text in text_of(iter(batch)):
                yield text

    async def get_final_completion(self) -> ChatCompletion:
        """Consume the rest of the stream and fold it into one ``ChatCompletion``.

        Chunks are not kept while you iterate (that would cost every caller), so call this before taking
        any chunk yourself; if you iterate and want the result too, keep the chunks and call
        ``fastgroq.accumulate_chunks(chunks)``.
        """
        self._check_untouched()
        return self._final_completion([chunk async for chunk in self])

    async def get_final_response(self) -> Response:
        """Consume the rest of a Responses API stream and return the ``Response`` of its terminal event
        (``response.completed`` or ``response.incomplete``), with its usage. Call it before taking any event
        yourself, as ``get_final_completion()``."""
        self._check_untouched()
        return self._final_response([chunk async for chunk in self])
