"""What `soko demo` runs: the web app with the chat emulator, and the shop's timed work."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from bot.container import Container
from bot.housekeeping import run_order_expiry
from bot.routes import channel_routes
from bot.web import create_app


async def serve_web_demo(container: Container, sock: socket.socket) -> None:
    """The web app with the emulator on `sock`, and the timed work, until Ctrl-C."""
    stop = asyncio.Event()
    app = create_app(container, channel_routes(container))
    # Quiet: the demo prints its own guide; access logs stay off as in `soko run`.
    config = uvicorn.Config(app, access_log=False, log_level="warning")
    server = uvicorn.Server(config)

    async def web() -> None:
        try:
            await server.serve(sockets=[sock])
        finally:
            stop.set()  # Ctrl-C stops uvicorn; the rest follows

    await asyncio.gather(web(), run_order_expiry(container, stop))
