"""End-to-end tests of proxy support and TLS options, with a real forwarding proxy and TLS server on loopback."""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import msgspec
import pytest
from fastgroq import APIConnectionError, APIStatusError, Groq
from fastgroq.testing import MockGroqServer, chat_completion

from tests.client_helpers import (
    API_KEY,
    ForwardingProxy,
    TunnelProxy,
    assert_fastgroq_error,
    create,
    free_port,
    make_client,
    make_groq,
)


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    with ForwardingProxy() as p:
        yield p


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)
    return monkeypatch


# --- proxies ---------------------------------------------------------------------------------------------


def test_http_proxy_env_is_honoured(server: MockGroqServer, proxy: ForwardingProxy, proxy_env: Any) -> None:
    proxy_env.setenv("HTTP_PROXY", proxy.url)
    with make_client(server, trust_env=True) as client:
        result = create(client)
        client.models.list()
    assert result.choices[0].message.content
    assert proxy.request_lines == [
        f"POST {server.base_url}/chat/completions HTTP/1.1",
        f"GET {server.base_url}/models HTTP/1.1",
    ]
    # The proxy forwarded the request intact.
    assert [r.path for r in server.requests] == ["/openai/v1/chat/completions", "/openai/v1/models"]
    assert server.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"


def test_lowercase_http_proxy_env(server: MockGroqServer, proxy: ForwardingProxy, proxy_env: Any) -> None:
    proxy_env.setenv("http_proxy", proxy.url)
    with make_client(server, trust_env=True) as client:
        create(client)
    assert len(proxy.request_lines) == 1


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "*", "localhost,127.0.0.1"])
def test_no_proxy_bypasses_the_proxy(
    server: MockGroqServer, proxy: ForwardingProxy, proxy_env: Any, no_proxy: str
) -> None:
    proxy_env.setenv("HTTP_PROXY", proxy.url)
    proxy_env.setenv("NO_PROXY", no_proxy)
    with make_client(server, trust_env=True) as client:
        create(client)
    assert proxy.request_lines == []
    assert len(server.requests) == 1


def test_trust_env_false_ignores_proxy_env(server: MockGroqServer, proxy: ForwardingProxy, proxy_env: Any) -> None:
    proxy_env.setenv("HTTP_PROXY", proxy.url)
    with make_client(server, trust_env=False) as client:
        create(client)
    assert proxy.request_lines == []
    assert len(server.requests) == 1


def test_explicit_proxy_option(server: MockGroqServer, proxy: ForwardingProxy, proxy_env: Any) -> None:
    proxy_env.setenv("NO_PROXY", "*")  # the explicit option wins over the environment
    with make_client(server, proxy=proxy.url, trust_env=True) as client:
        create(client)
        assert proxy.url in repr(client)
    assert proxy.request_lines == [f"POST {server.base_url}/chat/completions HTTP/1.1"]
    assert len(server.requests) == 1


def test_proxy_credentials_sent_and_masked(server: MockGroqServer, proxy: ForwardingProxy) -> None:
    url = proxy.url.replace("http://", "http://user:p%40ss@")
    with make_client(server, proxy=url) as client:
        create(client)
        assert "p%40ss" not in repr(client) and "p@ss" not in repr(client)
    import base64

    expected = "Basic " + base64.b64encode(b"user:p@ss").decode()
    assert proxy.headers_seen[0].get("proxy-authorization") == expected
    assert "Proxy-Authorization" not in server.requests[0].headers


def test_unreachable_proxy_is_a_connection_error(server: MockGroqServer) -> None:
    client = make_client(server, proxy=f"http://127.0.0.1:{free_port()}")
    with client, pytest.raises(APIConnectionError) as info:
        create(client)
    assert_fastgroq_error(info.value)
    assert server.requests == []


