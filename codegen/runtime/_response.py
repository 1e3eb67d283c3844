"""The sync client's raw responses: ``RawResponse`` (also exported as ``APIResponse``) is what
``with_raw_response`` and ``with_streaming_response`` return; it reads the body from the urllib3 response.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from types import TracebackType
from typing import Any, Generic, TypeVar

from ._exceptions import StreamAlreadyConsumed
from ._headers import RateLimits
from ._http import ByteChunker, HTTPRequest, LineDecoder, decode_json_body, decode_text, text_decoder
from ._transport_urllib3 import transport_errors, wrap_transport_error

__all__ = [
    "APIResponse",
    "BaseRawResponse",
    "BinaryAPIResponse",
    "RawResponse",
    "ResponseContextManager",
    "StreamedBinaryAPIResponse",
]

T = TypeVar("T")


class _BufferedBody:
    """An already-read body that a ``Stream`` can read like a live urllib3 response."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def read1(self, amt: int = -1, decode_content: bool | None = None) -> bytes:
        start = self._pos
        end = len(self._data) if amt is None or amt < 0 else min(len(self._data), start + amt)
        self._pos = end
        return self._data[start:end]

    def release_conn(self) -> None:
        pass

    def close(self) -> None:
        self._pos = len(self._data)


_READ_SIZE = 65536


