"""Reading response headers: ``retry-after``/``retry-after-ms``, Groq's rate-limit headers, Go-style durations.

Plain functions over a header mapping: no I/O, no other fastgroq module.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["RateLimits", "parse_duration", "parse_retry_after"]


def parse_retry_after(headers: Mapping[str, str] | None, *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait, from ``retry-after-ms`` or ``retry-after``; None if absent.

    ``retry-after`` may be a number of seconds or an HTTP date (RFC 9110); a date in the past gives a
    negative number, which callers treat as "no usable hint". ``now`` is a Unix time (for tests).
    """
    if not headers:
        return None
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return float(value) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    # Deferred: email.utils pulls in a chain of modules that `import fastgroq` should not pay for.
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:  # pragma: no cover - older Pythons returned None instead of raising
        return None
    return when.timestamp() - (time.time() if now is None else now)


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
