"""What `soko web` serves from the moment it listens until its app is ready (`StartingGate`):
a worker started on a database behind this code waits for `soko db upgrade`, and must answer
its supervisor (/livez) and its load balancer (/readyz: not yet) meanwhile. No other request
touches the database before it is ready: one that comes during an ordinary start waits the
second or two for the app; one that comes while the worker waits for the upgrade gets 503."""

from __future__ import annotations

import asyncio
import contextlib

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.health import NO_STORE

# How long a request that came before the app waits for it (a start takes a second or two)
# before it is answered 503; a worker waiting for `soko db upgrade` answers 503 after this.
HOLD_SECONDS = 10.0
ANSWERED_AT_ONCE = frozenset({"/livez", "/readyz"})


class StartingGate:
    """An ASGI app: until `open(app)`, /livez answers 200 and /readyz 503 with the reason
    (`waiting_for`); any other request waits up to `HOLD_SECONDS` for the app, then gets the
    same 503 with a Retry-After. Once open, every request goes to `app`. The server's lifespan
    stays the gate's: the app's own is entered by whoever opens it."""

    def __init__(self, hold_seconds: float = HOLD_SECONDS) -> None:
        self.app: ASGIApp | None = None
        self.waiting_for = "starting: checking the database"
        self._hold_seconds = hold_seconds
        self._opened = asyncio.Event()

    def say_waiting_for(self, reason: str) -> None:
        self.waiting_for = reason

    def open(self, app: ASGIApp) -> None:
        self.app = app
        self._opened.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if self.app is None and scope.get("path") not in ANSWERED_AT_ONCE:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._opened.wait(), self._hold_seconds)
        if self.app is not None:
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            await self._answer(scope)(scope, receive, send)

    def _answer(self, scope: Scope) -> Response:
        if scope["path"] == "/livez":
            return JSONResponse({"status": "live"}, headers=NO_STORE)
        body = {"status": "unready", "reason": self.waiting_for}
        return JSONResponse(body, 503, headers={**NO_STORE, "Retry-After": "5"})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