class BaseRawResponse(Generic[T]):
    """What a raw response shows whatever its client (no I/O): status, headers, request, request id, rate limits.

    ``RawResponse`` (sync) and ``AsyncRawResponse`` (``_async_response``) add reading the body and ``parse()``.

    Attributes:
        status_code: The HTTP status.
        headers: The response headers, a case-insensitive mapping.
        request_id: The ``x-request-id`` header, or (after parsing) the body's ``x_groq.id``.
        elapsed: Time from sending the request to receiving the response headers (a ``timedelta``).
        http_request: The request (``HTTPRequest``: method, URL, headers with the key redacted).
        http_version: ``HTTP/1.1``.
        reason_phrase: The status line's reason (``OK``).
        retries_taken: How many retries it took (0 when the first attempt answered).
        method: The request method.
        url: The request URL (it never contains the API key).
    """

    __slots__ = (
        "__weakref__",
        "_consumed",
        "_content",
        "_live",
        "_parsed",
        "_parser",
        "_rate_limits",
        "_request_id",
        "_stream",
        "elapsed",
        "headers",
        "http_request",
        "http_version",
        "reason_phrase",
        "retries_taken",
        "status_code",
    )

    def __init__(
        self,
        *,
        status_code: int,
        headers: Mapping[str, str],
        elapsed: float,
        request: HTTPRequest,
        parser: Callable[[Any], T] | None,
        content: bytes | None = None,
        live: Any = None,
        retries_taken: int = 0,
        reason_phrase: str = "",
        http_version: str = "HTTP/1.1",
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.elapsed = timedelta(seconds=elapsed)
        self.http_request = request
        self.http_version = http_version
        self.retries_taken = retries_taken
        self.reason_phrase = reason_phrase
        self._content = content
        self._live: Any = live  # the transport's response while its body is unread
        self._consumed = False  # the body went to an iterator or a Stream
        self._stream: Any = None  # weak reference to the Stream that owns the body
        self._parser: Callable[[Any], T] | None = parser
        self._parsed: list[T] = []
        self._rate_limits: RateLimits | None = None
        self._request_id: str | None = headers.get("x-request-id")

    @property
    def content(self) -> bytes | None:
        """The body once it has been read (by ``read()``, ``text()``, ``json()`` or a non-stream ``parse()``);
        None before, and for a body handed to a ``Stream`` or iterated."""
        return self._content

    @property
    def method(self) -> str:
        """The request method."""
        return self.http_request.method

    @property
    def url(self) -> str:
        """The request URL."""
        return self.http_request.url

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` header, or the ``x_groq.id`` of the parsed body when the header is absent."""
        if self._request_id is None and self._parsed:
            rid = getattr(self._parsed[0], "_request_id", None) or getattr(self._parsed[0], "request_id", None)
            if isinstance(rid, str):
                self._request_id = rid
        return self._request_id

    @property
    def rate_limits(self) -> RateLimits:
        """The parsed ``x-ratelimit-*`` and ``retry-after`` headers."""
        if self._rate_limits is None:
            self._rate_limits = RateLimits.from_headers(self.headers)
        return self._rate_limits

    # -- the body --------------------------------------------------------------------------------------

    @property
    def is_closed(self) -> bool:
        """Whether the body has been read to the end or the connection closed (False while unread)."""
        if self._stream is not None:
            stream = self._stream()
            return stream is None or bool(stream.closed)
        return self._live is None

    def _take_body(self) -> Any:
        """Hand the unread body to an iterator or a stream (once)."""
        if self._consumed or (self._live is None and self._content is None):
            raise StreamAlreadyConsumed()
        self._consumed = True
        if self._live is None:
            assert self._content is not None
            return self._buffered(self._content)
        return self._live

    def _buffered(self, data: bytes) -> Any:
        """An already-read body that a stream can read like a live one."""
        return _BufferedBody(data)

    def _attach_stream(self, stream: Any) -> None:
        """Record the ``Stream`` that now owns the body (weakly: the Stream points back at this response)."""
        import weakref

        self._live = None
        self._stream = weakref.ref(stream)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}] {self.method} {self.url}>"


class RawResponse(BaseRawResponse[T]):
    """A response with its metadata; ``parse()`` gives the typed result (the official SDK's ``APIResponse``).

    ``with_raw_response`` reads a JSON body before returning (a stream's body is read when you iterate
    the ``Stream`` that ``parse()`` returns); ``with_streaming_response`` returns it with the body unread,
    to be read only when asked: ``read()``, ``text()``, ``json()``, ``parse()``, or piece by piece with
    ``iter_bytes()``, ``iter_text()``, ``iter_lines()`` (which do not keep what they hand out).
    """

    __slots__ = ()

    def parse(self) -> T:
        """The typed result: decoded once and cached. For a streaming request, the ``Stream``."""
        if not self._parsed:
            parser = self._parser
            assert parser is not None
            self._parsed.append(parser(self))
            self._parser = None
        return self._parsed[0]

    def read(self) -> bytes:
        """Read the whole body (once; later calls return the same bytes) and release the connection."""
        if self._content is not None:
            return self._content
        live = self._live
        if live is None or self._consumed:
            raise StreamAlreadyConsumed()
        try:
            data: bytes = live.read()
        except transport_errors() as exc:
            self._close_live()
            raise wrap_transport_error(exc, request_id=self._request_id, request=self.http_request) from exc
        self._live = None
        live.release_conn()
        self._content = data
        return data

    def text(self) -> str:
        """The body decoded with the charset of ``Content-Type`` (UTF-8 by default)."""
        return decode_text(self.read(), self.headers)

    def json(self) -> Any:
        """The body decoded as JSON (untyped: ``parse()`` gives the typed result); ``msgspec.DecodeError`` (a
        ``ValueError``) when it is not JSON."""
        return decode_json_body(self.read())

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body as it arrives (decompressed), in pieces of ``chunk_size`` bytes when given."""
        chunker = ByteChunker(chunk_size)
        if self._content is not None:
            yield from chunker.decode(self._content)
            yield from chunker.flush()
            return
        live = self._take_body()
        errors = transport_errors()
        finished = False
        try:
            while True:
                try:
                    piece: bytes = live.read1(chunk_size or _READ_SIZE)
                except errors as exc:
                    raise wrap_transport_error(exc, request_id=self._request_id, request=self.http_request) from exc
                if not piece:
                    break
                yield from chunker.decode(piece)
            yield from chunker.flush()
            finished = True
        finally:
            self._live = None
            if finished:
                live.release_conn()
            else:  # abandoned or failed part-way: close, never drain
                live.close()
                live.release_conn()

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """The body as text, decoded incrementally with the charset of ``Content-Type`` (UTF-8 by default)."""
        decoder = text_decoder(self.headers)
        for piece in self.iter_bytes(chunk_size):
            text = decoder.decode(piece)
            if text:
                yield text
        text = decoder.decode(b"", True)
        if text:
            yield text

    def iter_lines(self) -> Iterator[str]:
        """The body as lines of text, without their line endings (for an SSE body: every field line)."""
        decoder = LineDecoder()
        for text in self.iter_text():
            yield from decoder.decode(text)
        yield from decoder.flush()

    def close(self) -> None:
        """Close the response: an unread or partly read body is dropped with its connection (not drained)."""
        if self._stream is not None:
            stream = self._stream()
            if stream is not None:
                stream.close()
            return
        self._close_live()

    def _close_live(self) -> None:
        live = self._live
        self._live = None
        if live is not None:
            live.close()
            live.release_conn()

    def __del__(self) -> None:
        # Dropped with its body never read nor handed to a Stream: close the connection (not drained).
        if self._live is not None and not self._consumed:
            with contextlib.suppress(Exception):
                self._close_live()


class BinaryAPIResponse(RawResponse[bytes]):
    """A binary answer (``audio.speech.create``, ``files.content``), read whole: the official SDK's name.

    ``content`` (or ``read()``, ``parse()``) is the body; ``iter_bytes()`` hands it out in pieces;
    ``write_to_file(path)`` saves it. To write a large body to disk without holding it in memory, call the
    method through ``with_streaming_response`` and use ``stream_to_file`` (a ``StreamedBinaryAPIResponse``).
    """

    __slots__ = ()

    @property
    def content(self) -> bytes:
        """The body."""
        return self.read()

    def write_to_file(self, file: str | os.PathLike[str]) -> None:
        """Write the body to ``file`` (a path string or a path-like object), replacing what it held."""
        with open(file, "wb") as out:
            for data in self.iter_bytes():
                out.write(data)

    def __repr__(self) -> str:
        return f"<BinaryAPIResponse [{self.status_code}] {self.method} {self.url}>"


class StreamedBinaryAPIResponse(RawResponse[bytes]):
    """A binary answer whose body is read only when asked (``with_streaming_response``): the official SDK's name.

    ``stream_to_file(path)`` writes it to disk as it arrives, one piece at a time (the body is never held in
    memory whole); ``iter_bytes()``, ``iter_lines()`` and ``read()`` work as on any ``RawResponse``.
    """

    __slots__ = ()

    def stream_to_file(self, file: str | os.PathLike[str], *, chunk_size: int | None = None) -> None:
        """Stream the body to ``file`` (a path string or a path-like object) as it arrives, then release the connection."""
        with open(file, "wb") as out:
            for data in self.iter_bytes(chunk_size):
                out.write(data)

    def __repr__(self) -> str:
        return f"<StreamedBinaryAPIResponse [{self.status_code}] {self.method} {self.url}>"


_R = TypeVar("_R", bound="RawResponse[Any]")


class ResponseContextManager(Generic[_R]):
    """What ``with_streaming_response`` methods return: the request is sent when the ``with`` block is
    entered, and the response is closed when it is left (as the official SDK's)."""

    __slots__ = ("_request", "_response")

    def __init__(self, request: Callable[[], _R]) -> None:
        self._request = request
        self._response: _R | None = None

    def __enter__(self) -> _R:
        self._response = self._request()
        return self._response

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._response is not None:
            self._response.close()


APIResponse = RawResponse
"""The official SDK's name for what ``with_raw_response`` and ``with_streaming_response`` return."""
