"""Every error fastgroq raises.

Hierarchy (names and status mapping follow the official ``groq`` SDK, so ``except`` clauses port over)::

    GroqError                          base of everything below
    ├── RequestValidationError         (also a ValueError) the request broke the schema; nothing was sent
    └── APIError                       something went wrong talking to the API
        ├── APIStatusError             non-2xx response
        │   ├── BadRequestError            400
        │   ├── AuthenticationError        401
        │   ├── PermissionDeniedError      403
        │   ├── NotFoundError              404
        │   ├── ConflictError              409
        │   ├── UnprocessableEntityError   422
        │   ├── RateLimitError             429
        │   ├── CapacityExceededError      498 (Groq flex tier out of capacity; not retried by default)
        │   └── InternalServerError        >= 500
        ├── APIConnectionError         could not connect, or the connection broke (also mid-stream)
        │   ├── APITimeoutError            connect or read timeout (also mid-stream)
        │   └── IncompleteStreamError      stream ended without ``data: [DONE]``
        ├── APIResponseValidationError a 2xx body or stream event did not match the expected type
        └── StreamError                the server reported an error inside a 200 stream

Every error carries ``message``, ``request_id`` and, as in the official SDK, ``body`` (the response body
decoded as JSON, e.g. ``{"error": {"message": ..., "type": ..., "code": ...}}``, or its text when it is not
JSON) and ``request`` (an ``HTTPRequest``: method, URL, headers with the key redacted), when there was one.
Errors built from a response also carry ``response`` (an ``HTTPResponse``: ``status_code``, ``headers``,
``text``, ``json()``), ``status_code`` and ``headers``. ``error`` is the server's error object decoded into
the typed ``ErrorObject`` (None when the body held none), and ``code``/``type``/``param``/
``failed_generation`` read it. Transport exceptions (urllib3, http.client, socket) and msgspec exceptions
are always wrapped, and chained as ``__cause__``.

No message, repr, header view or body contains the API key: the client never puts it anywhere but the
Authorization header, and redacts it from bodies a server might echo it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._headers import RateLimits
from ._http import HTTPRequest, HTTPResponse

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CapacityExceededError",
    "ConflictError",
    "GroqError",
    "IncompleteStreamError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestValidationError",
    "StreamAlreadyConsumed",
    "StreamError",
    "UnprocessableEntityError",
]


class GroqError(Exception):
    """Base class of every fastgroq error."""


class RequestValidationError(GroqError, ValueError):
    """The request does not match the API schema; it was not sent.

    ``str(err)`` is msgspec's message, which names the limit and the location, e.g.
    ``Expected `float` <= 2.0 - at `$.temperature```. ``path`` is the location alone (``$.temperature``),
    or None when msgspec gave none.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


class StreamAlreadyConsumed(GroqError):
    """A response body was read or iterated after it had already been streamed (as in the official SDK).

    Read the whole body first (``read()``, ``text()``, ``json()``) if you need it more than once: those
    keep it, iteration does not.
    """

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "Attempted to read or stream some content, but the content has already been streamed. "
            "Call .read() before streaming it if you need the content more than once."
        )


def _opt_str(value: object) -> str | None:
    # UNSET, None and non-strings all read as "absent" through the convenience properties.
    return value if isinstance(value, str) else None


class APIError(GroqError):
    """An error talking to the API.

    Attributes:
        message: The server's message, or a description of what failed.
        request: The request that failed (``HTTPRequest``: method, URL, headers with the key redacted), or
            None when the error was not about one request.
        body: As in the official SDK: the response body decoded as JSON (``e.body["error"]["message"]``)
            when it is JSON, else its text (an HTML page from a proxy, say), or None when there was no
            response. For an error inside a stream, the error object (``e.body["message"]``).
        error: The server's error object decoded into the typed ``ErrorObject`` (``message``, ``type``,
            ``code``, ``param``, ``failed_generation``, ...), or None when the body held none.
        request_id: The ``x-request-id`` header (or the stream's ``x_groq.id``), when known.
    """

    message: str
    request: HTTPRequest | None
    body: object | None
    error: Any
    request_id: str | None

    def __init__(
        self,
        message: str,
        request: HTTPRequest | None = None,
        *,
        body: object | None = None,
        error: Any = None,
        request_id: str | None = None,
    ) -> None:
        self.message = message
        self.request = request
        self.body = body
        self.error = error
        self.request_id = request_id
        super().__init__(self._describe())

    def _describe(self) -> str:
        if self.request_id:
            return f"{self.message} (request id: {self.request_id})"
        return self.message

    def _error_field(self, name: str) -> str | None:
        error = self.error
        if error is not None and not isinstance(error, (str, bytes)):
            return _opt_str(getattr(error, name, None))
        # No typed error object: read the decoded body, {"error": {...}} or the error object itself.
        body = self.body
        if isinstance(body, Mapping):
            inner = body.get("error")
            return _opt_str((inner if isinstance(inner, Mapping) else body).get(name))
        return None

    @property
    def code(self) -> str | None:
        """The error code (``rate_limit_exceeded``, ``tool_use_failed``, ``json_validate_failed``, ...)."""
        return self._error_field("code")

    @property
    def type(self) -> str | None:
        """The error type (``invalid_request_error``, ...)."""
        return self._error_field("type")

    @property
    def param(self) -> str | None:
        """The request parameter the error is about, when the server names one."""
        return self._error_field("param")

    @property
    def failed_generation(self) -> str | None:
        """The model output that failed tool-call or JSON validation, when the server includes it."""
        return self._error_field("failed_generation")


