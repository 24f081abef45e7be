"""`soko run`: everything in one process — the web app (webhooks, media, health), Telegram
(lossless polling, or webhook mode when TELEGRAM_MODE=webhook), WhatsApp delivery, and sending
Stripe refunds that cancellations wrote down."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any

import uvicorn

from bot.container import Container
from bot.housekeeping import run_order_expiry
from bot.routes import channel_routes
from bot.settings import load_settings
from bot.stripe_wiring import run_stripe_refunds, stripe_payments
from bot.telegram import build_telegram, run_telegram, telegram_configured, telegram_routes
from bot.web import create_app
from bot.whatsapp import run_whatsapp, whatsapp_configured
from handlers.telegram.app import keep_token_out_of_logs
from handlers.telegram.webhook import WEBHOOK_PATH


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run", help="run everything in one process: Telegram, webhooks, web app"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    container = Container(load_settings())
    keep_token_out_of_logs(container.settings.telegram_bot_token.get_secret_value())
    try:
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
            asyncio.run(serve(container, args.host, args.port))
    finally:
        container.close()
    return 0


async def serve(container: Container, host: str, port: int) -> None:
    stop = asyncio.Event()
    routes = channel_routes(container)
    tasks = []
    if telegram_configured(container):
        telegram = build_telegram(container)
        # The webhook route shares this process's channel, so handled updates wake its sender.
        routes = [r for r in routes if getattr(r, "path", "") != WEBHOOK_PATH]
        routes += telegram_routes(container, telegram)
        tasks.append(run_telegram(container, telegram, stop))
    if whatsapp_configured(container):  # its webhook routes are among channel_routes
        tasks.append(run_whatsapp(container, stop))
    if stripe_payments(container) is not None:
        tasks.append(run_stripe_refunds(container, stop))
    tasks.append(run_order_expiry(container, stop))
    # The scheduler (APScheduler: nudges, digests, reminders) joins here when it is built.
    app = create_app(container, routes)
    # Access logs stay off: URLs can carry tokens; our own logs say what matters.
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, access_log=False))

    async def web() -> None:
        try:
            await server.serve()
        finally:
            stop.set()  # Ctrl-C stops uvicorn; everything else follows

    await asyncio.gather(web(), *tasks)
