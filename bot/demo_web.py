"""What `soko demo` runs: the web app with the chat emulator, and the scheduler's jobs."""

from __future__ import annotations

import asyncio
import socket

from bot.container import Container
from bot.leadership import beating
from bot.lifecycle import serve_http, together
from bot.routes import channel_routes
from bot.scheduler import run_scheduler
from bot.scheduler_passes import engine_sweep
from bot.web import create_app
from bot.wiring import build_engine


async def serve_web_demo(container: Container, sock: socket.socket, stop: asyncio.Event) -> None:
    """The web app with the emulator on `sock`, and the scheduler, until `stop` (Ctrl-C). The
    emulator answers each message as it comes and its page fetches what is waiting, so the
    scheduler delivers nothing: it runs the timed jobs (unpaid orders expire…) and the inbox
    sweep, and beats its heartbeat for /healthz (the demo's shop is its own: no lock)."""
    app = create_app(container, channel_routes(container))
    # Quiet: the demo prints its own guide.
    web = serve_http(app, stop, sock=sock, log_level="warning")
    sweep = engine_sweep(lambda: build_engine(container))
    await together(stop, web, run_scheduler(container, stop, sweep), beating(container, stop))
