"""Shared helpers for the end-to-end client tests (tests/test_client_*.py).

Everything runs against real HTTP servers on 127.0.0.1: `fastgroq.testing.MockGroqServer` for the API, and
`ForwardingProxy` (below) for proxy tests. Nothing here monkeypatches the transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.client
import inspect
import socket
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import fastgroq
from fastgroq import Groq, Timeout
from fastgroq.testing import MockGroqServer

API_KEY = "gsk_TESTKEY_0123456789abcdefSECRET"
MODEL = "llama-3.3-70b-versatile"
MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "Hello"}]

# Generous: nothing in a passing test waits on these; they only bound a broken run.
CONNECT = 2.0
READ = 5.0


def serve() -> Iterator[MockGroqServer]:
    """Body of a `server` fixture: a fresh MockGroqServer per test (cheap: one thread, one socket)."""
    with MockGroqServer() as server:
        yield server
        assert not server.errors, f"mock server errors: {server.errors!r}"


# Which client the behaviour tests drive: "sync" (Groq) or "async" (AsyncGroq through `SyncView`). The tests of
# tests/sync_client/ run once per kind (its conftest.py sets this per test); a test about the sync client alone
# is marked `sync_only`.
CLIENT_KIND: dict[str, Any] = {"kind": "sync", "made": 0}


def make_client(server: MockGroqServer, **options: Any) -> Groq:
    """A client for `server` with no retries and short-but-safe timeouts, unless overridden.

    Under the "async" kind it is an ``AsyncGroq`` seen through ``SyncView``: the same calls, run on the
    test session's event loop.
    """
    options.setdefault("api_key", API_KEY)
    options.setdefault("base_url", server.base_url)
    options.setdefault("max_retries", 0)
    options.setdefault("timeout", Timeout(connect=CONNECT, read=READ))
    options.setdefault("trust_env", False)
    return make_groq(**options)


def make_groq(*args: Any, **options: Any) -> Groq:
    """``Groq(...)``, or under the "async" kind ``AsyncGroq(...)`` behind a ``SyncView``."""
    if CLIENT_KIND["kind"] == "async":
        CLIENT_KIND["made"] += 1
        return cast(Groq, SyncView(fastgroq.AsyncGroq(*args, **options)))
    return Groq(*args, **options)


# What a test may find, whichever client it drives (no narrowing: the test keeps the sync client's types).
def is_stream(obj: object) -> bool:
    return isinstance(obj, (fastgroq.Stream, fastgroq.AsyncStream))


def is_raw_response(obj: object) -> bool:
    return isinstance(obj, (fastgroq.RawResponse, fastgroq.AsyncRawResponse))


def is_binary_response(obj: object, *, streamed: bool = False) -> bool:
    from fastgroq._async_response import AsyncBinaryAPIResponse, AsyncStreamedBinaryAPIResponse
    from fastgroq._response import BinaryAPIResponse, StreamedBinaryAPIResponse

    if streamed:
        return isinstance(obj, (StreamedBinaryAPIResponse, AsyncStreamedBinaryAPIResponse))
    return isinstance(obj, (BinaryAPIResponse, AsyncBinaryAPIResponse))


def is_client(obj: object) -> bool:
    return isinstance(obj, (fastgroq.Groq, fastgroq.AsyncGroq))


class ClientPerKind:
    """For a module-scoped fixture: one client of each kind, built on first use by the test that needs it.

    It stands for the current kind's client (attributes are that client's), so a test body written for one
    client (``server, client = loopback``) drives whichever kind the test runs with.
    """

    def __init__(self, factory: Callable[[], Groq]) -> None:
        self._factory = factory
        self._clients: dict[str, Groq] = {}

    def get(self) -> Groq:
        kind = CLIENT_KIND["kind"]
        if kind not in self._clients:
            self._clients[kind] = self._factory()
        elif kind == "async":
            CLIENT_KIND["made"] += 1
        return self._clients[kind]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)

    def as_client(self) -> Groq:
        return cast(Groq, self)


def is_async() -> bool:
    return bool(CLIENT_KIND["kind"] == "async")


# --- the async client with the sync client's call shape -------------------------------------------------------

_T = TypeVar("_T")


class EventLoopThread:
    """One event loop in a daemon thread for the whole test session: ``run(coro)`` from any thread."""

    _loop: asyncio.AbstractEventLoop | None = None
    _lock = threading.Lock()

    @classmethod
    def loop(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="async-client-tests", daemon=True).start()
                cls._loop = loop
            return cls._loop

    @classmethod
    def run(cls, coro: Coroutine[Any, Any, _T]) -> _T:
        # Generous: it only bounds a broken run (the tests' own timeouts are far shorter).
        return asyncio.run_coroutine_threadsafe(coro, cls.loop()).result(timeout=60)


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _sync_iter(agen: AsyncIterator[Any]) -> Iterator[Any]:
    while True:
        try:
            item = EventLoopThread.run(_await(agen.__anext__()))
        except StopAsyncIteration:
            return
        yield wrap(item)


_VIEWS: weakref.WeakValueDictionary[int, SyncView] = weakref.WeakValueDictionary()


def wrap(value: Any) -> Any:
    """``value``, or a ``SyncView`` of it when it is one of the async client's objects (the same view while
    one lives, so ``raw.parse() is raw.parse()`` holds as it does for the object itself)."""
    module = type(value).__module__
    if module.startswith("fastgroq.") and "._async" in module:  # fastgroq._async_groq, ...chat._async_completions
        view = _VIEWS.get(id(value))
        if view is None:
            view = _VIEWS[id(value)] = SyncView(value)
        return view
    if inspect.isasyncgen(value):
        return _sync_iter(value)
    return value


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        result = EventLoopThread.run(_await(result))
    return wrap(result)


class SyncView:
    """An ``AsyncGroq`` (or a resource, ``AsyncStream``, ``AsyncRawResponse``, ... of it) with the sync
    client's call shape: every coroutine is run to completion on the test session's event loop
    (``EventLoopThread``), async iterators become iterators, ``async with`` becomes ``with``.

    It lets each behaviour test of tests/sync_client/ drive the async client's real code (aiohttp, its event
    loop, AsyncStream) unchanged. ``isinstance(view, AsyncStream)`` holds for a view of an ``AsyncStream``.
    """

    __slots__ = ("__weakref__", "_target")

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "_target", target)

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return type(self._target)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value) and not isinstance(value, type):
            return functools.partial(_call, value)
        return wrap(value)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __repr__(self) -> str:
        return repr(self._target)

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        try:
            return EventLoopThread.run(_await(self._target.__anext__()))
        except StopAsyncIteration:
            raise StopIteration from None

    def __enter__(self) -> Any:
        return wrap(EventLoopThread.run(_await(self._target.__aenter__())))

    def __exit__(self, *exc_info: Any) -> None:
        EventLoopThread.run(_await(self._target.__aexit__(*exc_info)))


def client_fixture(server: MockGroqServer) -> Iterator[Groq]:
    client = make_client(server)
    try:
        yield client
    finally:
        client.close()


def create(client: Groq, **params: Any) -> Any:
    params.setdefault("model", MODEL)
    params.setdefault("messages", MESSAGES)
    return client.chat.completions.create(**params)


def wait_until(predicate: Callable[[], bool], *, timeout: float = 10.0, message: str = "condition") -> None:
    """Poll `predicate` until true. The deadline only bounds a broken run; it is not a timing assertion."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} did not happen within {timeout} s")
        time.sleep(0.01)


