"""Raw responses (status, headers, request id, rate limits) and the rate-limit header parser."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from ._retry import parse_retry_after

__all__ = ["RateLimits", "RawResponse", "parse_duration"]

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


class RawResponse(Generic[T]):
    """A response with its metadata; ``parse()`` gives the typed result.

    Attributes:
        status_code: The HTTP status.
        headers: The response headers, a case-insensitive mapping.
        request_id: The ``x-request-id`` header, or (after parsing) the body's ``x_groq.id``.
        elapsed: Seconds from sending the request to receiving the response headers.
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
        "method",
        "status_code",
        "url",
    )

    def __init__(
        self,
        *,
        status_code: int,
        headers: Mapping[str, str],
        elapsed: float,
        method: str,
        url: str,
        parser: Callable[[RawResponse[T]], T],
        content: bytes | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.elapsed = elapsed
        self.method = method
        self.url = url
        self.content = content
        self._parser: Callable[[RawResponse[T]], T] | None = parser
        self._parsed: list[T] = []
        self._rate_limits: RateLimits | None = None
        self._request_id: str | None = headers.get("x-request-id")

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
