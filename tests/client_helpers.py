"""Shared helpers for the end-to-end client tests (tests/test_client_*.py).

Everything runs against real HTTP servers on 127.0.0.1: `fastgroq.testing.MockGroqServer` for the API, and
`ForwardingProxy` (below) for proxy tests. Nothing here monkeypatches the transport.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
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


def make_client(server: MockGroqServer, **options: Any) -> Groq:
    """A client for `server` with no retries and short-but-safe timeouts, unless overridden."""
    options.setdefault("api_key", API_KEY)
    options.setdefault("base_url", server.base_url)
    options.setdefault("max_retries", 0)
    options.setdefault("timeout", Timeout(connect=CONNECT, read=READ))
    options.setdefault("trust_env", False)
    return Groq(**options)


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
                target = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("proxy-connection", "proxy-authorization", "connection", "host")
                }
                conn = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
                try:
                    path = target.path + (f"?{target.query}" if target.query else "")
                    conn.request(self.command, path, body=body, headers=headers)
                    upstream = conn.getresponse()
                    data = upstream.read()
                    self.send_response(upstream.status, upstream.reason)
                    for name, value in upstream.getheaders():
                        if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    conn.close()

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
                if not self._allowed():
                    return
                target = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                skip = ("proxy-connection", "proxy-authorization", "connection", "host")
                headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                conn = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
                try:
                    path = target.path + (f"?{target.query}" if target.query else "")
                    conn.request(self.command, path, body=body, headers=headers)
                    upstream = conn.getresponse()
                    data = upstream.read()
                    self.send_response(upstream.status, upstream.reason)
                    for name, value in upstream.getheaders():
                        if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    conn.close()

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
