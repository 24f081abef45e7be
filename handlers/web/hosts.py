"""Only requests addressed to the shop's own host names are answered (400 otherwise).

Starlette builds the absolute URLs of its redirects (a trailing slash removed: `/p/1/` to
`/p/1`) from the request's Host header, so a forged one would send a buyer to another site.
The names are `PUBLIC_BASE_URL`'s host and `ALLOWED_HOSTS`; a shop served on this machine
(`localhost`, `127.0.0.1`: `make demo`, local work) is reached by either loopback name. Health
checks and metrics scrapes answer any Host: load balancers and Prometheus address a worker by
its own address, and those answers hold no link.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK: Final = ("localhost", "127.0.0.1")
ANY_HOST_PATHS: Final = frozenset({"/livez", "/readyz", "/healthz", "/metrics"})


def trusted_hosts(public_base_url: str, allowed: Iterable[str]) -> list[str]:
    """The host names to answer: the public address's, the allowed ones, and both loopback
    names when the public address is on this machine."""
    public = (urlsplit(public_base_url).hostname or "").lower()
    hosts = [public, *allowed]
    if public in LOOPBACK:
        hosts += LOOPBACK
    return list(dict.fromkeys(host for host in hosts if host))


class TrustedHosts:
    """Starlette's `TrustedHostMiddleware` (no www redirect) for all but `ANY_HOST_PATHS`."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self._app = app
        self._checked = TrustedHostMiddleware(app, allowed_hosts=list(hosts), www_redirect=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"] not in ANY_HOST_PATHS:
            await self._checked(scope, receive, send)
        else:
            await self._app(scope, receive, send)