class APIStatusError(APIError):
    """The server answered with a non-2xx status.

    Built by the client from a response; ``APIStatusError(message, response=..., body=...)`` (the
    official SDK's form) also works, with any response object that has ``status_code`` and ``headers``.

    Attributes:
        response: The response (``HTTPResponse``: ``status_code``, ``headers``, ``text``, ``json()``).
        status_code: The HTTP status.
        headers: The response headers (case-insensitive).
    """

    response: HTTPResponse
    status_code: int
    headers: Mapping[str, str]

    def __init__(
        self,
        message: str,
        *,
        response: Any = None,
        body: object | None = None,
        error: Any = None,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
        request: HTTPRequest | None = None,
    ) -> None:
        if response is not None:
            status_code = response.status_code if status_code is None else status_code
            headers = response.headers if headers is None else headers
            request = getattr(response, "request", None) if request is None else request
        if status_code is None:
            raise TypeError("APIStatusError needs a response or a status_code")
        self.status_code = status_code
        self.headers = headers if headers is not None else {}
        if response is None:
            response = HTTPResponse(status_code, self.headers, b"", request=request)
        self.response = response
        if request_id is None:
            request_id = self.headers.get("x-request-id")
        super().__init__(message, request, body=body, error=error, request_id=request_id)

    def _describe(self) -> str:
        return f"Error code: {self.status_code} - {super()._describe()}"

    @property
    def rate_limits(self) -> RateLimits:
        """Rate-limit headers of the response (most useful on a 429)."""
        return RateLimits.from_headers(self.headers)


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429. ``err.rate_limits`` tells when the limits reset."""


class CapacityExceededError(APIStatusError):
    """498: Groq's flex service tier has no capacity right now; try later or use another tier."""


class InternalServerError(APIStatusError):
    """Any status >= 500."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    498: CapacityExceededError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for a non-2xx status."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status_code, APIStatusError)


class APIConnectionError(APIError):
    """The connection could not be made, or broke before the response was complete.

    Attributes:
        retryable: False for failures that a retry cannot fix (a TLS certificate that fails verification,
            too many redirects).
    """

    retryable: bool = True

    def __init__(
        self,
        message: str = "Connection error.",
        *,
        request: HTTPRequest | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request, request_id=request_id)


class APITimeoutError(APIConnectionError):
    """The connect timeout or the read timeout (the gap between two reads) expired."""

    def __init__(
        self,
        message: str = "Request timed out.",
        *,
        request: HTTPRequest | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request=request, request_id=request_id)


class IncompleteStreamError(APIConnectionError):
    """A stream ended without ``data: [DONE]``: the output received so far may be truncated.

    Attributes:
        chunks_received: How many chunks were decoded before the end.
    """

    def __init__(
        self,
        message: str,
        *,
        chunks_received: int,
        request: HTTPRequest | None = None,
        request_id: str | None = None,
    ) -> None:
        self.chunks_received = chunks_received
        super().__init__(message, request=request, request_id=request_id)


class APIResponseValidationError(APIError):
    """A 2xx response body, or a stream event, is not JSON, or lacks its envelope (not an object; a
    completion without ``choices``). Any other value that does not match the schema is repaired instead
    (see ``fastgroq.repairs``).

    Attributes:
        response: The response (``HTTPResponse``: ``status_code``, ``headers``, ``text``, ``json()``).
        status_code: The HTTP status of the response.
        headers: The response headers.
        body: A snippet of the offending body or event data (text).
        event_index: For streams, the 0-based index of the offending ``data`` event; else None.
    """

    response: HTTPResponse
    status_code: int
    headers: Mapping[str, str]

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        headers: Mapping[str, str],
        body: str | None = None,
        request_id: str | None = None,
        event_index: int | None = None,
        response: HTTPResponse | None = None,
        request: HTTPRequest | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.event_index = event_index
        if response is None:
            response = HTTPResponse(status_code, headers, b"", request=request)
        self.response = response
        if request is None:
            request = response.request
        super().__init__(message, request, body=body, request_id=request_id)


class StreamError(APIError):
    """The server reported an error inside a stream that had started with HTTP 200.

    Raised for a ``data: {"error": {...}}`` event, an ``event: error`` event, or a chunk whose
    ``x_groq.error`` is set. Chunks before it were delivered normally. As in the official SDK, ``body`` is
    the error object as sent (``e.body["message"]``), or its text.

    Attributes:
        event_index: The 0-based index of the event that carried the error.
        chunk: The chunk that carried ``x_groq.error``, when that is how the error arrived.
    """

    def __init__(
        self,
        message: str,
        *,
        body: object = None,
        error: Any = None,
        request_id: str | None = None,
        event_index: int | None = None,
        chunk: Any = None,
        request: HTTPRequest | None = None,
    ) -> None:
        self.event_index = event_index
        self.chunk = chunk
        super().__init__(message, request, body=body, error=error, request_id=request_id)
