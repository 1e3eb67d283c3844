"""Requests and responses as user code sees them, and the rate-limit header parser.

``HTTPRequest`` and ``HTTPResponse`` play the parts of the official SDK's ``httpx.Request`` and
``httpx.Response`` (``e.request``, ``e.response``, ``raw.http_request``) with the attributes code reads
(``method``, ``url``, ``headers``, ``status_code``, ``text``, ``json()``); ``RawResponse`` (also exported
as ``APIResponse``) is what ``with_raw_response`` and ``with_streaming_response`` return.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from ._retry import parse_retry_after

__all__ = ["APIResponse", "HTTPRequest", "HTTPResponse", "RateLimits", "RawResponse", "parse_duration"]

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


class RawResponse(Generic[T]):
    """A response with its metadata; ``parse()`` gives the typed result (the official SDK's ``APIResponse``).

    Attributes:
        status_code: The HTTP status.
        headers: The response headers, a case-insensitive mapping.
        request_id: The ``x-request-id`` header, or (after parsing) the body's ``x_groq.id``.
        elapsed: Time from sending the request to receiving the response headers (a ``timedelta``).
        http_request: The request (``HTTPRequest``: method, URL, headers with the key redacted).
        method: The request method.
        url: The request URL (it never contains the API key).
        content: The raw body of a non-stream response; None for streams.
    """

    __slots__ = (
        "_parsed",
        "_parser",
        "_rate_limits",
        "_request_id",
        "content",
        "elapsed",
        "headers",
        "http_request",
        "status_code",
    )

    def __init__(
        self,
        *,
        status_code: int,
        headers: Mapping[str, str],
        elapsed: float,
        request: HTTPRequest,
        parser: Callable[[RawResponse[T]], T],
        content: bytes | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.elapsed = timedelta(seconds=elapsed)
        self.http_request = request
        self.content = content
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

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] {self.method} {self.url}>"


APIResponse = RawResponse
"""The official SDK's name for what ``with_raw_response`` and ``with_streaming_response`` return."""
