"""The sync client's transport: urllib3 connection pools, proxies, TLS, timeouts, and mapping urllib3's
exceptions to fastgroq's. It moves bytes and decides nothing (the core does: ``_outcome``, ``_retry``).

urllib3 is imported only when the first pool is built or the first error is mapped, never by
``import fastgroq`` (it costs ~70 ms: it pulls in ssl, http.client and email).
"""

from __future__ import annotations

import functools
import os
import re
import threading
from typing import TYPE_CHECKING, Any

from ._constants import Timeout
from ._exceptions import APIConnectionError, APITimeoutError

if TYPE_CHECKING:
    import ssl

    import urllib3

    from ._http import HTTPRequest
    from ._request import PreparedRequest

__all__ = ["Transport", "transport_errors", "wrap_transport_error"]

# http.client's message when a proxy answers a CONNECT with anything but 200.
_TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (\d{3})(.*)")


def _redact_userinfo(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    hostport, slash, path = rest.partition("/")
    if "@" in hostport:
        hostport = "***@" + hostport.rsplit("@", 1)[1]
    return f"{scheme}://{hostport}{slash}{path}"


class Transport:
    """Connection pools shared by a client and every ``with_options`` copy of it.

    One ``PoolManager`` per distinct proxy (usually exactly one). urllib3 pools are thread-safe; the
    dictionary of managers is guarded by a lock because two threads may hit a new proxy at once.
    """

    def __init__(
        self,
        *,
        proxy: str | None = None,
        verify: bool | str | ssl.SSLContext = True,
        max_connections: int = 10,
        trust_env: bool = True,
    ) -> None:
        if isinstance(max_connections, bool) or not isinstance(max_connections, int) or max_connections < 1:
            raise ValueError(f"max_connections must be a positive int, got {max_connections!r}")
        self._proxy = proxy
        self._verify = verify
        self._max_connections = max_connections
        self._trust_env = trust_env
        self._lock = threading.Lock()
        self._managers: dict[str | None, urllib3.PoolManager] = {}
        self._proxy_for_origin: dict[tuple[str, str], str | None] = {}
        self._timeouts: dict[Timeout, urllib3.Timeout] = {}
        self._no_retries: urllib3.Retry | None = None
        self.closed = False
        self._pid = os.getpid()

    def _forked(self) -> None:
        """This process is a child forked from the one that built the pools: start fresh ones.

        The pooled sockets are shared with the parent; a request on one of them could read the parent's
        response (and the parent the child's). The inherited pools are dropped, not closed: closing goes through
        urllib3's locks, which another thread of the parent may have held at the fork, and the parent still uses
        the connections. The lock is replaced for the same reason.
        """
        self._lock = threading.Lock()
        self._managers = {}
        self._pid = os.getpid()

    @property
    def proxy_description(self) -> str | None:
        """The explicit proxy with any credentials masked (for reprs)."""
        return None if self._proxy is None else _redact_userinfo(self._proxy)

    def _pool_kwargs(self) -> dict[str, Any]:
        verify = self._verify
        kwargs: dict[str, Any] = {"num_pools": 10, "maxsize": self._max_connections, "block": False}
        if verify is True:
            return kwargs
        if verify is False:
            kwargs["cert_reqs"] = "CERT_NONE"
        elif isinstance(verify, str):
            if os.path.isdir(verify):
                kwargs["ca_cert_dir"] = verify
            else:
                kwargs["ca_certs"] = verify
        else:
            kwargs["ssl_context"] = verify
        return kwargs

    def _proxy_url(self, scheme: str, host: str) -> str | None:
        if self._proxy is not None:
            return self._proxy
        if not self._trust_env:
            return None
        key = (scheme, host)
        try:
            return self._proxy_for_origin[key]
        except KeyError:
            pass
        # urllib3 ignores HTTP(S)_PROXY and NO_PROXY: the core matches them as curl does (``_proxies``).
        from urllib.request import getproxies

        from ._proxies import proxy_for

        url = proxy_for(scheme, host, getproxies())
        self._proxy_for_origin[key] = url
        return url

    def pool(self, scheme: str, host: str) -> urllib3.PoolManager:
        """The pool manager for requests to ``scheme://host`` (direct or through a proxy)."""
        if self._pid != os.getpid():
            self._forked()
        proxy = self._proxy_url(scheme, host)
        manager = self._managers.get(proxy)
        if manager is not None:
            return manager
        with self._lock:
            manager = self._managers.get(proxy)
            if manager is None:
                manager = self._managers[proxy] = self._build(proxy)
        return manager

    def _build(self, proxy: str | None) -> urllib3.PoolManager:
        import urllib3

        kwargs = self._pool_kwargs()
        if proxy is None:
            return urllib3.PoolManager(**kwargs)
        parsed = urllib3.util.parse_url(proxy)
        if parsed.scheme and parsed.scheme.startswith("socks"):
            try:
                from urllib3.contrib.socks import SOCKSProxyManager
            except ImportError as exc:  # pragma: no cover - depends on PySocks being absent
                raise APIConnectionError(
                    f"proxy {_redact_userinfo(proxy)} needs PySocks: pip install 'urllib3[socks]'"
                ) from exc
            return SOCKSProxyManager(proxy, **kwargs)
        headers = None
        if parsed.auth:
            from urllib.parse import unquote

            user, _, password = parsed.auth.partition(":")
            headers = urllib3.util.make_headers(proxy_basic_auth=f"{unquote(user)}:{unquote(password)}")
            proxy = parsed._replace(auth=None).url
        return urllib3.ProxyManager(proxy, proxy_headers=headers, **kwargs)

    @property
    def no_retries(self) -> urllib3.Retry:
        """A prebuilt "never retry, never follow redirects" policy: the client owns its retry loop.

        Passing ``retries=False`` would make urllib3 build (and debug-log) an equivalent object per request.
        """
        if self._no_retries is None:
            import urllib3

            self._no_retries = urllib3.Retry(total=False, redirect=False, raise_on_redirect=False)
        return self._no_retries

    def timeout(self, timeout: Timeout) -> urllib3.Timeout:
        """urllib3's Timeout for ours (cached: clients reuse a handful of values)."""
        converted = self._timeouts.get(timeout)
        if converted is None:
            import urllib3

            converted = urllib3.Timeout(connect=timeout.connect, read=timeout.read)
            if len(self._timeouts) < 64:
                self._timeouts[timeout] = converted
        return converted

    def send(self, request: PreparedRequest) -> urllib3.BaseHTTPResponse:
        """Send ``request`` once (no retry, no redirect) and return the response with its body unread."""
        scheme, host = request.origin
        content = request.content
        return self.pool(scheme, host).urlopen(
            request.method,
            request.url,
            # An upload goes out part by part, its files read block by block (Content-Length set when known).
            body=content if content is None or isinstance(content, bytes) else content.chunks(),
            headers=request.headers,
            retries=self.no_retries,
            redirect=False,
            preload_content=False,
            timeout=self.timeout(request.timeout),
        )

    def close(self) -> None:
        """Close every idle connection; the transport (and every client sharing it) sends nothing after this."""
        self.closed = True
        with self._lock:
            managers = list(self._managers.values())
            self._managers.clear()
        for manager in managers:
            manager.clear()


@functools.cache
def transport_errors() -> tuple[type[BaseException], ...]:
    """The exception types a request or a read can raise for network reasons (for ``except``).

    ``ValueError`` and ``OverflowError`` are what http.client raises for a chunk size that is negative or too
    big for an index (``-5``, ``ffffffffffffffffffff``) while reading a chunked body: a malformed response.
    """
    import http.client

    import urllib3.exceptions

    return (urllib3.exceptions.HTTPError, OSError, http.client.HTTPException, ValueError, OverflowError)


def wrap_transport_error(
    exc: BaseException, *, request_id: str | None = None, request: HTTPRequest | None = None
) -> APIConnectionError:
    """The fastgroq error for a transport exception (the caller chains it with ``from exc``).

    Timeouts (connect, or read, including a read that stalls mid-stream) become ``APITimeoutError``; refused,
    reset, dropped or TLS-broken connections become ``APIConnectionError``.
    """
    import http.client
    import socket
    import ssl

    import urllib3.exceptions as u3

    cause: BaseException = exc
    # urllib3 wraps the real failure once or twice (MaxRetryError -> ProxyError -> OSError, ...).
    for _ in range(4):
        if isinstance(cause, u3.MaxRetryError) and cause.reason is not None:
            cause = cause.reason
        elif isinstance(cause, u3.ProxyError) and isinstance(cause.original_error, BaseException):
            cause = cause.original_error
        elif isinstance(cause, u3.ProtocolError) and len(cause.args) > 1 and isinstance(cause.args[1], BaseException):
            cause = cause.args[1]
        else:
            break
    refused = _TUNNEL_REFUSED.search(str(cause)) if isinstance(cause, OSError) else None
    if refused and refused.group(1).startswith("4"):
        # The proxy answered the CONNECT with a 4xx (407: credentials missing or wrong; 403: not allowed): the
        # same request gets the same answer, so it is not retried.
        hint = " (check the credentials in the proxy URL)" if refused.group(1) == "407" else ""
        error = APIConnectionError(
            f"The proxy refused to open a tunnel: {refused.group(1)} {refused.group(2).strip()}{hint}",
            request_id=request_id,
            request=request,
        )
        error.retryable = False
        return error
    if isinstance(cause, u3.DecodeError):
        # A body whose Content-Encoding (gzip, deflate) does not decode: the server answered, and the same request
        # (a POST that may already be billed) gets the same answer. Not retried.
        error = APIConnectionError(
            f"The response body could not be decompressed: {cause}", request_id=request_id, request=request
        )
        error.retryable = False
        return error
    # NewConnectionError subclasses ConnectTimeoutError for backwards compatibility: test it first.
    if isinstance(cause, u3.NewConnectionError):
        return APIConnectionError(f"Connection error: {cause}", request_id=request_id, request=request)
    if isinstance(cause, u3.ConnectTimeoutError):
        return APITimeoutError(f"Request timed out while connecting: {cause}", request_id=request_id, request=request)
    if isinstance(cause, (u3.ReadTimeoutError, socket.timeout, TimeoutError)):
        return APITimeoutError("Request timed out while reading the response.", request_id=request_id, request=request)
    if isinstance(cause, http.client.IncompleteRead):
        return APIConnectionError(
            f"Connection broken: the response ended early ({len(cause.partial)} bytes read)",
            request_id=request_id,
            request=request,
        )
    if isinstance(cause, (ValueError, OverflowError)) and not isinstance(cause, u3.HTTPError):
        return APIConnectionError(
            f"Connection broken: the response's framing is invalid ({type(cause).__name__}: {cause})",
            request_id=request_id,
            request=request,
        )
    if isinstance(cause, (u3.SSLError, ssl.SSLError)):
        error = APIConnectionError(f"TLS error: {cause}", request_id=request_id, request=request)
        inner = cause.args[0] if isinstance(cause, u3.SSLError) and cause.args else cause
        if isinstance(inner, ssl.SSLCertVerificationError):
            # A certificate that failed verification fails the same way on every retry.
            error.retryable = False
        return error
    return APIConnectionError(
        f"Connection error: {cause!s}" if str(cause) else f"Connection error: {cause!r}",
        request_id=request_id,
        request=request,
    )
