"""The cold paths of a stream: what ``StreamDecoder`` builds when something is wrong.

An error the server reports inside a 200 stream (``{"error": ...}`` data, ``event: error``,
``x_groq.error``) becomes a ``StreamError``; an event that is not JSON, or lacks its envelope, an
``APIResponseValidationError``; an event that is JSON but does not match the chunk type is repaired
(``_repair``); a body that ends without ``data: [DONE]`` is an ``IncompleteStreamError``. A server may echo
the request, and so the API key, in what it reports: every text and body here has it redacted.

Each function returns the error (the decoder keeps it and the driver raises it after the chunks before it).
None of this runs while a stream is healthy.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from ._exceptions import APIResponseValidationError, IncompleteStreamError, StreamError
from ._outcome import MALFORMED, snippet

if TYPE_CHECKING:
    from ._stream_decoder import StreamDecoder

__all__ = ["chunk_error", "event_error", "incomplete", "invalid", "payload_error", "repair", "response_error"]

_REDACTED = "[REDACTED]"
_E = TypeVar("_E", bound=Exception)


def _scrub(d: StreamDecoder, payload: bytes) -> bytes:
    return payload.replace(d.secret.encode(), _REDACTED.encode()) if d.secret else payload


def _caused(error: _E, cause: BaseException) -> _E:
    """``error`` as ``raise error from cause`` would leave it."""
    error.__cause__ = cause
    error.__suppress_context__ = True
    return error


def _stream_error(
    d: StreamDecoder, message: str, body: object, index: int, *, chunk: Any = None, error: Any = None
) -> StreamError:
    if d.secret:
        message = message.replace(d.secret, _REDACTED)
        if isinstance(body, str):
            body = body.replace(d.secret, _REDACTED)
    return StreamError(
        message,
        body=body,
        error=error,
        request_id=d.request_id,
        event_index=index,
        chunk=chunk,
        request=d.request,
    )


def chunk_error(d: StreamDecoder, chunk: Any, index: int) -> StreamError:
    """A chunk whose ``x_groq.error`` is set."""
    error = chunk.x_groq.error  # a string, or an ErrorObject whose code and failed_generation matter
    if isinstance(error, str):
        return _stream_error(d, error, error, index, chunk=chunk)
    # The body as the server sent it, more or less: the typed error re-encoded, with any echoed key redacted.
    body = msgspec.json.decode(_scrub(d, msgspec.json.encode(error)))
    return _stream_error(d, error.message, body, index, chunk=chunk, error=error)


def response_error(d: StreamDecoder, event: Any, index: int, *, failed: bool) -> StreamError:
    """A Responses API ``error`` event, or a ``response.failed`` event (its ``response.error``)."""
    source = getattr(event.response, "error", None) if failed else event
    message = getattr(source, "message", None) or ("the response failed" if failed else "the stream reported an error")
    fields = {"message": message, "code": getattr(source, "code", None), "param": getattr(source, "param", None)}
    fields = {k: v for k, v in fields.items() if v is not None}
    raw = msgspec.json.encode({**fields, "type": "response_failed" if failed else "error"})
    try:
        error: Any = d.error_decoder(_scrub(d, raw))
    except msgspec.DecodeError:
        error = None
    body = msgspec.json.decode(_scrub(d, msgspec.json.encode(source))) if source is not None else None
    return _stream_error(d, str(message), body, index, chunk=event, error=error)


def _error_report(d: StreamDecoder, data: bytes) -> tuple[str, object, Any] | None:
    """(message, body, typed error) if the event payload is an error report ``{"error": ...}``, else None.

    As in the official SDK, ``body`` is the value under ``"error"`` as sent (the error object as a dict).
    """
    try:
        obj = msgspec.json.decode(data)
    except MALFORMED:
        return None
    if not isinstance(obj, dict):
        return None
    err = obj.get("error")
    if not err:
        return None
    if isinstance(err, str):
        return err, err, None
    if not isinstance(err, dict):
        return f"stream error: {snippet(data)}", err, None
    error: Any
    try:
        error = d.error_decoder(msgspec.json.encode(err))
    except MALFORMED:
        error = None
    message = err.get("message")
    return (message if isinstance(message, str) and message else f"stream error: {snippet(data)}"), err, error


def payload_error(d: StreamDecoder, payload: bytes, index: int) -> StreamError | None:
    """The ``StreamError`` of a ``data: {"error": ...}`` event; None when the payload is no error report."""
    found = _error_report(d, _scrub(d, payload))
    if found is None:
        return None
    return _stream_error(d, found[0], found[1], index, error=found[2])


def event_error(d: StreamDecoder, data: bytes, index: int) -> StreamError:
    """The ``StreamError`` of an ``event: error`` event, whatever its data holds."""
    data = _scrub(d, data)
    found = _error_report(d, data)
    if found is not None:
        return _stream_error(d, found[0], found[1], index, error=found[2])
    try:
        obj = msgspec.json.decode(data)
    except MALFORMED:
        obj = None
    if isinstance(obj, dict) and isinstance(obj.get("message"), str):
        try:
            error: Any = d.error_decoder(data)
        except MALFORMED:
            error = None
        return _stream_error(d, obj["message"], obj, index, error=error)
    text = data.decode("utf-8", "replace").strip() or "the server sent an error event"
    return _stream_error(d, text, text, index)


def invalid(d: StreamDecoder, index: int, payload: bytes, exc: Exception) -> APIResponseValidationError:
    """An event that is not a chunk at all (not JSON, or without its envelope)."""
    payload = _scrub(d, payload)
    error = APIResponseValidationError(
        f"stream event {index} is not a valid chunk ({exc}): {snippet(payload)}",
        status_code=d.status_code,
        headers=d.headers,
        body=snippet(payload, 2000),
        request_id=d.request_id,
        event_index=index,
        request=d.request,
    )
    _caused(error, exc)
    return error


def repair(d: StreamDecoder, index: int, payload: bytes, exc: msgspec.ValidationError) -> Any:
    """The chunk of an event that is JSON but did not match the chunk type, after repair; None (and
    ``d.error`` set) when it cannot be repaired."""
    from ._repair import Repair, decode_repaired, log_repairs

    if d.event_type is None:
        d.error = invalid(d, index, payload, exc)
        return None
    unknown = d.protocol.skip(payload)
    if unknown is not None:
        # An event type this version does not know (the API added one): skipped, and listed with the repairs.
        skipped = Repair("$.type", "a known event type", f'string "{unknown}"', "event skipped", d.chunks)
        d.repairs.append(skipped)
        log_repairs([skipped], f"an event of a {d.protocol.name} stream", context=f"event {index}")
        return None
    target = _member(d, payload)
    if not isinstance(target, type):
        # A union whose member the event does not name (`data: {}`, no `type`): there is nothing to repair it
        # into, so it is not an event of this stream.
        d.error = _caused(invalid(d, index, payload, exc), exc)
        return None
    try:
        chunk, found = decode_repaired(d.decoder.decode, target, payload, d.envelope)
    except MALFORMED as error:
        d.error = _caused(invalid(d, index, payload, error), exc)
        return None
    at = d.chunks
    d.repairs.extend(replace(r, chunk_index=at) for r in found)
    rid = d.request_id
    log_repairs(
        found,
        f"a {getattr(target, '__name__', 'chunk')} of a stream",
        context=f"event {index}" + (f", request id {rid}" if rid else ""),
    )
    return chunk


def _member(d: StreamDecoder, payload: bytes) -> Any:
    """The type to repair an event into: the event type, or for a union the member its ``type`` tag names."""
    members = getattr(d.protocol, "members", None)
    if not members:
        return d.event_type
    try:
        tag = msgspec.json.decode(payload)
    except MALFORMED:
        return d.event_type
    return members.get(tag.get("type")) if isinstance(tag, dict) and tag.get("type") in members else d.event_type


def incomplete(d: StreamDecoder) -> IncompleteStreamError:
    """The stream ended without its end (``data: [DONE]``, or the Responses API's terminal event)."""
    return IncompleteStreamError(
        f"the stream ended after {d.chunks} chunks without {d.protocol.terminal}; the output may be truncated",
        chunks_received=d.chunks,
        request_id=d.request_id,
        request=d.request,
    )