def free_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_fastgroq_error(exc: BaseException) -> None:
    """The error is fastgroq's own, and no urllib3/msgspec/http.client exception type escaped."""
    assert isinstance(exc, fastgroq.GroqError), f"{type(exc).__module__}.{type(exc).__name__} escaped"
    assert type(exc).__module__.startswith("fastgroq"), type(exc)


# --- a tiny forwarding HTTP proxy -----------------------------------------------------------------------------


def _forward_absolute_form(handler: BaseHTTPRequestHandler) -> None:
    """What a plain-HTTP proxy does with an absolute-form request (``POST http://host:port/path``): send it on
    without the hop-by-hop and proxy headers, and answer with the upstream's reply (its body re-framed with a
    Content-Length)."""
    target = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else None
    skip = ("proxy-connection", "proxy-authorization", "connection", "host")
    headers = {k: v for k, v in handler.headers.items() if k.lower() not in skip}
    conn = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
    try:
        path = target.path + (f"?{target.query}" if target.query else "")
        conn.request(handler.command, path, body=body, headers=headers)
        upstream = conn.getresponse()
        data = upstream.read()
        handler.send_response(upstream.status, upstream.reason)
        for name, value in upstream.getheaders():
            if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    finally:
        conn.close()


class ForwardingProxy:
    """A plain-HTTP forward proxy on loopback: records each request line, forwards, relays the reply.

    Only what the tests need: absolute-form requests (``POST http://host:port/path HTTP/1.1``) to an
    ``http://`` origin; the whole response is buffered and relayed with Content-Length.
    """

    def __init__(self) -> None:
        self.request_lines: list[str] = []
        self.headers_seen: list[dict[str, str]] = []  # names lowercased
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                with owner._lock:
                    owner.request_lines.append(self.requestline)
                    owner.headers_seen.append({k.lower(): v for k, v in self.headers.items()})
                _forward_absolute_form(self)

            do_GET = do_POST = _forward

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> ForwardingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        with contextlib.suppress(RuntimeError):
            self._thread.join(timeout=5)


