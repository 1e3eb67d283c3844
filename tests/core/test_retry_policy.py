"""The retry policy on its own: which failures retry, how long to wait, and the budget."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from fastgroq import APIConnectionError, APITimeoutError, GroqError, RequestValidationError
from fastgroq._retry import RetryPolicy, parse_retry_after

NOW = 1_750_000_000.0


def no_jitter(**kwargs: object) -> RetryPolicy:
    return RetryPolicy(random=lambda: 0.0, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 520, 599])
def test_retryable_statuses(status: int) -> None:
    assert RetryPolicy().should_retry_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422, 498])
def test_non_retryable_statuses(status: int) -> None:
    assert not RetryPolicy().should_retry_status(status)


def test_x_should_retry_overrides_status() -> None:
    policy = RetryPolicy()
    assert policy.should_retry_status(400, {"x-should-retry": "true"})
    assert not policy.should_retry_status(503, {"x-should-retry": "false"})
    # Case and whitespace in the value do not matter; anything else falls back to the status rule.
    assert not policy.should_retry_status(429, {"x-should-retry": " False "})
    assert policy.should_retry_status(429, {"x-should-retry": "maybe"})


def test_connection_errors_and_timeouts_retry_but_not_other_errors() -> None:
    policy = RetryPolicy()
    assert policy.should_retry_error(APIConnectionError())
    assert policy.should_retry_error(APITimeoutError())
    assert not policy.should_retry_error(RequestValidationError("bad"))
    assert not policy.should_retry_error(GroqError("other"))


def test_budget() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.can_retry(0)
    assert policy.can_retry(1)
    assert not policy.can_retry(2)
    assert not RetryPolicy(max_retries=0).can_retry(0)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_max_retries_must_be_a_non_negative_int(bad: object) -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=bad)  # type: ignore[arg-type]


def test_exponential_backoff_without_jitter() -> None:
    policy = no_jitter()
    assert [policy.wait(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    # A huge retry count must neither overflow nor exceed the cap.
    assert policy.wait(10_000) == 8.0


def test_jitter_shortens_by_at_most_a_quarter() -> None:
    assert RetryPolicy(random=lambda: 1.0).wait(0) == pytest.approx(0.375)
    assert RetryPolicy(random=lambda: 0.5).wait(2) == pytest.approx(2.0 * 0.875)
    waits = {RetryPolicy().wait(1) for _ in range(50)}
    assert all(0.75 <= w <= 1.0 for w in waits)
    assert len(waits) > 1


def test_retry_after_ms_wins() -> None:
    headers = {"retry-after-ms": "250", "retry-after": "7"}
    assert no_jitter().wait(0, headers) == pytest.approx(0.25)


def test_retry_after_seconds() -> None:
    assert no_jitter().wait(3, {"retry-after": "7"}) == 7.0
    assert no_jitter().wait(0, {"retry-after": "1.5"}) == 1.5


def test_retry_after_http_date() -> None:
    when = datetime.fromtimestamp(NOW, tz=timezone.utc) + timedelta(seconds=20)
    headers = {"retry-after": format_datetime(when, usegmt=True)}
    assert parse_retry_after(headers, now=NOW) == pytest.approx(20.0)
    assert no_jitter().wait(0, headers, now=NOW) == pytest.approx(20.0)


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "61"},  # longer than the 60 s cap: the server's hint is ignored, as upstream
        {"retry-after": "0"},
        {"retry-after": "-3"},
        {"retry-after-ms": "0"},
        {"retry-after": "soon"},
        {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"},  # in the past
        {},
    ],
)
def test_unusable_hints_fall_back_to_backoff(headers: dict[str, str]) -> None:
    assert no_jitter().wait(1, headers, now=NOW) == 1.0


def test_invalid_retry_after_ms_falls_through_to_retry_after() -> None:
    assert parse_retry_after({"retry-after-ms": "x", "retry-after": "3"}) == 3.0


def test_parse_retry_after_absent() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after({}) is None
    assert parse_retry_after({"retry-after": "garbage"}) is None


def test_cap_is_configurable() -> None:
    policy = no_jitter(max_retry_after=120.0, max_delay=2.0)
    assert policy.wait(0, {"retry-after": "90"}) == 90.0
    assert policy.wait(5) == 2.0


def test_policy_is_immutable_and_comparable() -> None:
    policy = RetryPolicy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.max_retries = 5  # type: ignore[misc]
    assert RetryPolicy(max_retries=3) == RetryPolicy(max_retries=3)
    assert dataclasses.replace(policy, max_retries=0).max_retries == 0


def test_unfixable_connection_errors_do_not_retry() -> None:
    error = APIConnectionError("TLS error: certificate verify failed")
    error.retryable = False
    assert not RetryPolicy().should_retry_error(error)
