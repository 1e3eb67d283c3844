"""Defaults shared by the runtime: endpoint, route, timeouts, retry limits.

The names come from the seed design (``DEFAULT_ENDPOINT``, ``CHAT_COMPLETION_ROUTE``,
``CHAT_COMPLETION_STREAM_PREFIX``); the values follow the official SDK (60 s read timeout, 5 s connect
timeout, 2 retries).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "CHAT_COMPLETION_ROUTE",
    "CHAT_COMPLETION_STREAM_PREFIX",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_ENDPOINT",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_READ_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "INITIAL_RETRY_DELAY",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "Timeout",
    "TimeoutLike",
]

DEFAULT_ENDPOINT = "https://api.groq.com/openai/v1"
"""The API root. A ``base_url`` with no path (``https://api.groq.com``) gets ``/openai/v1`` appended."""

API_ROOT_PATH = "/openai/v1"
CHAT_COMPLETION_ROUTE = "/chat/completions"
CHAT_COMPLETION_STREAM_PREFIX = "data: "

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
DEFAULT_MAX_CONNECTIONS = 10
ACCEPT_ENCODING = "gzip, deflate"
"""Sent with every non-stream request, as the official SDK's httpx client sends it (without brotli or zstandard)."""
MAX_ERROR_BODY = 1024 * 1024
"""Bytes of a non-2xx body (or of a non-event-stream answer to a streaming request) kept in the error: a
``tool_use_failed`` body carries the model's whole output in ``failed_generation`` (hundreds of KB at most), so
every real error body fits; a 100 MB page from a misbehaving proxy is cut, and the error says how long it was."""
MAX_REDIRECTS = 20
"""Redirects followed per request, as httpx (the official SDK's client) does by default."""
MIN_SECRET_LENGTH = 16
"""An API key at least this long is redacted from response bodies that echo it; a shorter one is not a
secret worth mangling text for (``api_key="test"`` must not turn ``llama-test`` into ``llama-[REDACTED]``)."""


class TimeoutLike(Protocol):
    """Anything with ``connect`` and ``read`` timeouts in seconds, such as an ``httpx.Timeout``."""

    @property
    def connect(self) -> float | None: ...

    @property
    def read(self) -> float | None: ...


def _seconds(value: object, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} timeout must be a number of seconds or None, not {type(value).__name__}")
    return _positive(value, f"{what} timeout")


def _positive(value: float, what: str) -> float:
    # `not 0 < x < inf` also refuses NaN, which every comparison calls False.
    if not 0 < value < float("inf"):
        raise ValueError(f"{what} must be positive and finite (None for no timeout), got {value!r}")
    return float(value)


@dataclass(frozen=True, kw_only=True, slots=True)
class Timeout:
    """Connect and read timeouts in seconds; ``None`` means wait forever.

    ``read`` bounds the gap between two reads, not the whole response, so a long stream that keeps
    producing never times out while a stalled one does. Keyword-only so ``Timeout(5, 60)`` can never be
    read the wrong way round.
    """

    connect: float | None = DEFAULT_CONNECT_TIMEOUT
    read: float | None = DEFAULT_READ_TIMEOUT

    def __post_init__(self) -> None:
        # Checked when built, not when a socket first uses it (a NaN made urllib3 raise a raw ValueError then).
        _seconds(self.connect, "connect")
        _seconds(self.read, "read")

    @classmethod
    def coerce(cls, value: float | Timeout | TimeoutLike | None) -> Timeout:
        """Normalise the ``timeout=`` argument.

        A number is the read timeout; the connect timeout stays at 5 s unless the number is smaller (a
        caller asking for 1 s overall would not expect to wait 5 s for a connection). ``None`` disables
        both, as in the official SDK. Any other object with ``connect`` and ``read`` attributes (an
        ``httpx.Timeout``, whose ``write`` and ``pool`` have no counterpart here) gives those two.
        """
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(connect=None, read=None)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if hasattr(value, "connect") and hasattr(value, "read"):
                return cls(connect=_seconds(value.connect, "connect"), read=_seconds(value.read, "read"))
            raise TypeError(
                "timeout must be a number, a fastgroq.Timeout, an object with connect and read attributes "
                f"(an httpx.Timeout) or None, not {type(value).__name__}"
            )
        seconds = _positive(value, "timeout")
        return cls(connect=min(DEFAULT_CONNECT_TIMEOUT, seconds), read=seconds)


DEFAULT_TIMEOUT = Timeout(connect=DEFAULT_CONNECT_TIMEOUT, read=DEFAULT_READ_TIMEOUT)
