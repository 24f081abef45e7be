"""`soko web`: the web app alone (webhooks, media, health), for running N workers.

In Telegram webhook mode each worker handles what it records; one that starts first handles
what a killed worker recorded but left unhandled (the scheduler's `sweep_inbox` job catches
any left over within seconds). Replies go out through `soko run` or `soko scheduler`.

It listens before it checks the database: /livez answers at once, /readyz says why it is not
ready (`bot.starting_gate`) while it waits for `soko db upgrade` on a database behind this
code, and every other request waits for the app.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.types import Lifespan

from bot import lifecycle
from bot.container import Container
from bot.payments_check import warn_about_payments
from bot.routes import channel_routes
from bot.serving import freeze_startup_objects, keep_freed_memory
from bot.settings import for_web_workers, load_settings
from bot.starting_gate import StartingGate
from bot.web import create_app
from bot.wiring import channel_plugins
from store.db import WalCheckpointer


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "web", help="run the web app (webhooks, media, health)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.set_defaults(handler=run)


def web_app(container: Container) -> Starlette:
    """The app of one web worker: the configured plug-ins' webhooks, media, health, and
    what a channel runs for the worker's lifespan (Telegram in webhook mode)."""
    warn_about_payments(container)
    routes = channel_routes(container)
    lifespans = [
        lifespan
        for channel in channel_plugins(container)
        if (lifespan := channel.web_lifespan()) is not None
    ]
    return create_app(container, routes, combined_lifespan(lifespans))


def combined_lifespan(lifespans: Sequence[Lifespan[Starlette]]) -> Lifespan[Starlette] | None:
    if not lifespans:
        return None
    if len(lifespans) == 1:
        return lifespans[0]

    @contextlib.asynccontextmanager
    async def together(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            for lifespan in lifespans:
                await stack.enter_async_context(lifespan(app))
            yield

    return together


def run(args: argparse.Namespace) -> int:
    container = Container(for_web_workers(load_settings()), process="soko-web")
    main = functools.partial(serve, container, args.host, args.port)
    return lifecycle.serve(container, main, checked_by_main=True)


async def serve(container: Container, host: str, port: int, stop: asyncio.Event) -> None:
    """Listen at once (/livez, /readyz: `StartingGate`), check the database — waiting for
    `soko db upgrade` when it is behind — then serve the web app until `stop`; requests in
    flight then get `bot.lifecycle`'s grace."""
    gate = StartingGate()
    served = asyncio.Event()

    async def listen() -> None:
        try:
            await lifecycle.serve_http(gate, stop, host=host, port=port)
        finally:
            served.set()

    async def open_when_ready() -> None:
        if not await lifecycle.check_in_thread(container, waiting=gate.say_waiting_for):
            return  # stopping
        app = web_app(container)
        freeze_startup_objects()
        keep_freed_memory()
        with WalCheckpointer(container.engine):  # no request waits for a checkpoint (SQLite)
            async with app.router.lifespan_context(app):  # the channels start
                gate.open(app)
                await served.wait()  # the requests in flight are done

    await lifecycle.together(stop, listen(), open_when_ready())
