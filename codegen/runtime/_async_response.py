"""The async client's raw responses: ``AsyncRawResponse`` (also exported as ``AsyncAPIResponse``) is what
``with_raw_response`` and ``with_streaming_response`` return on ``AsyncGroq``; its body methods are awaitable
(``await raw.parse()``, ``await raw.read()``, ``async for line in raw.iter_lines()``), as in the official SDK.
The metadata (status, headers, request id, rate limits) is ``BaseRawResponse``'s, shared with the sync client.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

from ._async_streaming import close_response
from ._exceptions import StreamAlreadyConsumed
from ._http import ByteChunker, LineDecoder, decode_json_body, decode_text, text_decoder
from ._response import BaseRawResponse
from ._transport_aiohttp import async_transport_errors, wrap_async_transport_error

__all__ = [
    "AsyncAPIResponse",
    "AsyncBinaryAPIResponse",
    "AsyncRawResponse",
    "AsyncResponseContextManager",
    "AsyncStreamedBinaryAPIResponse",
]

T = TypeVar("T")

_READ_SIZE = 65536


class _BufferedAsyncBody:
    """An already-read body that an ``AsyncStream`` reads like a live aiohttp response (``content.readany``)."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    @property
    def content(self) -> _BufferedAsyncBody:
        return self

    async def readany(self) -> bytes:
        data, self._data = self._data, b""
        return data

    def at_eof(self) -> bool:
        return not self._data

    def release(self) -> None:
        pass

    def close(self) -> None:
        self._data = b""


