"""Requests and responses as user code sees them, and the rate-limit header parser.

``HTTPRequest`` and ``HTTPResponse`` play the parts of the official SDK's ``httpx.Request`` and
``httpx.Response`` (``e.request``, ``e.response``, ``raw.http_request``) with the attributes code reads
(``method``, ``url``, ``headers``, ``status_code``, ``text``, ``json()``); ``RawResponse`` (also exported
as ``APIResponse``) is what ``with_raw_response`` and ``with_streaming_response`` return.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType
from typing import Any, Generic, TypeVar

from ._retry import parse_retry_after

__all__ = [
    "APIResponse",
    "HTTPRequest",
    "HTTPResponse",
    "RateLimits",
    "RawResponse",
    "ResponseContextManager",
    "parse_duration",
]

T = TypeVar("T")

# Go-style durations as Groq sends them: "2m59.56s", "7.66s", "1h2m3s", "150ms", "0s".
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: str | None) -> float | None:
    """Seconds in a duration header value (``2m59.56s`` → 179.56); a bare number is seconds.

    Returns None for a missing or unparseable value rather than guessing.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    pos = 0
    total = 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(text) or pos == 0:
        return None
    return total


def _parse_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        try:
            return int(float(value))
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Groq's rate-limit headers, parsed. Any header the response lacked is None.

    Attributes:
        limit_requests: ``x-ratelimit-limit-requests`` (requests per day).
        limit_tokens: ``x-ratelimit-limit-tokens`` (tokens per minute).
        remaining_requests: ``x-ratelimit-remaining-requests``.
        remaining_tokens: ``x-ratelimit-remaining-tokens``.
        reset_requests: ``x-ratelimit-reset-requests`` in seconds.
        reset_tokens: ``x-ratelimit-reset-tokens`` in seconds.
        retry_after: ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date) in seconds.
    """

    limit_requests: int | None = None
    limit_tokens: int | None = None
    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    reset_requests: float | None = None
    reset_tokens: float | None = None
    retry_after: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimits:
        """Parse the headers of a response (the mapping should be case-insensitive, as urllib3's is)."""
        get = headers.get
        retry_after = parse_retry_after(headers)
        return cls(
            limit_requests=_parse_int(get("x-ratelimit-limit-requests")),
            limit_tokens=_parse_int(get("x-ratelimit-limit-tokens")),
            remaining_requests=_parse_int(get("x-ratelimit-remaining-requests")),
            remaining_tokens=_parse_int(get("x-ratelimit-remaining-tokens")),
            reset_requests=parse_duration(get("x-ratelimit-reset-requests")),
            reset_tokens=parse_duration(get("x-ratelimit-reset-tokens")),
            retry_after=None if retry_after is None else max(0.0, retry_after),
        )


_REDACTED = "[REDACTED]"
# Headers whose whole value is a credential: shown as "<scheme> [REDACTED]" whatever the key's length.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization"})


def _charset(headers: Mapping[str, str]) -> str:
    content_type = headers.get("content-type") or ""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def _decode_text(data: bytes, headers: Mapping[str, str]) -> str:
    try:
        return data.decode(_charset(headers), "replace")
    except LookupError:  # an unknown charset name
        return data.decode("utf-8", "replace")


class HTTPRequest:
    """A request as it was sent, with the API key redacted (``e.request``, ``raw.http_request``).

    Attributes:
        method: ``POST``, ``GET``, ...
        url: The full URL (it never contains the API key).
        content: The body sent (``b""`` for none).
    """

    __slots__ = ("_headers", "_raw_headers", "_secret", "content", "method", "url")

    def __init__(
        self, method: str, url: str, headers: Mapping[str, str], content: bytes | None = None, *, secret: str = ""
    ) -> None:
        self.method = method
        self.url = url
        self.content = content or b""
        self._raw_headers = headers
        self._secret = secret
        self._headers: Mapping[str, str] | None = None

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers sent (a case-insensitive mapping); ``Authorization`` reads ``Bearer [REDACTED]``."""
        if self._headers is None:
            from urllib3 import HTTPHeaderDict

            secret = self._secret
            view = HTTPHeaderDict()
            for name, value in self._raw_headers.items():
                if name.lower() in _CREDENTIAL_HEADERS:
                    scheme, sep, _ = value.partition(" ")
                    value = f"{scheme} {_REDACTED}" if sep else _REDACTED
                elif secret and secret in value:
                    value = value.replace(secret, _REDACTED)
                view.add(name, value)
            self._headers = view
        return self._headers

    def __repr__(self) -> str:
        return f"<HTTPRequest({self.method!r}, {self.url!r})>"


class HTTPResponse:
    """A response whose body has been read (``e.response``); the official SDK's ``httpx.Response`` here.

    Attributes:
        status_code: The HTTP status.
        headers: The response headers, a case-insensitive mapping.
        content: The body (with the API key redacted if the server echoed it).
        reason_phrase: The status line's reason (``Bad Request``).
        request: The request it answers.
        elapsed: Time from sending the request to receiving the response headers.
        http_version: ``HTTP/1.1``.
    """

    __slots__ = ("content", "elapsed", "headers", "http_version", "reason_phrase", "request", "status_code")

    def __init__(
        self,
        status_code: int,
        headers: Mapping[str, str],
        content: bytes,
        *,
        request: HTTPRequest | None = None,
        reason_phrase: str = "",
        elapsed: timedelta | None = None,
        http_version: str = "HTTP/1.1",
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.request = request
        self.reason_phrase = reason_phrase
        self.elapsed = elapsed if elapsed is not None else timedelta(0)
        self.http_version = http_version

    @property
    def url(self) -> str:
        """The URL of the request (empty when unknown)."""
        return self.request.url if self.request is not None else ""

    @property
    def text(self) -> str:
        """The body decoded with the charset of ``Content-Type`` (UTF-8 by default; bad bytes replaced)."""
        return _decode_text(self.content, self.headers)

    def json(self) -> Any:
        """The body decoded as JSON (``msgspec.DecodeError``, a ``ValueError``, when it is not JSON)."""
        import msgspec

        return msgspec.json.decode(self.content)

    def read(self) -> bytes:
        """The body (already read)."""
        return self.content

    @property
    def is_closed(self) -> bool:
        """Always True: the body was read and the connection released."""
        return True

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def is_error(self) -> bool:
        return self.status_code >= 400

    def close(self) -> None:
        """Nothing to do: the body was read and the connection released."""

    def __repr__(self) -> str:
        return f"<HTTPResponse [{self.status_code} {self.reason_phrase}]>".replace(" ]", "]")


class _LineDecoder:
    """Incremental ``str.splitlines()`` over text chunks (as httpx's ``iter_lines``): a line ending split
    between two chunks, ``\r`` then ``\n``, counts once."""

    _NEWLINES = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

    def __init__(self) -> None:
        self.buffer = ""
        self.trailing_cr = False

    def decode(self, text: str) -> list[str]:
        if self.trailing_cr:
            text = "\r" + text
            self.trailing_cr = False
        if text.endswith("\r"):
            self.trailing_cr = True
            text = text[:-1]
        if not text:
            return []
        text = self.buffer + text
        lines = text.splitlines()
        if text[-1] in self._NEWLINES:
            self.buffer = ""
        else:
            self.buffer = lines.pop()
        return lines

    def flush(self) -> list[str]:
        if not self.buffer and not self.trailing_cr:
            return []
        line, self.buffer, self.trailing_cr = self.buffer, "", False
        return [line]


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


class RawResponse(Generic[T]):
    """A response with its metadata; ``parse()`` gives the typed result (the official SDK's ``APIResponse``).

    ``with_raw_response`` reads a JSON body before returning (a stream's body is read when you iterate
    the ``Stream`` that ``parse()`` returns); ``with_streaming_response`` returns it with the body unread,
    to be read only when asked: ``read()``, ``text()``, ``json()``, ``parse()``, or piece by piece with
    ``iter_bytes()``, ``iter_text()``, ``iter_lines()`` (which do not keep what they hand out).

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
        content: The body once it has been read (by ``read()``, ``text()``, ``json()`` or a non-stream
            ``parse()``); None before, and for a body handed to a ``Stream`` or iterated.
    """

    __slots__ = (
        "__weakref__",
        "_consumed",
        "_live",
        "_parsed",
        "_parser",
        "_rate_limits",
        "_request_id",
        "_stream",
        "content",
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
        parser: Callable[[RawResponse[T]], T] | None,
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
        self.content = content
        self._live: Any = live  # the urllib3 response while its body is unread
        self._consumed = False  # the body went to an iterator or a Stream
        self._stream: Any = None  # weak reference to the Stream that owns the body
        self._parser: Callable[[RawResponse[T]], T] | None = parser
        self._parsed: list[T] = []
        self._rate_limits: RateLimits | None = None
        self._request_id: str | None = headers.get("x-request-id")

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

    def parse(self) -> T:
        """The typed result: decoded once and cached. For a streaming request, the ``Stream``."""
        if not self._parsed:
            parser = self._parser
            assert parser is not None
            self._parsed.append(parser(self))
            self._parser = None
        return self._parsed[0]

    # -- the body --------------------------------------------------------------------------------------

    @property
    def is_closed(self) -> bool:
        """Whether the body has been read to the end or the connection closed (False while unread)."""
        if self._stream is not None:
            stream = self._stream()
            return stream is None or bool(stream.closed)
        return self._live is None

    def read(self) -> bytes:
        """Read the whole body (once; later calls return the same bytes) and release the connection."""
        if self.content is not None:
            return self.content
        live = self._live
        if live is None or self._consumed:
            from ._exceptions import StreamAlreadyConsumed

            raise StreamAlreadyConsumed()
        from ._transport import transport_errors, wrap_transport_error

        try:
            data: bytes = live.read()
        except transport_errors() as exc:
            self._close_live()
            raise wrap_transport_error(exc, request_id=self._request_id, request=self.http_request) from exc
        self._live = None
        live.release_conn()
        self.content = data
        return data

    def text(self) -> str:
        """The body decoded with the charset of ``Content-Type`` (UTF-8 by default)."""
        return _decode_text(self.read(), self.headers)

    def json(self) -> Any:
        """The body decoded as JSON (untyped: ``parse()`` gives the typed result)."""
        import msgspec

        return msgspec.json.decode(self.read())

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body as it arrives (decompressed), in pieces of ``chunk_size`` bytes when given."""
        if self.content is not None:
            data = self.content
            size = chunk_size or len(data) or 1
            for start in range(0, len(data), size):
                yield data[start : start + size]
            return
        live = self._take_body()
        from ._transport import transport_errors, wrap_transport_error

        errors = transport_errors()
        pending = b""
        finished = False
        try:
            while True:
                try:
                    piece: bytes = live.read1(chunk_size or _READ_SIZE)
                except errors as exc:
                    raise wrap_transport_error(exc, request_id=self._request_id, request=self.http_request) from exc
                if not piece:
                    break
                if chunk_size is None:
                    yield piece
                    continue
                pending += piece
                while len(pending) >= chunk_size:
                    yield pending[:chunk_size]
                    pending = pending[chunk_size:]
            if pending:
                yield pending
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
        import codecs

        charset = _charset(self.headers)
        try:
            decoder = codecs.getincrementaldecoder(charset)("replace")
        except LookupError:
            decoder = codecs.getincrementaldecoder("utf-8")("replace")
        for piece in self.iter_bytes(chunk_size):
            text = decoder.decode(piece)
            if text:
                yield text
        text = decoder.decode(b"", True)
        if text:
            yield text

    def iter_lines(self) -> Iterator[str]:
        """The body as lines of text, without their line endings (for an SSE body: every field line)."""
        decoder = _LineDecoder()
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

    def _take_body(self) -> Any:
        """Hand the unread body to an iterator or a ``Stream`` (once)."""
        if self._consumed or (self._live is None and self.content is None):
            from ._exceptions import StreamAlreadyConsumed

            raise StreamAlreadyConsumed()
        self._consumed = True
        if self._live is None:
            assert self.content is not None
            return _BufferedBody(self.content)
        return self._live

    def _attach_stream(self, stream: Any) -> None:
        """Record the ``Stream`` that now owns the body (weakly: the Stream points back at this response)."""
        import weakref

        self._live = None
        self._stream = weakref.ref(stream)

    def __del__(self) -> None:
        # Dropped with its body never read nor handed to a Stream: close the connection (not drained).
        if self._live is not None and not self._consumed:
            with contextlib.suppress(Exception):
                self._close_live()

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] {self.method} {self.url}>"


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
