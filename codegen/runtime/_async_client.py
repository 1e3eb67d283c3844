"""``AsyncAPIClient``: the asyncio client over aiohttp (the generated ``AsyncGroq`` subclasses it).

The same driver as ``SyncAPIClient`` with ``await``: build the request (``BaseClient.build_request``), send
it through the transport, follow redirects (``BaseClient._redirected``), ask the retry policy after a failure
and ``asyncio.sleep`` what it says, and hand the status, headers and body to ``_outcome`` (or the body to an
``AsyncStream``). Every decision is the core's.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from ._async_response import AsyncBinaryAPIResponse, AsyncRawResponse, AsyncStreamedBinaryAPIResponse
from ._async_streaming import AsyncStream
from ._base_client import BaseClient
from ._constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, MAX_ERROR_BODY, MAX_REDIRECTS, Timeout, TimeoutLike
from ._exceptions import APIConnectionError, APIStatusError, GroqError
from ._logs import DEBUG, logger
from ._outcome import REDIRECT_STATUSES, ErrorBody, decode_body, is_event_stream, not_an_event_stream, status_error
from ._stream_decoder import StreamDecoder
from ._transport_aiohttp import AsyncTransport, async_transport_errors, wrap_async_transport_error

if TYPE_CHECKING:
    import ssl

    import aiohttp

    from ._operation import Operation
    from ._request import PreparedRequest, RequestOptions

__all__ = ["DEFAULT_ASYNC_MAX_CONNECTIONS", "AsyncAPIClient"]

_C = TypeVar("_C", bound="AsyncAPIClient")

DEFAULT_ASYNC_MAX_CONNECTIONS = 1000
"""Connections at once: openai-python's async limit (groq 1.7.0 allows 100 and keeps 20 alive). One task per
request in flight needs one connection, and tasks are cheap, so the limit is set high."""


class AsyncAPIClient(BaseClient):
    """The configuration of ``BaseClient``, sent over one aiohttp session (see ``BaseClient`` for the arguments).

    Build it anywhere (no event loop needed); its first request binds it to the running event loop.
    """

    _transport: AsyncTransport

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | Timeout | TimeoutLike | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        proxy: str | None = None,
        verify: bool | str | ssl.SSLContext = True,
        max_connections: int = DEFAULT_ASYNC_MAX_CONNECTIONS,
        trust_env: bool = True,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            proxy=proxy,
            verify=verify,
            max_connections=max_connections,
            trust_env=trust_env,
        )

    def _make_transport(
        self, *, proxy: str | None, verify: bool | str | ssl.SSLContext, max_connections: int, trust_env: bool
    ) -> AsyncTransport:
        return AsyncTransport(proxy=proxy, verify=verify, max_connections=max_connections, trust_env=trust_env)

    async def close(self) -> None:
        """Close the client: a request made with it afterwards raises ``GroqError``. The connections are closed by
        the client that created the session (closing a ``with_options`` copy closes only the copy)."""
        self._closed = True
        if self._owns_transport:
            await self._transport.close()

    async def __aenter__(self: _C) -> _C:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def request(
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
        """Send ``op`` and return its decoded result, as ``SyncAPIClient.request`` does (an ``AsyncStream`` when
        ``stream`` is true, an ``AsyncRawResponse`` when ``raw`` or ``streaming_response`` is)."""
        prepared = self.build_request(
            op, path_params=path_params, query=query, body=body, stream=stream, options=options
        )
        retry = self.retry_policy(options)
        while True:
            start = time.monotonic()
            try:
                return await self._attempt(op, prepared, retry.retries_taken, raw, streaming_response)
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
                self._log_retry(prepared, retry, error)
                if retry.sleep > 0:
                    await asyncio.sleep(retry.sleep)

    async def _attempt(
        self, op: Operation, request: PreparedRequest, retries_taken: int, raw: bool, streaming_response: bool
    ) -> Any:
        """One attempt (redirects followed): the result, or an ``APIError`` for the retry policy to judge."""
        log = logger()
        start = time.monotonic()
        response, sent = await self._open(request)
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
                return await self._stream_result(op, response, elapsed, sent, raw or streaming_response, retries_taken)
            return self._raw_result(op, response, None, elapsed, sent, retries_taken)
        if not 200 <= status < 300:
            # An error body is read up to MAX_ERROR_BODY: a 100 MB page from a proxy is not kept whole.
            data, complete = await _read_at_most(response, MAX_ERROR_BODY, headers, sent)
            raise status_error(sent, status, response.reason, headers, data, elapsed, complete=complete)
        try:
            data = await response.read()
        except async_transport_errors() as exc:
            response.close()
            raise wrap_async_transport_error(exc, request_id=headers.get("x-request-id"), request=sent.view()) from exc
        except BaseException:
            response.close()
            raise
        response.release()
        if raw or sent.result == "binary":
            return self._raw_result(op, response, data, elapsed, sent, retries_taken)
        return decode_body(op, sent, status, response.reason, headers, data, elapsed)

    async def _open(self, request: PreparedRequest) -> tuple[aiohttp.ClientResponse, PreparedRequest]:
        """Send one request and follow redirects, at most ``MAX_REDIRECTS``; transport failures become
        ``APIConnectionError``."""
        first = request
        errors = async_transport_errors()
        try:
            for hop in range(MAX_REDIRECTS + 1):
                response = await self._transport.send(request)
                location = response.headers.get("location") if response.status in REDIRECT_STATUSES else None
                if not location:
                    return response, request
                # A redirect's body is short: read it so the connection goes back to the pool.
                try:
                    await response.read()
                    response.release()
                except errors:
                    response.close()
                request = self._redirected(request, response.status, location, hop)
        except errors as exc:
            if isinstance(exc, GroqError):  # pragma: no cover - fastgroq's own errors are not transport errors
                raise
            raise wrap_async_transport_error(exc, request=first.view()) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _raw_result(
        self,
        op: Operation,
        response: aiohttp.ClientResponse,
        data: bytes | None,
        elapsed: float,
        request: PreparedRequest,
        retries_taken: int,
    ) -> AsyncRawResponse[Any]:
        """An ``AsyncRawResponse`` for a non-stream 2xx: with its body read (``data``), or unread (None).

        A binary answer is an ``AsyncBinaryAPIResponse`` (read), or an ``AsyncStreamedBinaryAPIResponse`` (unread).
        """
        reason = response.reason
        view = request.view()

        async def parse(r: AsyncRawResponse[Any]) -> Any:
            body = await r.read()
            if request.result == "binary":
                return body
            return decode_body(op, request, r.status_code, reason, r.headers, body, elapsed, view=view)

        cls: type[AsyncRawResponse[Any]] = AsyncRawResponse
        if request.result == "binary":
            cls = AsyncBinaryAPIResponse if data is not None else AsyncStreamedBinaryAPIResponse
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

    async def _stream_result(
        self,
        op: Operation,
        response: aiohttp.ClientResponse,
        elapsed: float,
        request: PreparedRequest,
        raw: bool,
        retries_taken: int,
    ) -> Any:
        """An ``AsyncStream`` over a 2xx event stream, or (``raw``) an ``AsyncRawResponse`` whose ``parse()`` makes it."""
        try:
            op.stream_batch_decoder  # noqa: B018 - fails for an operation that does not stream
        except GroqError:
            response.close()
            raise

        async def make_stream(r: AsyncRawResponse[Any]) -> AsyncStream[Any]:
            if not is_event_stream(r.headers):
                # Not an event stream (a JSON error or completion, an HTML page): say what it is, not "truncated".
                data, complete = await _read_at_most(r._take_body(), MAX_ERROR_BODY, r.headers, request)
                raise not_an_event_stream(
                    op, request, r.status_code, r.reason_phrase, r.headers, data, elapsed, complete=complete
                )
            decoder = StreamDecoder(
                op,
                request=r.http_request,
                status_code=r.status_code,
                headers=r.headers,
                secret=request.secret,
                error_decoder=ErrorBody.error_object,
            )
            stream: AsyncStream[Any] = AsyncStream(response=r._take_body(), raw=r, decoder=decoder)
            r._attach_stream(stream)
            return stream

        raw_response: AsyncRawResponse[Any] = AsyncRawResponse(
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
            # The body stays unread until parse() makes the stream, so read(), text() or iter_lines() work too.
            raw_response._parser = make_stream
            return raw_response
        # The stream points at its raw response; the link back is weak (see SyncAPIClient._stream_result).
        stream = await make_stream(raw_response)
        weak = weakref.ref(stream)
        raw_response._parser = lambda r: weak()
        return stream


async def _read_at_most(
    body: Any, limit: int, headers: Mapping[str, str], request: PreparedRequest
) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of a body (more only to learn it is longer), and whether that was all of it.

    A body read to its end hands the connection back to the pool; a longer one is closed, not drained.
    """
    pieces: list[bytes] = []
    size = 0
    try:
        while size <= limit:
            piece = await body.content.readany()
            if not piece:
                break
            pieces.append(piece)
            size += len(piece)
    except async_transport_errors() as exc:
        body.close()
        raise wrap_async_transport_error(exc, request_id=headers.get("x-request-id"), request=request.view()) from exc
    except BaseException:
        body.close()
        raise
    complete = size <= limit
    if complete:
        body.release()
    else:
        body.close()
    return b"".join(pieces), complete
