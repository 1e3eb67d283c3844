"""Deciding what a response means, without reading or sending anything: a redirect to follow, a 2xx body
to decode into the operation's type (repairing a value that does not match, see ``_repair``), or an error
status to turn into the matching ``APIStatusError`` (its body parsed, the API key redacted).

Both clients call these once their transport has the status, the headers and (when needed) the body.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from ._constants import MAX_ERROR_BODY
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    StreamError,
    status_error_class,
)
from ._http import HTTPRequest, HTTPResponse, decode_text

if TYPE_CHECKING:
    from ._operation import Operation
    from ._request import PreparedRequest

__all__ = [
    "MALFORMED",
    "REDIRECT_STATUSES",
    "ErrorBody",
    "decode_body",
    "decode_json",
    "decode_result",
    "is_event_stream",
    "not_an_event_stream",
    "redirect",
    "snippet",
    "status_error",
]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MALFORMED: tuple[type[Exception], ...] = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
"""What decoding bytes that are not (acceptable) JSON raises: msgspec's error; before msgspec 0.23, a raw
``UnicodeDecodeError`` for invalid UTF-8 in a string; ``RecursionError`` for JSON nested deeper than the
interpreter's recursion limit allows (~1,000 levels), wherever it sits, even in a field the type ignores.
Every decode of a response's bytes catches all three."""
# Bodies at least this big are decoded with the cyclic GC paused (see decode_json).
_GC_PAUSE_BYTES = 256 * 1024
_SNIPPET = 200