class AsyncRawResponse(BaseRawResponse[T]):
    """A response with its metadata; ``await parse()`` gives the typed result (the official ``AsyncAPIResponse``).

    ``with_raw_response`` reads a JSON body before returning (a stream's body is read when you iterate the
    ``AsyncStream`` that ``await parse()`` returns); ``with_streaming_response`` returns it with the body
    unread, to be read only when asked: ``await read()``, ``text()``, ``json()``, ``parse()``, or piece by
    piece with ``async for`` over ``iter_bytes()``, ``iter_text()``, ``iter_lines()``.
    """

    __slots__ = ()

    async def parse(self) -> T:
        """The typed result: decoded once and cached. For a streaming request, the ``AsyncStream``."""
        if not self._parsed:
            parser = self._parser
            assert parser is not None
            result = parser(self)
            if isinstance(result, Awaitable):
                result = await result
            self._parsed.append(result)
            self._parser = None
        return self._parsed[0]

    async def read(self) -> bytes:
        """Read the whole body (once; later calls return the same bytes) and release the connection."""
        if self._content is not None:
            return self._content
        live = self._live
        if live is None or self._consumed:
            raise StreamAlreadyConsumed()
        try:
            data: bytes = await live.read()
        except async_transport_errors() as exc:
            self._close_live()
            raise wrap_async_transport_error(exc, request_id=self._request_id, request=self.http_request) from exc
        self._live = None
        live.release()
        self._content = data
        return data

    async def text(self) -> str:
        """The body decoded with the charset of ``Content-Type`` (UTF-8 by default)."""
        return decode_text(await self.read(), self.headers)

    async def json(self) -> Any:
        """The body decoded as JSON (untyped: ``parse()`` gives the typed result); ``msgspec.DecodeError`` (a
        ``ValueError``) when it is not JSON."""
        return decode_json_body(await self.read())

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body as it arrives (decompressed), in pieces of ``chunk_size`` bytes when given."""
        chunker = ByteChunker(chunk_size)
        if self._content is not None:
            for chunk in chunker.decode(self._content) + chunker.flush():
                yield chunk
            return
        live = self._take_body()
        errors = async_transport_errors()
        finished = False
        try:
            while True:
                try:
                    piece: bytes = await live.content.readany()
                except errors as exc:
                    raise wrap_async_transport_error(
                        exc, request_id=self._request_id, request=self.http_request
                    ) from exc
                if not piece:
                    break
                for chunk in chunker.decode(piece):
                    yield chunk
            for chunk in chunker.flush():
                yield chunk
            finished = True
        finally:
            self._live = None
            if finished:
                live.release()
            else:  # abandoned or failed part-way: close, never drain
                live.close()

    async def iter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """The body as text, decoded incrementally with the charset of ``Content-Type`` (UTF-8 by default)."""
        decoder = text_decoder(self.headers)
        async for piece in self.iter_bytes(chunk_size):
            text = decoder.decode(piece)
            if text:
                yield text
        text = decoder.decode(b"", True)
        if text:
            yield text

    async def iter_lines(self) -> AsyncIterator[str]:
        """The body as lines of text, without their line endings (for an SSE body: every field line)."""
        decoder = LineDecoder()
        async for text in self.iter_text():
            for line in decoder.decode(text):
                yield line
        for line in decoder.flush():
            yield line

    async def close(self) -> None:
        """Close the response: an unread or partly read body is dropped with its connection (not drained)."""
        if self._stream is not None:
            stream = self._stream()
            if stream is not None:
                await stream.close()
            return
        self._close_live()

    def _close_live(self) -> None:
        live = self._live
        self._live = None
        if live is not None:
            if isinstance(live, _BufferedAsyncBody):
                live.close()
            else:
                close_response(live)

    def _buffered(self, data: bytes) -> Any:
        return _BufferedAsyncBody(data)

    def __del__(self) -> None:
        # Dropped with its body never read nor handed to a stream: close the connection (not drained).
        if self._live is not None and not self._consumed:
            self._close_live()


class AsyncBinaryAPIResponse(AsyncRawResponse[bytes]):
    """A binary answer (``audio.speech.create``, ``files.content``), read whole: the official SDK's name.

    ``content`` (or ``await read()``, ``await parse()``) is the body; ``iter_bytes()`` hands it out in pieces;
    ``await write_to_file(path)`` saves it. To write a large body to disk without holding it in memory, call the
    method through ``with_streaming_response`` and use ``stream_to_file`` (an ``AsyncStreamedBinaryAPIResponse``).
    """

    __slots__ = ()

    @property
    def content(self) -> bytes:
        """The body."""
        assert self._content is not None
        return self._content

    async def write_to_file(self, file: str | os.PathLike[str]) -> None:
        """Write the body to ``file`` (a path string or a path-like object), replacing what it held."""
        with open(file, "wb") as out:
            async for data in self.iter_bytes():
                out.write(data)


class AsyncStreamedBinaryAPIResponse(AsyncRawResponse[bytes]):
    """A binary answer whose body is read only when asked (``with_streaming_response``): the official SDK's name.

    ``await stream_to_file(path)`` writes it to disk as it arrives, one piece at a time (never held whole in
    memory); ``iter_bytes()``, ``iter_lines()`` and ``await read()`` work as on any ``AsyncRawResponse``.
    """

    __slots__ = ()

    async def stream_to_file(self, file: str | os.PathLike[str], *, chunk_size: int | None = None) -> None:
        """Stream the body to ``file`` as it arrives, then release the connection."""
        with open(file, "wb") as out:
            async for data in self.iter_bytes(chunk_size):
                out.write(data)


_R = TypeVar("_R", bound="AsyncRawResponse[Any]")


class AsyncResponseContextManager(Generic[_R]):
    """What ``with_streaming_response`` methods of ``AsyncGroq`` return: the request is sent when the
    ``async with`` block is entered, and the response is closed when it is left (as the official SDK's)."""

    __slots__ = ("_request", "_response")

    def __init__(self, request: Callable[[], Awaitable[_R]]) -> None:
        self._request = request
        self._response: _R | None = None

    async def __aenter__(self) -> _R:
        self._response = await self._request()
        return self._response

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._response is not None:
            await self._response.close()


AsyncAPIResponse = AsyncRawResponse
"""The official SDK's name for what the async client's ``with_raw_response`` and ``with_streaming_response`` return."""
