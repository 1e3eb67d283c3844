"""The async client's transport: one aiohttp session (its C HTTP parser), proxies, TLS, timeouts, and mapping
aiohttp's exceptions to fastgroq's. It moves bytes and decides nothing (the core does: ``_outcome``, ``_retry``,
``_stream_decoder``).

aiohttp is the optional extra ``fastgroq[aiohttp]``: it is imported when an ``AsyncGroq`` is built, never by
``import fastgroq``. The session is made on the first request, inside the event loop that sends it, and
belongs to that loop: a request from another loop raises a ``GroqError`` that says so, instead of hanging on
connections bound to the first loop (openai-python #769). When ``asyncio.run`` shuts that loop down, the
session is closed inside it (an async generator the loop finalizes), so a client nobody closed leaves no
"Event loop is closed" or "Unclosed client session" noise at exit (#1254).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import os
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from ._constants import Timeout
from ._exceptions import APIConnectionError, APITimeoutError, GroqError
from ._transport_urllib3 import _redact_userinfo as redact_userinfo

if TYPE_CHECKING:
    import ssl

    import aiohttp

    from ._http import HTTPRequest
    from ._request import PreparedRequest

__all__ = ["AsyncTransport", "async_transport_errors", "wrap_async_transport_error"]

_NO_CONTENT_TYPE = ("Content-Type",)
EXTRA_HINT = "pip install 'fastgroq[aiohttp]'"


def import_aiohttp() -> Any:
    """The aiohttp module, or a ``GroqError`` naming the extra that installs it."""
    try:
        import aiohttp
    except ImportError as exc:
        raise GroqError(f"AsyncGroq needs aiohttp, the optional extra of fastgroq: {EXTRA_HINT}") from exc
    return aiohttp


async def _close_at_loop_shutdown(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    """Started when the session is made; the loop finalizes unfinished async generators when ``asyncio.run``
    (or ``loop.shutdown_asyncgens()``) shuts it down, which runs this ``finally`` inside the loop."""
    try:
        yield
    finally:
        if not session.closed:
            await session.close()


class AsyncTransport:
    """One aiohttp session shared by a client and every ``with_options`` copy of it, bound to one event loop."""

    def __init__(
        self,
        *,
        proxy: str | None = None,
        verify: bool | str | ssl.SSLContext = True,
        max_connections: int = 100,
        trust_env: bool = True,
    ) -> None:
        if isinstance(max_connections, bool) or not isinstance(max_connections, int) or max_connections < 1:
            raise ValueError(f"max_connections must be a positive int, got {max_connections!r}")
        self._aiohttp = import_aiohttp()
        self._proxy_given = proxy
        self._trust_env = trust_env
        self._proxy_for_origin: dict[tuple[str, str], str | None] = {}
        self.closed = False
        self._pid = os.getpid()
        self._verify = verify
        self._ssl: Any = None
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closer: AsyncGenerator[None, None] | None = None
        self._timeouts: dict[Timeout, aiohttp.ClientTimeout] = {}
        self._urls: dict[str, Any] = {}

    @property
    def proxy_description(self) -> str | None:
        """The explicit proxy with any credentials masked (for reprs)."""
        return None if self._proxy_given is None else redact_userinfo(self._proxy_given)

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop the session belongs to (None before the first request)."""
        return self._loop

    async def session(self) -> aiohttp.ClientSession:
        """The session of the running loop, made on first use; a ``GroqError`` from any other loop."""
        loop = asyncio.get_running_loop()
        if self._pid != os.getpid():
            self._forked()
        current = self._session
        if current is not None and self._loop is loop and not current.closed:
            return current
        if self._loop is not None and self._loop is not loop:
            if not self._loop.is_closed():
                raise GroqError(
                    "this AsyncGroq client is in use in another event loop, and its connections belong to that "
                    "loop; make one client per event loop (for example inside the coroutine asyncio.run runs)"
                )
            # Its loop is gone, and its connections with it: start over in this one.
            self._drop_closed_loop()
        aio = self._aiohttp
        connector = aio.TCPConnector(limit=self._max_connections)
        session: aiohttp.ClientSession = aio.ClientSession(
            connector=connector,
            cookie_jar=aio.DummyCookieJar(),
            trust_env=False,  # proxies are chosen per request, as the sync client chooses them (_proxies)
            auto_decompress=True,
        )
        self._session, self._loop = session, loop
        _LIVE.add(self)
        closer = _close_at_loop_shutdown(session)
        await closer.asend(None)
        self._closer = closer
        return session

    def timeout(self, timeout: Timeout) -> aiohttp.ClientTimeout:
        """aiohttp's timeout for ours: ``sock_connect`` to connect, ``sock_read`` between two reads."""
        converted = self._timeouts.get(timeout)
        if converted is None:
            converted = self._aiohttp.ClientTimeout(
                total=None, connect=None, sock_connect=timeout.connect, sock_read=timeout.read
            )
            if len(self._timeouts) < 64:
                self._timeouts[timeout] = converted
        return converted

    def _proxy(self, scheme: str, host: str) -> str | None:
        """The proxy for ``scheme://host`` (``proxy=``, else the environment as the core reads it: ``_proxies``);
        aiohttp sends the credentials of its URL as ``Proxy-Authorization``."""
        url = self._proxy_given
        if url is None and self._trust_env:
            key = (scheme, host)
            try:
                url = self._proxy_for_origin[key]
            except KeyError:
                from urllib.request import getproxies

                from ._proxies import proxy_for

                url = self._proxy_for_origin[key] = proxy_for(scheme, host, getproxies())
        if url is not None and url.startswith("socks"):
            error = APIConnectionError(f"proxy {redact_userinfo(url)}: SOCKS proxies need the sync client (Groq)")
            error.retryable = False
            raise error
        return url

    def _tls(self) -> Any:
        """aiohttp's ``ssl=`` for ``verify``, built on the first https request (as urllib3 loads CAs late)."""
        if self._ssl is None:
            try:
                self._ssl = _ssl_setting(self._verify)
            except (OSError, ValueError) as exc:
                error = APIConnectionError(f"TLS error: cannot use verify={self._verify!r}: {exc}")
                error.retryable = False
                raise error from exc
        return self._ssl

    def _url(self, url: str) -> Any:
        """yarl's URL of ``url``, already percent-encoded by ``_request`` (cached: a client calls few URLs)."""
        parsed = self._urls.get(url)
        if parsed is None:
            from yarl import URL

            parsed = URL(url, encoded=True)
            if len(self._urls) < 256:
                self._urls[url] = parsed
        return parsed

    async def send(self, request: PreparedRequest) -> aiohttp.ClientResponse:
        """Send ``request`` once (no retry, no redirect); the response comes back with its body unread."""
        session = await self.session()
        scheme, host = request.origin
        proxy = self._proxy(scheme, host)
        headers = request.headers
        content = request.content
        data: Any = content
        if content is not None and not isinstance(content, bytes):
            # An upload goes out part by part, its files read block by block (Content-Length set when known).
            data = _aiter(content.chunks())
        if not any(name.lower() == "accept-encoding" for name in headers):
            # What http.client (the sync client) sends when no encoding is asked for; aiohttp would ask for gzip.
            headers = {**headers, "Accept-Encoding": "identity"}
        return await session.request(
            request.method,
            self._url(request.url),
            data=data,
            headers=headers,
            allow_redirects=False,
            proxy=proxy,
            ssl=self._tls() if scheme == "https" else True,
            timeout=self.timeout(request.timeout),
            # aiohttp would label a bodiless POST application/octet-stream; the sync client sends no type.
            skip_auto_headers=None if content is not None else _NO_CONTENT_TYPE,
        )

    async def close(self) -> None:
        """Close every connection (the client refuses to send afterwards)."""
        self.closed = True
        session, closer = self._session, self._closer
        self._session = self._closer = None
        self._loop = None
        if session is not None and not session.closed:
            await session.close()
        if closer is not None:
            with contextlib.suppress(Exception):
                await closer.aclose()

    def _forked(self) -> None:
        """This process is a child forked from the one that made the session: start a fresh one.

        The pooled sockets are shared with the parent, which still uses them: the inherited session is dropped,
        not closed (nothing is sent or shut down), and marked closed so that aiohttp does not report it.
        """
        session = self._session
        self._session = self._closer = None
        self._loop = None
        self._pid = os.getpid()
        connector = session.connector if session is not None else None
        if connector is not None:
            with contextlib.suppress(Exception):
                connector._conns.clear()
                connector._acquired.clear()
                connector._closed = True

    def _drop_closed_loop(self) -> None:
        """Forget a session whose event loop is closed, closing its sockets without that loop."""
        session = self._session
        self._session = self._closer = None
        self._loop = None
        if session is not None and not session.closed:
            with contextlib.suppress(Exception):
                _close_without_loop(session)