# --- TLS options -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["false", "bundle", "directory", "context"])
def test_verify_options_accepted(server: MockGroqServer, tmp_path: Path, kind: str) -> None:
    verify: Any
    if kind == "false":
        verify = False
    elif kind == "bundle":
        verify = str(tmp_path / "ca.pem")
        Path(verify).write_text("")
    elif kind == "directory":
        verify = str(tmp_path)
    else:
        verify = ssl.create_default_context()
    with make_client(server, verify=verify) as client:
        # Plain http: the option is accepted and does not get in the way.
        assert create(client).choices
    assert len(server.requests) == 1


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(cert.pem, key.pem) for 127.0.0.1, issued by a CA made for the test (trustme); ca.pem beside them."""
    import trustme

    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    leaf.private_key_pem.write_to_path(str(key))
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    return str(cert), str(key)


@pytest.fixture
def tls_server(tls_cert: tuple[str, str]) -> Iterator[str]:
    """A minimal HTTPS server on 127.0.0.1 answering every POST with a chat completion; yields its API root."""
    cert, key = tls_cert
    body = msgspec.json.encode(chat_completion("over tls"))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}/openai/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()
        with contextlib.suppress(RuntimeError):
            thread.join(timeout=5)


def _tls_client(base_url: str, verify: Any) -> Groq:
    return make_groq(api_key=API_KEY, base_url=base_url, verify=verify, max_retries=2, timeout=5, trust_env=False)


def test_tls_with_ca_bundle(tls_server: str, tls_cert: tuple[str, str]) -> None:
    ca = str(Path(tls_cert[0]).parent / "ca.pem")
    with _tls_client(tls_server, ca) as client:
        assert create(client).choices[0].message.content == "over tls"


def test_tls_with_ssl_context(tls_server: str, tls_cert: tuple[str, str]) -> None:
    context = ssl.create_default_context(cafile=str(Path(tls_cert[0]).parent / "ca.pem"))
    with _tls_client(tls_server, context) as client:
        assert create(client).choices[0].message.content == "over tls"


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_verify_false(tls_server: str) -> None:
    with _tls_client(tls_server, False) as client:
        assert create(client).choices[0].message.content == "over tls"


def test_tls_untrusted_certificate_fails_without_retry(tls_server: str) -> None:
    with _tls_client(tls_server, True) as client, pytest.raises(APIConnectionError) as info:
        create(client)
    err = info.value
    assert_fastgroq_error(err)
    assert "TLS" in str(err) or "certificate" in str(err).lower()
    assert err.retryable is False


# --- HTTPS through a CONNECT proxy, proxy authentication, NO_PROXY with ports (issue 10, items 6 and 10) ----------


def _ca(tls_cert: tuple[str, str]) -> str:
    return str(Path(tls_cert[0]).parent / "ca.pem")


def _port(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


def _connects(tunnel: TunnelProxy) -> list[str]:
    """The targets of the CONNECT requests the proxy saw (http.client says HTTP/1.0 before 3.13, 1.1 after)."""
    return [line.split()[1] for line in tunnel.request_lines if line.startswith("CONNECT ")]


def test_https_through_a_connect_proxy(tls_server: str, tls_cert: tuple[str, str]) -> None:
    with (
        TunnelProxy() as tunnel,
        make_groq(
            api_key=API_KEY, base_url=tls_server, proxy=tunnel.url, verify=_ca(tls_cert), max_retries=0, trust_env=False
        ) as client,
    ):
        assert create(client).choices[0].message.content == "over tls"
        assert create(client).choices[0].message.content == "over tls"
    # One tunnel, reused: the TLS session runs inside it, so the proxy never sees the request or the key.
    assert _connects(tunnel) == [f"127.0.0.1:{_port(tls_server)}"]


def test_https_proxy_from_the_environment(tls_server: str, tls_cert: tuple[str, str], proxy_env: Any) -> None:
    with TunnelProxy() as tunnel:
        proxy_env.setenv("HTTPS_PROXY", tunnel.url)
        with make_groq(api_key=API_KEY, base_url=tls_server, verify=_ca(tls_cert), max_retries=0) as client:
            assert create(client).choices[0].message.content == "over tls"
        assert _connects(tunnel) == [f"127.0.0.1:{_port(tls_server)}"]


@pytest.mark.parametrize("bypass", [True, False])
def test_no_proxy_with_a_port_over_https(
    tls_server: str, tls_cert: tuple[str, str], proxy_env: Any, bypass: bool
) -> None:
    port = _port(tls_server)
    with TunnelProxy() as tunnel:
        proxy_env.setenv("HTTPS_PROXY", tunnel.url)
        proxy_env.setenv("NO_PROXY", f"example.com, 127.0.0.1:{port if bypass else port + 1}")
        with make_groq(api_key=API_KEY, base_url=tls_server, verify=_ca(tls_cert), max_retries=0) as client:
            assert create(client).choices[0].message.content == "over tls"
        assert len(tunnel.request_lines) == (0 if bypass else 1)


def test_connect_proxy_with_credentials(tls_server: str, tls_cert: tuple[str, str]) -> None:
    with TunnelProxy(credentials=("user", "p@ss w")) as tunnel:
        url = tunnel.url.replace("http://", "http://user:p%40ss%20w@")
        with make_groq(api_key=API_KEY, base_url=tls_server, proxy=url, verify=_ca(tls_cert), max_retries=0) as client:
            assert create(client).choices[0].message.content == "over tls"
            assert "p%40ss" not in repr(client) and "p@ss" not in repr(client)
    assert tunnel.authorized == [True]


@pytest.mark.parametrize("credentials", [None, ("user", "wrong")])
def test_connect_proxy_refusing_credentials_is_not_retried(
    tls_server: str, tls_cert: tuple[str, str], credentials: tuple[str, str] | None
) -> None:
    with TunnelProxy(credentials=("user", "right")) as tunnel:
        url = tunnel.url if credentials is None else tunnel.url.replace("http://", "http://user:wrong@")
        client = make_groq(api_key=API_KEY, base_url=tls_server, proxy=url, verify=_ca(tls_cert), max_retries=2)
        with client, pytest.raises(APIConnectionError) as info:
            create(client)
    err = info.value
    assert_fastgroq_error(err)
    assert "407" in str(err) and "credentials" in str(err) and "wrong" not in str(err)
    assert err.retryable is False
    assert tunnel.authorized == [False]  # one attempt: a retry gets the same 407


def test_plain_http_proxy_authentication(server: MockGroqServer) -> None:
    with TunnelProxy(credentials=("user", "right")) as tunnel:
        good = tunnel.url.replace("http://", "http://user:right@")
        with make_client(server, proxy=good) as client:
            assert create(client).choices
        with make_client(server, proxy=tunnel.url, max_retries=2) as client, pytest.raises(APIStatusError) as info:
            create(client)
    assert info.value.status_code == 407
    assert tunnel.authorized == [True, False]  # the 407 was not retried
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("entry", "bypass"),
    [
        ("127.0.0.1:{port}", True),
        ("127.0.0.1:{other}", False),
        ("localhost:{port},127.0.0.1:{port}", True),
        ("127.0.0.0/8", True),
        ("127.0.0.0/8:{other}", False),
        ("10.0.0.0/8", False),
        (".0.0.1", False),  # an address never matches by suffix
        ("[::1]:{port}", False),
        ("*", True),
    ],
)
def test_no_proxy_entries_with_ports_and_blocks(
    server: MockGroqServer, proxy: ForwardingProxy, proxy_env: Any, entry: str, bypass: bool
) -> None:
    proxy_env.setenv("HTTP_PROXY", proxy.url)
    proxy_env.setenv("NO_PROXY", entry.format(port=server.port, other=server.port + 1))
    with make_client(server, trust_env=True) as client:
        create(client)
    assert len(proxy.request_lines) == (0 if bypass else 1)
    assert len(server.requests) == 1
