"""Parsing Groq's rate-limit headers into RateLimits."""

from __future__ import annotations

import pytest
from fastgroq import RateLimits
from fastgroq._headers import parse_duration


class CaseInsensitive(dict[str, str]):
    """Stands in for urllib3's HTTPHeaderDict: lookups ignore case."""

    def __init__(self, items: dict[str, str]) -> None:
        super().__init__({k.lower(): v for k, v in items.items()})

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(key.lower(), default)


GROQ_HEADERS = {
    "x-ratelimit-limit-requests": "14400",
    "x-ratelimit-limit-tokens": "18000",
    "x-ratelimit-remaining-requests": "14370",
    "x-ratelimit-remaining-tokens": "17997",
    "x-ratelimit-reset-requests": "2m59.56s",
    "x-ratelimit-reset-tokens": "7.66s",
}


def test_full_set() -> None:
    limits = RateLimits.from_headers(GROQ_HEADERS)
    assert limits == RateLimits(
        limit_requests=14400,
        limit_tokens=18000,
        remaining_requests=14370,
        remaining_tokens=17997,
        reset_requests=pytest.approx(179.56),  # type: ignore[arg-type]
        reset_tokens=pytest.approx(7.66),  # type: ignore[arg-type]
        retry_after=None,
    )


def test_missing_headers_are_none() -> None:
    assert RateLimits.from_headers({}) == RateLimits()
    limits = RateLimits.from_headers({"x-ratelimit-remaining-tokens": "5"})
    assert limits.remaining_tokens == 5
    assert limits.limit_tokens is None
    assert limits.reset_tokens is None


def test_header_names_are_case_insensitive_with_a_case_insensitive_mapping() -> None:
    headers = CaseInsensitive({"X-RateLimit-Remaining-Requests": "9", "Retry-After": "2"})
    limits = RateLimits.from_headers(headers)
    assert limits.remaining_requests == 9
    assert limits.retry_after == 2.0


def test_retry_after() -> None:
    assert RateLimits.from_headers({"retry-after": "30"}).retry_after == 30.0
    assert RateLimits.from_headers({"retry-after-ms": "1500"}).retry_after == 1.5
    # A date in the past means "now", not a negative wait.
    assert RateLimits.from_headers({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}).retry_after == 0.0
    assert RateLimits.from_headers({"retry-after": "later"}).retry_after is None


def test_unparseable_values_are_none() -> None:
    limits = RateLimits.from_headers(
        {"x-ratelimit-limit-requests": "lots", "x-ratelimit-reset-tokens": "soon", "x-ratelimit-limit-tokens": ""}
    )
    assert limits.limit_requests is None
    assert limits.reset_tokens is None
    assert limits.limit_tokens is None


def test_is_frozen() -> None:
    limits = RateLimits.from_headers(GROQ_HEADERS)
    with pytest.raises(AttributeError):
        limits.remaining_tokens = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2m59.56s", 179.56),
        ("7.66s", 7.66),
        ("1h2m3s", 3723.0),
        ("150ms", 0.15),
        ("0s", 0.0),
        ("1h", 3600.0),
        ("45m", 2700.0),
        ("250us", 0.00025),
        ("250µs", 0.00025),
        ("100ns", 1e-7),
        ("1m0.5s", 60.5),
        (".5s", 0.5),
        ("12", 12.0),
        ("3.25", 3.25),
        (" 7.66s ", 7.66),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", [None, "", "s", "5x", "1h2", "m5s", "1.2.3s", "-5s", "5s junk", "abc"])
def test_parse_duration_rejects(text: str | None) -> None:
    assert parse_duration(text) is None