def snippet(data: bytes | str, limit: int = _SNIPPET) -> str:
    """A short, printable excerpt of a payload for error messages."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


# -- redirects ---------------------------------------------------------------------------------------------


def _origin(url: str) -> tuple[str, str, int | None]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80 if parts.scheme == "http" else None)
    return parts.scheme, (parts.hostname or "").lower(), port


def redirect(request: PreparedRequest, status: int, location: str) -> PreparedRequest | None:
    """The request that follows a redirect, by the official SDK's httpx rules; None when it is not http(s).

    307 and 308 repeat the request (method and body); 303, 302, and 301 after a POST, become a GET without
    a body. ``Authorization`` never goes to another origin (scheme, host, port), except from ``http`` to
    ``https`` on the same host.
    """
    from urllib.parse import urljoin, urlsplit

    target = urljoin(request.url, location.strip())
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    method, content = request.method, request.content
    if (status in (302, 303) and method != "HEAD") or (status == 301 and method == "POST"):
        method = "GET"
    elif not request.replayable:
        error = APIConnectionError(
            f"Redirected ({status}) to {target}, but the upload's file cannot be read again (it does not seek)",
            request=request.view(),
        )
        error.retryable = False
        raise error
    headers = dict(request.headers)
    if method != request.method:
        content = None
        for name in [n for n in headers if n.lower() in ("content-type", "content-length", "transfer-encoding")]:
            del headers[name]
    old, new = _origin(request.url), _origin(target)
    if old != new and not (old == ("http", new[1], 80) and new == ("https", old[1], 443)):
        for name in [n for n in headers if n.lower() == "authorization"]:
            del headers[name]
    return replace(
        request, method=method, url=target, headers=headers, content=content, origin=(parts.scheme, parts.netloc)
    )


# -- 2xx: the result -----------------------------------------------------------------------------------------


def decode_json(decoder: msgspec.json.Decoder[Any], data: bytes) -> Any:
    """``decoder.decode(data)``, with the cyclic GC paused for a big body.

    Decoding a big body creates tens of thousands of lists (logprobs' ``bytes`` and ``top_logprobs``),
    each counted by the GC, which then runs collections that traverse the young objects and, every tenth
    time, the older generations (the application's whole heap): measured on 8,000 logprobs (3.5 MB),
    40 -> 29 ms, and 66 -> 28 ms with 300,000 live objects in the process. Pausing is process-wide, but
    msgspec holds the GIL for the whole call and runs no Python code (no hooks, no ``__post_init__``)
    except an open enum's ``_missing_`` for a value the schema does not know, so other threads hardly
    run while the GC is off. Only a GC that was enabled is paused and re-enabled; the
    allocations are counted and collected normally afterwards.
    """
    if len(data) < _GC_PAUSE_BYTES or not gc.isenabled():
        return decoder.decode(data)
    gc.disable()
    try:
        return decoder.decode(data)
    finally:
        gc.enable()


def decode_result(
    op: Operation,
    request: PreparedRequest,
    status: int,
    reason: str | None,
    headers: Mapping[str, str],
    data: bytes,
    elapsed: float,
    *,
    view: HTTPRequest | None = None,
) -> Any:
    """The typed result of a 2xx JSON body, with ``_request_id`` (and ``_repairs``) set.

    Raises ``APIResponseValidationError`` (with ``request``, ``view`` when given, and ``response``) for a
    body that is not JSON or lacks its envelope.
    """
    request_id = headers.get("x-request-id")
    try:
        result, repairs = _decode_or_repair(op, status, request_id, data)
    except MALFORMED as exc:
        view = view if view is not None else request.view()
        raise _invalid_body(op, request, view, status, reason, headers, data, elapsed, exc) from exc
    if request_id is None:
        x_groq = getattr(result, "x_groq", None)
        groq_id = getattr(x_groq, "id", None) if x_groq else None
        if isinstance(groq_id, str):
            request_id = groq_id
    # Types without dict=True cannot carry it; RawResponse.request_id still can.
    with contextlib.suppress(AttributeError):
        result._request_id = request_id
        if repairs:
            result._repairs = tuple(repairs)
    return result


def decode_body(
    op: Operation,
    request: PreparedRequest,
    status: int,
    reason: str | None,
    headers: Mapping[str, str],
    data: bytes,
    elapsed: float,
    *,
    view: HTTPRequest | None = None,
) -> Any:
    """The result of a 2xx body, of the kind the request asked for (``PreparedRequest.result``): the typed
    JSON result (``decode_result``), or the text of a ``text/plain`` answer (charset from ``Content-Type``).

    A binary answer is not decoded: the driver hands out the response itself (``BinaryAPIResponse``).
    """
    if request.result == "text":
        return decode_text(data, headers)
    return decode_result(op, request, status, reason, headers, data, elapsed, view=view)


def _decode_or_repair(op: Operation, status: int, request_id: str | None, data: bytes) -> tuple[Any, list[Any]]:
    try:
        return decode_json(op.response_decoder, data), []
    except msgspec.ValidationError as exc:
        # JSON, but a value does not match the schema: repair it (the fast path above never gets here).
        from ._repair import decode_repaired, log_repairs

        response_type = op.response_type
        assert response_type is not None  # response_decoder exists, so it is a JSON operation
        try:
            result, repairs = decode_repaired(
                lambda repaired: decode_json(op.response_decoder, repaired),
                response_type,
                data,
                op.response_envelope,
            )
        except MALFORMED as error:
            raise error from exc
        log_repairs(
            repairs, f"the {status} response to {op.name}", context=f"request id {request_id}" if request_id else ""
        )
        return result, repairs


def _invalid_body(
    op: Operation,
    request: PreparedRequest,
    view: HTTPRequest,
    status: int,
    reason: str | None,
    headers: Mapping[str, str],
    data: bytes,
    elapsed: float,
    exc: Exception,
) -> APIResponseValidationError:
    # A server may echo the request (and so the key) back; nothing shown may carry it.
    data = request.redact(data)
    response = HTTPResponse(
        status, headers, data, request=view, reason_phrase=reason or "", elapsed=timedelta(seconds=elapsed)
    )
    return APIResponseValidationError(
        f"the {status} response to {op.name} does not match {getattr(op.response_type, '__name__', 'its type')}: "
        f"{exc}; body: {snippet(data)}",
        status_code=status,
        headers=headers,
        body=snippet(data, 2000),
        request_id=headers.get("x-request-id"),
        response=response,
        request=view,
    )


# -- non-2xx: the error ------------------------------------------------------------------------------------


class ErrorBody:
    """Decoders for ``{"error": {...}}`` bodies, built on first use (they import the generated types)."""

    _response: msgspec.json.Decoder[Any] | None = None
    _object: msgspec.json.Decoder[Any] | None = None

    @classmethod
    def decoders(cls) -> tuple[msgspec.json.Decoder[Any], msgspec.json.Decoder[Any]]:
        if cls._response is None or cls._object is None:
            from .types import ErrorObject, ErrorResponse

            cls._object = msgspec.json.Decoder(ErrorObject)
            cls._response = msgspec.json.Decoder(ErrorResponse)
        return cls._response, cls._object

    @classmethod
    def error_object(cls, data: bytes) -> Any:
        """Decode an error object, tolerating a server that leaves out fields the schema requires."""
        _, decoder = cls.decoders()
        try:
            return decoder.decode(data)
        except msgspec.ValidationError:
            obj = msgspec.json.decode(data)  # MALFORMED would have been raised by the typed decode already
            if not isinstance(obj, dict):
                raise
            obj.setdefault("message", "")
            obj.setdefault("type", "")
            return decoder.decode(msgspec.json.encode(obj))

    @classmethod
    def parse(cls, data: bytes) -> tuple[str | None, object, Any]:
        """(server message, body, typed error) for an error response body.

        ``body`` is what the official SDK gives: the body decoded as JSON, else its stripped text (``""``
        for an empty body). The typed error is the ``ErrorObject`` under ``"error"``, or None.
        """
        text = data.decode("utf-8", "replace").strip()
        if not text:
            return None, "", None
        try:
            body = msgspec.json.decode(data)
        except MALFORMED:
            return None, text, None
        if not isinstance(body, dict):
            return None, body, None
        err = body.get("error")
        if isinstance(err, str) and err:
            return err, body, None
        if isinstance(err, dict):
            message = err.get("message")
            try:
                error = cls.error_object(msgspec.json.encode(err))
            except MALFORMED:
                error = None
            return (message if isinstance(message, str) and message else None), body, error
        for key in ("message", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value, body, None
        return None, body, None


def _cut(data: bytes, headers: Mapping[str, str], complete: bool) -> tuple[bytes, str]:
    """The body as kept (at most ``MAX_ERROR_BODY`` bytes) and, when it was cut, what the message adds."""
    if complete and len(data) <= MAX_ERROR_BODY:
        return data, ""
    length = headers.get("content-length")
    total = f"{int(length):,} bytes" if length and length.strip().isdigit() else f"more than {MAX_ERROR_BODY:,} bytes"
    return data[:MAX_ERROR_BODY], f" [the body was {total}: only the first {MAX_ERROR_BODY:,} are kept]"


def _redirect_note(status: int, headers: Mapping[str, str]) -> str:
    """What a 3xx that was not followed says about where it pointed."""
    location = headers.get("location")
    if not location:
        return " (no Location header)"
    return f" (Location: {location!r}, not followed: only 301, 302, 303, 307 and 308 redirects are)"


def status_error(
    request: PreparedRequest,
    status: int,
    reason: str | None,
    headers: Mapping[str, str],
    data: bytes,
    elapsed: float,
    *,
    complete: bool = True,
) -> APIStatusError:
    """The ``APIStatusError`` subclass for a non-2xx response, its body parsed with the API key redacted.

    ``complete`` is False when the driver stopped reading the body after ``MAX_ERROR_BODY`` bytes (and closed the
    connection): the error keeps that excerpt and says how long the body was. A 3xx (one the driver did not
    follow) says where it pointed.
    """
    data, cut = _cut(request.redact(data), headers, complete)
    message, body, error = ErrorBody.parse(data) if not cut else (None, data.decode("utf-8", "replace"), None)
    label = f"{status} {reason}" if reason else str(status)
    if not message:
        if data.strip():
            message = f"HTTP {label} without an error message; body: {snippet(data)}"
        else:
            message = f"HTTP {label} with an empty body"
    if 300 <= status < 400:
        message += _redirect_note(status, headers)
    message += cut
    response = HTTPResponse(
        status,
        headers,
        data,
        request=request.view(),
        reason_phrase=reason or "",
        elapsed=timedelta(seconds=elapsed),
    )
    cls = status_error_class(status)
    return cls(message, response=response, body=body, error=error)


# -- a 2xx answer to a streaming request that is not an event stream ----------------------------------------------


def is_event_stream(headers: Mapping[str, str]) -> bool:
    """Whether a 2xx answer to a streaming request is to be read as an event stream: its ``Content-Type`` is
    ``text/event-stream``, or it has none (a server that leaves it out is given the benefit of the doubt)."""
    content_type = headers.get("content-type")
    return content_type is None or content_type.partition(";")[0].strip().lower() in ("text/event-stream", "")


def not_an_event_stream(
    op: Operation,
    request: PreparedRequest,
    status: int,
    reason: str | None,
    headers: Mapping[str, str],
    data: bytes,
    elapsed: float,
    *,
    complete: bool = True,
) -> APIError:
    """The error for a 2xx answer to a streaming request whose ``Content-Type`` is not ``text/event-stream``.

    Reported as what it is, never as a truncated stream (``IncompleteStreamError``, which retry wrappers retry):
    a JSON error (``{"error": {...}}``) is a ``StreamError`` with the server's message and code; a JSON result of
    the operation (a server that does not stream answered with the whole completion) and anything else is an
    ``APIResponseValidationError`` naming the content type. Neither is retried.
    """
    data, cut = _cut(request.redact(data), headers, complete)
    content_type = headers.get("content-type") or ""
    view = request.view()
    request_id = headers.get("x-request-id")
    if not cut and _looks_like_json(data):
        message, body, error = ErrorBody.parse(data)
        if isinstance(body, dict) and body.get("error"):
            text = message or f"the server answered with an error: {snippet(data)}"
            return StreamError(
                f"{text} (a {status} answer with Content-Type {content_type!r} instead of an event stream)",
                body=body.get("error"),
                error=error,
                request_id=request_id,
                request=view,
            )
        what = _decodes_as(op, data)
        if what:
            detail = f"a complete {what} (JSON), not an event stream: the server does not stream this request"
        else:
            detail = f"JSON that is not an event stream: {snippet(data)}"
    else:
        detail = f"a body that is not an event stream: {snippet(data)}"
    response = HTTPResponse(
        status, headers, data, request=view, reason_phrase=reason or "", elapsed=timedelta(seconds=elapsed)
    )
    return APIResponseValidationError(
        f"the {status} answer to a streaming {op.name} request has Content-Type {content_type!r}, not "
        f"text/event-stream; it holds {detail}{cut}",
        status_code=status,
        headers=headers,
        body=snippet(data, 2000),
        request_id=request_id,
        response=response,
        request=view,
    )


def _looks_like_json(data: bytes) -> bool:
    return data.lstrip()[:1] in (b"{", b"[")


def _decodes_as(op: Operation, data: bytes) -> str | None:
    """The name of ``op``'s result type if ``data`` decodes as one, else None."""
    if op.response_type is None:
        return None
    try:
        op.response_decoder.decode(data)
    except MALFORMED:
        return None
    return getattr(op.response_type, "__name__", None)
