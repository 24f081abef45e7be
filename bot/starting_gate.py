"""What `soko web` serves from the moment it listens until its app is ready (`StartingGate`):
a worker started on a database behind this code waits for `soko db upgrade`, and must answer
its supervisor (/livez) and its load balancer (/readyz: not yet) meanwhile — and nothing else:
no request touches the database before it is ready."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.health import NO_STORE


class StartingGate:
    """An ASGI app: until `open(app)`, /livez answers 200 and every other request 503 with
    the reason (`waiting_for`) and a Retry-After; after, every request goes to `app`. The
    server's lifespan stays the gate's: the app's own is entered by whoever opens it."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None
        self.waiting_for = "starting: checking the database"

    def say_waiting_for(self, reason: str) -> None:
        self.waiting_for = reason

    def open(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif self.app is not None:
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