# --- a CONNECT (tunnelling) proxy, with optional basic authentication -------------------------------------------


class TunnelProxy:
    """An HTTP proxy on loopback that answers ``CONNECT host:port`` (HTTPS through a proxy) and, like
    ``ForwardingProxy``, forwards plain-HTTP absolute-form requests.

    With ``credentials=("user", "pass")`` it answers 407 to a request without the matching
    ``Proxy-Authorization: Basic ...`` header. Records each request line and whether it was authorized.
    """

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        import base64

        self.request_lines: list[str] = []
        self.authorized: list[bool] = []
        self._lock = threading.Lock()
        expected = None
        if credentials is not None:
            expected = "Basic " + base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _allowed(self) -> bool:
                ok = expected is None or self.headers.get("Proxy-Authorization") == expected
                with owner._lock:
                    owner.request_lines.append(self.requestline)
                    owner.authorized.append(ok)
                if not ok:
                    body = b"proxy authentication required"
                    self.send_response(407, "Proxy Authentication Required")
                    self.send_header("Proxy-Authenticate", 'Basic realm="test"')
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                return ok

            def do_CONNECT(self) -> None:
                if not self._allowed():
                    return
                host, _, port = self.path.rpartition(":")
                try:
                    upstream = socket.create_connection((host, int(port)), timeout=10)
                except OSError:
                    self.send_error(502)
                    return
                self.send_response(200, "Connection established")
                self.end_headers()
                self.close_connection = True
                _relay(self.connection, upstream)

            def _forward(self) -> None:
                if self._allowed():
                    _forward_absolute_form(self)

            do_GET = do_POST = _forward

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> TunnelProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        with contextlib.suppress(RuntimeError):
            self._thread.join(timeout=5)


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes (the tunnel of a CONNECT)."""
    import selectors

    with upstream, selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while True:
            for key, _ in selector.select(timeout=10):
                source = key.fileobj
                assert isinstance(source, socket.socket)
                try:
                    data = source.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                key.data.sendall(data)
