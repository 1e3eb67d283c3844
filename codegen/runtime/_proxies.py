"""Which proxy a request goes through, from ``HTTP(S)_PROXY``/``ALL_PROXY`` and ``NO_PROXY`` (no I/O).

Both clients' transports ask ``proxy_for``; urllib3 (and aiohttp, unless told to trust the environment) read
none of these variables themselves. ``NO_PROXY`` is matched as curl matches it (and as the official SDK's httpx
does, plus CIDR blocks): a comma- or space-separated list of entries, where

- ``*`` alone bypasses the proxy for every host;
- ``example.com``, ``.example.com`` and ``*.example.com`` match that domain and every subdomain of it (on a
  label boundary: ``example.com`` does not match ``badexample.com``);
- ``127.0.0.1``, ``::1`` or ``[::1]`` match that address exactly, and ``10.0.0.0/8`` or ``fd00::/8`` any address
  in the block (an IP entry never matches by suffix);
- any of these may end in ``:port``, and then matches only that port (the URL's, or 80/443 by default).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

__all__ = ["bypasses_proxy", "proxy_for"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _split_entry(entry: str) -> tuple[str, int | None]:
    """``(host, port)`` of a ``NO_PROXY`` entry; the port is None when the entry has none (or a bad one)."""
    if entry.startswith("["):  # [v6] or [v6]:port
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:  # host:port (a bare IPv6 address has several colons)
        host, _, port = entry.partition(":")
    else:
        host, port = entry, ""
    if port and not port.isdigit():
        return entry, -1  # never matches: a malformed entry must not widen the bypass
    return host, int(port) if port else None


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _host_matches(host: str, address: object, pattern: str) -> bool:
    if "/" in pattern:
        try:
            network = ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
        return address is not None and address in network
    if address is not None or _ip(pattern) is not None:
        return address is not None and address == _ip(pattern)
    domain = pattern.lstrip("*").lstrip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def bypasses_proxy(host: str, port: int | None, no_proxy: str | None) -> bool:
    """Whether ``NO_PROXY`` (``no_proxy``) says requests to ``host`` (and ``port``) go direct."""
    if not no_proxy:
        return False
    host = host.strip("[]").rstrip(".").lower()
    address = _ip(host)
    for raw in no_proxy.replace(" ", ",").split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        pattern, entry_port = _split_entry(entry)
        if entry_port is not None and entry_port != port:
            continue
        if _host_matches(host, address, pattern.strip("[]").rstrip(".")):
            return True
    return False


def proxy_for(scheme: str, netloc: str, proxies: Mapping[str, str]) -> str | None:
    """The proxy URL for a request to ``scheme://netloc``, or None to go direct.

    ``proxies`` is what ``urllib.request.getproxies()`` reads from the environment: ``{"https": url,
    "http": url, "all": url, "no": "NO_PROXY value"}`` (lowercase or uppercase variables, the CGI rule for
    ``HTTP_PROXY`` included).
    """
    url = proxies.get(scheme) or proxies.get("all")
    if not url:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(f"//{netloc}")
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return url
    if port is None:
        port = _DEFAULT_PORTS.get(scheme)
    return None if bypasses_proxy(host, port, proxies.get("no")) else url
