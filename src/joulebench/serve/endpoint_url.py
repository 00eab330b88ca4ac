"""The endpoint's address: checked, normalised, and whether it is this machine.

``http://host:8000`` and ``http://host:8000/v1`` both mean the API root
``http://host:8000/v1``; any other path is taken as the API root as given (a server
behind a prefix). A full operation URL (``.../chat/completions``), a URL with
credentials in it, or one that is not http(s) is refused with one line.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import UsageError

__all__ = ["Endpoint", "is_local_host", "parse_endpoint_url", "parse_http_url"]

_OPERATIONS = ("/chat/completions", "/completions", "/models")


@dataclass(frozen=True)
class Endpoint:
    api_root: str  # e.g. http://127.0.0.1:8000/v1
    server_root: str  # e.g. http://127.0.0.1:8000 (where /metrics lives)
    host: str
    port: int

    @property
    def display(self) -> str:
        return self.api_root


def parse_http_url(url: str, what: str = "URL") -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an http(s) URL, or a UsageError naming ``what``."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"bad {what} {text!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"bad {what} {text!r}: give http://HOST:PORT or https://HOST:PORT")
    if parts.username or parts.password:
        raise UsageError(f"the {what} must not hold credentials",
                         hint="pass an API key with --api-key-env VAR (or a token with --token-env)")
    if parts.query or parts.fragment:
        raise UsageError(f"bad {what} {text!r}: no query string or fragment, please")
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname, port, parts.path.rstrip("/")


def parse_endpoint_url(url: str) -> Endpoint:
    scheme, host, port, path = parse_http_url(url, "endpoint URL")
    for op in _OPERATIONS:
        if path.endswith(op):
            root = path[: -len(op)] or "/v1"
            raise UsageError(f"{url!r} is an operation, not the server's base URL",
                             hint=f"give {scheme}://{_netloc(host, port)}{root}")
    netloc = _netloc(host, port)
    if not path:
        path = "/v1"
    server_path = path[:-3] if path.endswith("/v1") else path
    return Endpoint(
        api_root=f"{scheme}://{netloc}{path}",
        server_root=f"{scheme}://{netloc}{server_path}",
        host=host,
        port=port,
    )


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_local_host(host: str) -> bool:
    """Whether ``host`` is this machine: a loopback address or one of its interfaces'."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    local = _interface_addresses()
    for addr in addresses:
        try:
            ip = ipaddress.ip_address(addr.split("%")[0])
        except ValueError:
            continue
        if ip.is_loopback or str(ip) in local:
            return True
    return False


def _interface_addresses() -> set[str]:
    try:
        import psutil

        return {a.address.split("%")[0] for addrs in psutil.net_if_addrs().values() for a in addrs}
    except Exception:  # no psutil interface support here: loopback only
        return set()
