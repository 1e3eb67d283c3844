"""Requests and responses as user code sees them: ``HTTPRequest`` and ``HTTPResponse``.

They play the parts of the official SDK's ``httpx.Request`` and ``httpx.Response`` (``e.request``,
``e.response``, ``raw.http_request``) with the attributes code reads (``method``, ``url``, ``headers``,
``status_code``, ``text``, ``json()``). Values only: no I/O, and no other fastgroq module.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

__all__ = [
    "ByteChunker",
    "HTTPRequest",
    "HTTPResponse",
    "LineDecoder",
    "content_charset",
    "decode_json_body",
    "decode_text",
    "text_decoder",
]

_REDACTED = "[REDACTED]"
# Headers whose whole value is a credential: shown as "<scheme> [REDACTED]" whatever the key's length.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization"})


def content_charset(headers: Mapping[str, str]) -> str:
    content_type = headers.get("content-type") or ""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def decode_text(data: bytes, headers: Mapping[str, str]) -> str:
    try:
        return data.decode(content_charset(headers), "replace")
    except LookupError:  # an unknown charset name
        return data.decode("utf-8", "replace")


def text_decoder(headers: Mapping[str, str]) -> codecs.IncrementalDecoder:
    """An incremental decoder for the charset of ``Content-Type`` (UTF-8 by default or when the name is unknown)
    that replaces what does not decode: ``decode_text`` for a body handed out in pieces."""
    try:
        return codecs.getincrementaldecoder(content_charset(headers))("replace")
    except LookupError:
        return codecs.getincrementaldecoder("utf-8")("replace")


def decode_json_body(data: bytes) -> Any:
    """``data`` decoded as JSON, untyped; ``msgspec.DecodeError`` (a ``ValueError``) for anything that is not,
    including invalid UTF-8 (a raw ``UnicodeDecodeError`` before msgspec 0.23) and JSON nested past the recursion
    limit (a ``RecursionError``)."""
    import msgspec

    try:
        return msgspec.json.decode(data)
    except (UnicodeDecodeError, RecursionError) as exc:
        raise msgspec.DecodeError(f"the body is not JSON: {exc}") from exc


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
        return decode_text(self.content, self.headers)

    def json(self) -> Any:
        """The body decoded as JSON (``msgspec.DecodeError``, a ``ValueError``, when it is not JSON)."""
        return decode_json_body(self.content)

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


class ByteChunker:
    """A body's pieces as they arrive, cut again into ``chunk_size`` bytes (the last one shorter), as httpx's
    ``ByteChunker``: ``iter_bytes(chunk_size)`` of both clients. With ``chunk_size`` None, each piece as it is."""

    def __init__(self, chunk_size: int | None) -> None:
        self._size = chunk_size
        self._pending = b""

    def decode(self, piece: bytes) -> list[bytes]:
        size = self._size
        if size is None:
            return [piece] if piece else []
        data = self._pending + piece if self._pending else piece
        # One cut of the whole, not a slice per chunk off the front (that copies the rest each time: quadratic).
        whole = len(data) - len(data) % size
        self._pending = data[whole:]
        return [data[start : start + size] for start in range(0, whole, size)]

    def flush(self) -> list[bytes]:
        pending, self._pending = self._pending, b""
        return [pending] if pending else []


class LineDecoder:
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
