"""``_proxies``: which proxy a request goes through, NO_PROXY matched as curl matches it (no sockets)."""

from __future__ import annotations

import pytest
from fastgroq._proxies import bypasses_proxy, proxy_for

CASES = [
    # (host, port, NO_PROXY, bypass)
    ("api.groq.com", 443, "*", True),
    ("api.groq.com", 443, "groq.com", True),
    ("api.groq.com", 443, ".groq.com", True),
    ("api.groq.com", 443, "*.groq.com", True),
    ("groq.com", 443, ".groq.com", True),
    ("api.groq.com", 443, "oq.com", False),  # a label boundary, not a substring
    ("badgroq.com", 443, "groq.com", False),
    ("API.Groq.COM", 443, "api.groq.com.", True),
    ("api.groq.com", 443, "api.groq.com:443", True),
    ("api.groq.com", 8443, "api.groq.com:443", False),
    ("api.groq.com", 443, "api.groq.com:notaport", False),
    ("127.0.0.1", 8080, "127.0.0.1:8080", True),
    ("127.0.0.1", 8081, "127.0.0.1:8080", False),
    ("127.0.0.1", 8080, "localhost, 127.0.0.1", True),
    ("127.0.0.1", 8080, "localhost 127.0.0.1", True),
    ("127.0.0.1", 8080, "0.0.1", False),
    ("127.0.0.1", 8080, "127.0.0.0/8", True),
    ("10.1.2.3", 80, "10.0.0.0/8:80", True),
    ("10.1.2.3", 81, "10.0.0.0/8:80", False),
    ("192.168.1.1", 80, "10.0.0.0/8", False),
    ("::1", 8080, "::1", True),
    ("[::1]", 8080, "[::1]:8080", True),
    ("::1", 8080, "[::1]:9090", False),
    ("fd00::5", 443, "fd00::/8", True),
    ("api.groq.com", 443, "", False),
    ("api.groq.com", 443, " , ,", False),
    ("localhost", 80, "LOCALHOST", True),
]


@pytest.mark.parametrize(("host", "port", "no_proxy", "bypass"), CASES)
def test_no_proxy_matching(host: str, port: int, no_proxy: str, bypass: bool) -> None:
    assert bypasses_proxy(host, port, no_proxy) is bypass


def test_proxy_for_scheme_default_ports_and_all() -> None:
    proxies = {"https": "http://proxy:3128", "http": "http://plain:3128", "no": "api.groq.com:443"}
    assert proxy_for("https", "api.groq.com", proxies) is None  # the default port is 443
    assert proxy_for("https", "api.groq.com:8443", proxies) == "http://proxy:3128"
    assert proxy_for("http", "api.groq.com", proxies) == "http://plain:3128"
    assert proxy_for("https", "api.groq.com", {"all": "socks5://s:1080"}) == "socks5://s:1080"
    assert proxy_for("https", "[::1]:8443", {"https": "http://p:1", "no": "::1"}) is None
    assert proxy_for("https", "api.groq.com", {}) is None
