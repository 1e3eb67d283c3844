"""Retry policy: which failures to retry and how long to wait.

Matches the official SDK: retry connection errors, timeouts, 408, 409, 429 and >= 500; the response
header ``x-should-retry: true|false`` overrides the status rule; wait what ``retry-after-ms`` or
``retry-after`` (seconds or an HTTP date) asks when it is in (0, 60] seconds, else 0.5 s * 2^n capped at
8 s, shortened by up to 25 % of jitter so that clients that failed together do not retry together.

The policy is an immutable value (like urllib3's ``Retry``) that owns the whole decision: after a failure
the client calls ``increment()``, which returns the policy for the next attempt (its ``retries_taken`` one
higher, its ``sleep`` the wait before that attempt) or None when the failure must be raised. The sync
client sleeps with ``time.sleep``, the async one with ``asyncio.sleep``; neither decides anything. One
policy serves every thread. Randomness and the clock are injectable for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from ._constants import DEFAULT_MAX_RETRIES, INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY
from ._exceptions import APIConnectionError, APIStatusError
from ._headers import parse_retry_after

__all__ = ["RetryPolicy", "parse_retry_after"]

_RETRY_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When to retry and how long to wait.

    Attributes:
        max_retries: Retries after the first attempt; 0 disables retrying.
        initial_delay: Backoff before the first retry, doubled each retry.
        max_delay: Cap of the exponential backoff.
        max_retry_after: Longest server-requested wait honoured; longer (or non-positive) hints fall back
            to the backoff, as in the official SDK.
        jitter: Fraction by which a backoff may be shortened at random (0 disables).
        random: Source of uniform floats in [0, 1) for the jitter; ``random.random`` when None.
        retry_statuses: Statuses retried besides every status >= 500.
        retries_taken: Retries already made before the attempt this policy governs.
        sleep: Seconds to wait before that attempt (0 for the first one).
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_RETRY_DELAY
    max_delay: float = MAX_RETRY_DELAY
    max_retry_after: float = MAX_RETRY_AFTER
    jitter: float = 0.25
    retry_statuses: frozenset[int] = _RETRY_STATUSES
    random: Callable[[], float] | None = field(default=None, compare=False, repr=False)
    retries_taken: int = 0
    sleep: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ValueError(f"max_retries must be a non-negative int, got {self.max_retries!r}")

    def can_retry(self, retries_taken: int) -> bool:
        """Whether another retry is allowed after ``retries_taken`` retries."""
        return retries_taken < self.max_retries

    def should_retry_status(self, status_code: int, headers: Mapping[str, str] | None = None) -> bool:
        """Whether a response with this status (and headers) is worth retrying, budget aside."""
        if headers:
            hint = headers.get("x-should-retry")
            if hint is not None:
                hint = hint.strip().lower()
                if hint == "true":
                    return True
                if hint == "false":
                    return False
        return status_code in self.retry_statuses or status_code >= 500

    def should_retry_error(self, error: BaseException) -> bool:
        """Whether a transport failure (connection error, timeout) is worth retrying, budget aside."""
        return isinstance(error, APIConnectionError) and error.retryable

    def backoff(self, retries_taken: int) -> float:
        """The exponential backoff with jitter for the retry after ``retries_taken`` retries."""
        base = min(self.initial_delay * 2.0 ** min(retries_taken, 1000), self.max_delay)
        if self.random is None:
            # Deferred: the random module costs ~1 ms at import, and most programs never retry.
            from random import random as rand
        else:
            rand = self.random
        return max(0.0, base * (1.0 - self.jitter * rand()))

    def wait(self, retries_taken: int, headers: Mapping[str, str] | None = None, *, now: float | None = None) -> float:
        """Seconds to sleep before the retry after ``retries_taken`` retries (0 for the first retry)."""
        hint = parse_retry_after(headers, now=now)
        if hint is not None and 0 < hint <= self.max_retry_after:
            return hint
        return self.backoff(retries_taken)

    def increment(
        self,
        *,
        error: BaseException | None = None,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
        now: float | None = None,
        replayable: bool = True,
    ) -> RetryPolicy | None:
        """The policy for the next attempt after a failure, or None when the failure must be raised.

        A failure is an ``error`` (a transport failure, or an ``APIStatusError`` with its status and
        headers), or a response's ``status_code`` and ``headers``. The returned policy has ``retries_taken``
        one higher and ``sleep`` set to the wait the server asked for (``retry-after-ms``, ``retry-after``)
        or the backoff with jitter. A request whose body cannot be sent again (``replayable=False``: an upload
        read from a pipe) is never retried.
        """
        if not replayable:
            return None
        if isinstance(error, APIStatusError):
            status_code, headers, error = error.status_code, error.headers, None
        if not self.can_retry(self.retries_taken):
            return None
        if error is not None:
            if not self.should_retry_error(error):
                return None
            headers = None
        elif status_code is None or not self.should_retry_status(status_code, headers):
            return None
        wait = self.wait(self.retries_taken, headers, now=now)
        return replace(self, retries_taken=self.retries_taken + 1, sleep=wait)
