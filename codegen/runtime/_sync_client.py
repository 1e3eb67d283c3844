"""``SyncAPIClient``: the blocking client over urllib3 (the generated ``Groq`` subclasses it).

It only drives: build the request (``BaseClient.build_request``), send it through the transport, follow
redirects (``_outcome.redirect``), ask the retry policy after a failure and sleep what it says, and hand the
status, headers and body to ``_outcome`` (or the body to a ``Stream``). Every decision is the core's.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from ._base_client import BaseClient
from ._constants import MAX_ERROR_BODY, MAX_REDIRECTS
from ._exceptions import APIConnectionError, APIError, APIStatusError, GroqError
from ._logs import DEBUG, logger
from ._outcome import (
    REDIRECT_STATUSES,
    ErrorBody,
    decode_body,
    is_event_stream,
    not_an_event_stream,
    status_error,
)
from ._response import BinaryAPIResponse, RawResponse, StreamedBinaryAPIResponse
from ._stream_decoder import StreamDecoder
from ._streaming import Stream
from ._transport_urllib3 import Transport, transport_errors, wrap_transport_error

if TYPE_CHECKING:
    import ssl

    import urllib3

    from ._operation import Operation
    from ._request import PreparedRequest, RequestOptions
    from ._retry import RetryPolicy

__all__ = ["SyncAPIClient"]

_C = TypeVar("_C", bound="SyncAPIClient")


class SyncAPIClient(BaseClient):
    """The configuration of ``BaseClient``, sent over urllib3 connection pools (see ``BaseClient`` for the arguments)."""

    _transport: Transport

    def _make_transport(
        self, *, proxy: str | None, verify: bool | str | ssl.SSLContext, max_connections: int, trust_env: bool
    ) -> Transport:
        return Transport(proxy=proxy, verify=verify, max_connections=max_connections, trust_env=trust_env)

    def close(self) -> None:
        """Close the client: a request made with it afterwards raises ``GroqError``. The pooled connections are
        closed by the client that created the pool (closing a ``with_options`` copy closes only the copy)."""
        self._closed = True
        if self._owns_transport:
            self._transport.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def request(
        self,
        op: Operation,
        *,
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, object] | None = None,
        body: object | None = None,
        stream: bool = False,
        options: RequestOptions | None = None,
        raw: bool = False,
        streaming_response: bool = False,
    ) -> Any:
        """Send ``op`` and return its decoded result (see ``BaseClient.build_request`` for the arguments).

        Returns an ``op.response_type`` instance (with ``_request_id`` set), a ``Stream`` of
        ``op.stream_event_type`` when ``stream`` is true, or a ``RawResponse`` wrapping either when ``raw``
        is true. With ``streaming_response`` (``with_streaming_response``), a ``RawResponse`` whose body is
        not read until asked.

        Raises:
            RequestValidationError: ``body`` breaks the schema (nothing was sent).
            APIStatusError: a non-2xx response, after any retries.
            APIConnectionError: the connection failed or timed out, after any retries.
            APIResponseValidationError: a 2xx body did not decode into ``op.response_type``.
        """
        prepared = self.build_request(
            op, path_params=path_params, query=query, body=body, stream=stream, options=options
        )
        retry = self.retry_policy(options)
        while True:
            start = time.monotonic()
            try:
                return self._attempt(op, prepared, retry.retries_taken, raw, streaming_response)
            except (APIConnectionError, APIStatusError) as error:
                following = retry.increment(error=error, replayable=prepared.replayable)
                if following is None:
                    if isinstance(error, APIConnectionError):
                        log = logger()
                        log.debug(
                            "%s %s failed after %.3f s: %s", op.method, prepared.url, time.monotonic() - start, error
                        )
                    raise
                retry = following
                self._sleep(prepared, retry, error)

    def _attempt(
        self, op: Operation, request: PreparedRequest, retries_taken: int, raw: bool, streaming_response: bool
    ) -> Any:
        """One attempt (redirects followed): the result, or an ``APIError`` for the retry policy to judge."""
        log = logger()
        start = time.monotonic()
        response, sent = self._open(request)
        elapsed = time.monotonic() - start
        status = response.status
        headers: Mapping[str, str] = response.headers
        if log.isEnabledFor(DEBUG):
            log.debug(
                "%s %s -> %d (request id %s, %.3f s)",
                sent.method,
                sent.url,
                status,
                headers.get("x-request-id"),
                elapsed,
            )
        if 200 <= status < 300 and (sent.stream or streaming_response):
            if sent.stream:
                return self._stream_result(op, response, elapsed, sent, raw or streaming_response, retries_taken)
            return self._raw_result(op, response, None, elapsed, sent, retries_taken)
        if not 200 <= status < 300:
            # An error body is read up to MAX_ERROR_BODY: a 100 MB page from a proxy is not kept whole.
            data, complete = _read_at_most(response, MAX_ERROR_BODY, headers, sent)
            raise status_error(sent, status, response.reason, headers, data, elapsed, complete=complete)
        try:
            data = response.read()
        except transport_errors() as exc:
            response.close()
            raise wrap_transport_error(exc, request_id=headers.get("x-request-id"), request=sent.view()) from exc
        response.release_conn()
        if raw or sent.result == "binary":
            return self._raw_result(op, response, data, elapsed, sent, retries_taken)
        return decode_body(op, sent, status, response.reason, headers, data, elapsed)

    def _open(self, request: PreparedRequest) -> tuple[urllib3.BaseHTTPResponse, PreparedRequest]:
        """Send one request and follow redirects (``_outcome.redirect``), at most ``MAX_REDIRECTS``.

        Returns the final response and the request that got it. Transport failures become ``APIConnectionError``.
        """
        first = request
        try:
            for hop in range(MAX_REDIRECTS + 1):
                response = self._transport.send(request)
                location = response.headers.get("location") if response.status in REDIRECT_STATUSES else None
                if not location:
                    return response, request
                # A redirect's body is short: read it so the connection goes back to the pool.
                try:
                    response.drain_conn()
                    response.release_conn()
                except transport_errors():
                    response.close()
                request = self._redirected(request, response.status, location, hop)
        except transport_errors() as exc:
            raise wrap_transport_error(exc, request=first.view()) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _sleep(self, request: PreparedRequest, retry: RetryPolicy, error: APIError) -> None:
        self._log_retry(request, retry, error)
        if retry.sleep > 0:
            time.sleep(retry.sleep)

    def _raw_result(
        self,
        op: Operation,
        response: urllib3.BaseHTTPResponse,
        data: bytes | None,
        elapsed: float,
        request: PreparedRequest,
        retries_taken: int,
    ) -> RawResponse[Any]:
        """A ``RawResponse`` for a non-stream 2xx: with its body read (``data``), or unread (None).

        A binary answer is a ``BinaryAPIResponse`` (read), or a ``StreamedBinaryAPIResponse`` (unread).
        """
        reason = response.reason
        view = request.view()

        def parse(r: RawResponse[Any]) -> Any:
            return decode_body(op, request, r.status_code, reason, r.headers, r.read(), elapsed, view=view)

        cls: type[RawResponse[Any]] = RawResponse
        if request.result == "binary":
            cls = BinaryAPIResponse if data is not None else StreamedBinaryAPIResponse
            parse = _read_body
        return cls(
            status_code=response.status,
            headers=response.headers,
            elapsed=elapsed,
            request=view,
            parser=parse,
            content=data,
            live=response if data is None else None,
            retries_taken=retries_taken,
            reason_phrase=reason or "",
        )

    def _stream_result(
        self,
        op: Operation,
        response: urllib3.BaseHTTPResponse,
        elapsed: float,
        request: PreparedRequest,
        raw: bool,
        retries_taken: int,
    ) -> Any:
        """A ``Stream`` over a 2xx event stream, or (``raw``) a ``RawResponse`` whose ``parse()`` makes it."""
        try:
            op.stream_batch_decoder  # noqa: B018 - fails for an operation that does not stream
        except GroqError:
            response.close()
            raise

        def make_stream(r: RawResponse[Any]) -> Stream[Any]:
            if not is_event_stream(r.headers):
                # Not an event stream (a JSON error or completion, an HTML page): say what it is, not "truncated".
                data, complete = _read_at_most(r._take_body(), MAX_ERROR_BODY, r.headers, request)
                reason = r.reason_phrase
                raise not_an_event_stream(
                    op, request, r.status_code, reason, r.headers, data, elapsed, complete=complete
                )
            decoder = StreamDecoder(
                op,
                request=r.http_request,
                status_code=r.status_code,
                headers=r.headers,
                secret=request.secret,
                error_decoder=ErrorBody.error_object,
            )
            stream: Stream[Any] = Stream(response=r._take_body(), raw=r, decoder=decoder)
            r._attach_stream(stream)
            return stream

        raw_response: RawResponse[Any] = RawResponse(
            status_code=response.status,
            headers=response.headers,
            elapsed=elapsed,
            request=request.view(),
            parser=None,
            live=response,
            retries_taken=retries_taken,
            reason_phrase=response.reason or "",
        )
        if raw:
            # The body stays unread until parse() makes the Stream, so read(), text() or iter_lines() work too.
            raw_response._parser = make_stream
            return raw_response
        # The Stream points at its RawResponse; a strong link back would make a cycle that keeps an
        # abandoned stream's connection open until the cycle collector runs, so the link back is weak.
        stream = make_stream(raw_response)
        weak = weakref.ref(stream)
        raw_response._parser = lambda r: weak()
        return stream


def _read_body(r: RawResponse[Any]) -> bytes:
    """``parse()`` of a binary answer: its bytes."""
    return r.read()


def _read_at_most(body: Any, limit: int, headers: Mapping[str, str], request: PreparedRequest) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of a body (more only to learn it is longer), and whether that was all of it.

    A body read to its end hands the connection back to the pool; a longer one is closed, not drained (draining
    100 MB to reuse one connection would cost more than a new connection).
    """
    pieces: list[bytes] = []
    size = 0
    try:
        while size <= limit:
            piece = body.read1(65536)
            if not piece:
                break
            pieces.append(piece)
            size += len(piece)
    except transport_errors() as exc:
        body.close()
        raise wrap_transport_error(exc, request_id=headers.get("x-request-id"), request=request.view()) from exc
    complete = size <= limit
    if complete:
        body.release_conn()
    else:
        body.close()
        body.release_conn()
    return b"".join(pieces), complete
