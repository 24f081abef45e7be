"""`soko run`: everything in one process — the web app (webhooks, media, health), Telegram
(lossless polling, or webhook mode when TELEGRAM_MODE=webhook), WhatsApp delivery, and the
scheduler (`bot/scheduler.py`: expiring unpaid orders, refunds, the inbox sweep, reminders,
digests, nudges, draft clean-up, payout summaries), and the effect runner (`bot/effects.py`:
the Stripe calls that chats and webhooks record, run after their commits)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot import lifecycle
from bot.container import Container
from bot.effects import run_effects
from bot.payments_check import warn_about_payments
from bot.routes import channel_routes
from bot.scheduler import run_scheduler
from bot.scheduler_passes import combine, engine_sweep, telegram_passes, whatsapp_passes
from bot.serving import freeze_startup_objects, keep_freed_memory
from bot.settings import load_settings
from bot.telegram import (
    build_telegram,
    run_telegram,
    telegram_configured,
    telegram_refusal,
    telegram_routes,
)
from bot.web import create_app
from bot.whatsapp import build_whatsapp, run_whatsapp, whatsapp_configured
from bot.wiring import build_engine
from handlers.telegram.app import keep_token_out_of_logs
from handlers.telegram.webhook import WEBHOOK_PATH
from store.db import WalCheckpointer


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run", help="run everything in one process: Telegram, webhooks, web app, scheduler"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    container = Container(load_settings())
    refused = telegram_refusal(container)
    if refused is not None:
        print(f"soko: {refused}", file=sys.stderr)
        return 1
    keep_token_out_of_logs(container.settings.telegram_bot_token.get_secret_value())
    return lifecycle.serve(container, lambda stop: serve(container, args.host, args.port, stop))


async def serve(container: Container, host: str, port: int, stop: asyncio.Event) -> None:
    """Everything, until `stop`; then each part stops as `bot.lifecycle` says."""
    warn_about_payments(container)
    loop = asyncio.get_running_loop()
    routes = channel_routes(container)
    tasks = []
    passes = []
    if telegram_configured(container):
        telegram = build_telegram(container)
        # The webhook route shares this process's channel, so handled updates wake its sender.
        routes = [r for r in routes if getattr(r, "path", "") != WEBHOOK_PATH]
        routes += telegram_routes(container, telegram)
        tasks.append(run_telegram(container, telegram, stop))
        passes.append(telegram_passes(telegram, loop, deliver=False))
    if whatsapp_configured(container):  # its webhook routes are among channel_routes
        whatsapp = build_whatsapp(container)
        tasks.append(run_whatsapp(whatsapp, stop))
        passes.append(whatsapp_passes(whatsapp, deliver=False))
    if not passes:
        passes.append(engine_sweep(lambda: build_engine(container)))
    # Each channel's own sender delivers here (woken as replies are written), so the
    # scheduler runs every job but `deliver_outbox`.
    tasks.append(run_scheduler(container, stop, combine(*passes)))
    tasks.append(run_effects(container, stop))  # Stripe calls, after their commits
    app = create_app(container, routes)
    freeze_startup_objects()
    keep_freed_memory()
    web = lifecycle.serve_http(app, stop, host=host, port=port)
    with WalCheckpointer(container.engine):  # no update waits for a checkpoint (SQLite)
        await lifecycle.together(stop, web, *tasks)
