"""`soko web`: the web app alone (webhooks, media, health), for running N workers.

In Telegram webhook mode each worker handles what it records; one that starts first handles
what a killed worker recorded but left unhandled (the scheduler's `sweep_inbox` job catches
any left over later). Replies go out through `soko run` or `soko scheduler`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from starlette.applications import Starlette

from bot import lifecycle
from bot.container import Container
from bot.payments_check import warn_about_payments
from bot.routes import channel_routes
from bot.serving import freeze_startup_objects, keep_freed_memory
from bot.settings import load_settings
from bot.telegram import build_telegram, telegram_refusal, telegram_webhook_mode, webhook_worker
from bot.web import create_app
from handlers.telegram.app import keep_token_out_of_logs
from store.db import WalCheckpointer


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "web", help="run the web app (webhooks, media, health)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.set_defaults(handler=run)


def web_app(container: Container) -> Starlette:
    """The app of one web worker: the configured channels' webhooks, media, health."""
    warn_about_payments(container)
    telegram = build_telegram(container) if telegram_webhook_mode(container) else None
    routes = channel_routes(container, telegram)
    if telegram is None:
        return create_app(container, routes)
    # Updates a killed worker recorded but did not handle are handled when one starts.
    return create_app(container, routes, lambda app: webhook_worker(container, telegram))


def run(args: argparse.Namespace) -> int:
    container = Container(load_settings())
    refused = telegram_refusal(container)
    if refused is not None:
        print(f"soko: {refused}", file=sys.stderr)
        return 1
    keep_token_out_of_logs(container.settings.telegram_bot_token.get_secret_value())
    return lifecycle.serve(container, lambda stop: serve(container, args.host, args.port, stop))


async def serve(container: Container, host: str, port: int, stop: asyncio.Event) -> None:
    """The web app until `stop`; requests in flight then get `bot.lifecycle`'s grace."""
    app = web_app(container)
    freeze_startup_objects()
    keep_freed_memory()
    with WalCheckpointer(container.engine):  # no request waits for a checkpoint (SQLite)
        await lifecycle.serve_http(app, stop, host=host, port=port)