# Sessions in use, for the exit hook below (weakly: a collected transport needs nothing).
_LIVE: weakref.WeakSet[AsyncTransport] = weakref.WeakSet()


@atexit.register
def _close_orphans() -> None:
    """At exit, the sessions whose loop was closed without closing them (``loop.close()`` by hand, not
    ``asyncio.run``, which closes them itself): close their sockets quietly, so aiohttp does not report
    "Unclosed client session" and no "Event loop is closed" traceback appears (openai-python #1254)."""
    for transport in list(_LIVE):
        loop = transport.loop
        if loop is not None and loop.is_closed():
            transport._drop_closed_loop()


def _close_without_loop(session: aiohttp.ClientSession) -> None:
    """Close a session of a closed loop: closing a transport would schedule a callback on that loop ("Event loop
    is closed"), so the sockets themselves are closed, and the session marked closed without the loop."""
    connector = session.connector
    if connector is None:
        return
    protocols = [proto for conns in connector._conns.values() for proto, _ in conns]
    protocols += list(connector._acquired)
    for proto in protocols:
        # The selector transport's own socket (get_extra_info gives a wrapper that cannot close).
        sock = getattr(proto.transport, "_sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
    connector._conns.clear()
    connector._acquired.clear()
    connector._closed = True  # releases of responses still alive return at once


async def _aiter(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def _ssl_setting(verify: bool | str | ssl.SSLContext) -> Any:
    """aiohttp's ``ssl=`` for ``verify``: True (default CAs), False, a CA bundle file or directory, a context."""
    if verify is True:
        return True
    if verify is False:
        return False
    if isinstance(verify, str):
        import os
        import ssl

        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    return verify


@functools.cache
def async_transport_errors() -> tuple[type[BaseException], ...]:
    """The exception types a request or a read can raise for network reasons (for ``except``)."""
    import aiohttp

    return (aiohttp.ClientError, OSError, asyncio.TimeoutError)


def wrap_async_transport_error(
    exc: BaseException, *, request_id: str | None = None, request: HTTPRequest | None = None
) -> APIConnectionError:
    """The fastgroq error for an aiohttp exception (the caller chains it with ``from exc``)."""
    import ssl

    import aiohttp

    if isinstance(exc, aiohttp.ClientHttpProxyError) and 400 <= exc.status < 500:
        # The proxy answered the CONNECT with a 4xx (407: credentials missing or wrong; 403: not allowed): the same
        # request gets the same answer, so it is not retried.
        hint = " (check the credentials in the proxy URL)" if exc.status == 407 else ""
        error = APIConnectionError(
            f"The proxy refused to open a tunnel: {exc.status} {exc.message}{hint}",
            request_id=request_id,
            request=request,
        )
        error.retryable = False
        return error
    if isinstance(exc, aiohttp.ClientPayloadError) and "content-encoding" in str(exc).lower():
        # A body whose Content-Encoding (gzip, deflate) does not decode: the same request gets the same answer.
        error = APIConnectionError(
            f"The response body could not be decompressed: {exc}", request_id=request_id, request=request
        )
        error.retryable = False
        return error
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return APITimeoutError(f"Request timed out while connecting: {exc}", request_id=request_id, request=request)
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return APITimeoutError("Request timed out while reading the response.", request_id=request_id, request=request)
    if isinstance(exc, (aiohttp.ClientSSLError, ssl.SSLError)):
        error = APIConnectionError(f"TLS error: {exc}", request_id=request_id, request=request)
        if isinstance(exc, (aiohttp.ClientConnectorCertificateError, ssl.SSLCertVerificationError)):
            # A certificate that failed verification fails the same way on every retry.
            error.retryable = False
        return error
    if isinstance(exc, aiohttp.ClientPayloadError):
        return APIConnectionError(
            f"Connection broken: the response ended early ({exc})", request_id=request_id, request=request
        )
    text = str(exc)
    return APIConnectionError(
        f"Connection error: {text}" if text else f"Connection error: {exc!r}", request_id=request_id, request=request
    )
