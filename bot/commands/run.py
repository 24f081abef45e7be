"""`soko run`: everything in one process — the web app (webhooks, media, health), Telegram
(lossless polling, or webhook mode when TELEGRAM_MODE=webhook), WhatsApp delivery (on
PostgreSQL also woken by other processes' commits: `store/listener.py`), and the
scheduler (`bot/scheduler.py`: expiring unpaid orders, refunds, the inbox sweep, reminders,
digests, nudges, draft clean-up, payout summaries), and the effect runner (`bot/effects.py`:
the Stripe calls that chats and webhooks record, run after their commits)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable
from typing import Any

from bot import lifecycle
from bot.container import Container
from bot.effects import run_effects
from bot.payments_check import warn_about_payments
from bot.plugin import ChannelPasses, combine
from bot.routes import channel_routes
from bot.scheduler import run_scheduler
from bot.scheduler_passes import engine_sweep
from bot.serving import freeze_startup_objects, keep_freed_memory
from bot.settings import load_settings
from bot.web import create_app
from bot.wiring import build_engine, channel_plugins
from store.db import WalCheckpointer
from store.listener import listening


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run", help="run everything in one process: Telegram, webhooks, web app, scheduler"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    container = Container(load_settings(), process="soko-run")
    return lifecycle.serve(
        container, lambda stop: serve(container, args.host, args.port, stop), leader=True
    )


async def serve(container: Container, host: str, port: int, stop: asyncio.Event) -> None:
    """Everything, until `stop`; then each part stops as `bot.lifecycle` says."""
    warn_about_payments(container)
    routes = channel_routes(container)
    tasks: list[Awaitable[None]] = []
    passes: list[ChannelPasses] = []
    for channel in channel_plugins(container):  # the same ones whose routes are mounted
        running = channel.run(stop)
        tasks += running.tasks
        passes.append(running.passes)
    if not any(p.sweep for p in passes):
        passes.append(engine_sweep(lambda: build_engine(container)))
    # Each channel's own sender delivers here, woken as replies are committed (on
    # PostgreSQL also by other processes' commits, `soko web` beside this one: NOTIFY).
    tasks.append(run_scheduler(container, stop, combine(*passes)))
    tasks.append(run_effects(container, stop))  # Stripe calls, after their commits
    app = create_app(container, routes)
    freeze_startup_objects()
    keep_freed_memory()
    web = lifecycle.serve_http(app, stop, host=host, port=port)
    with WalCheckpointer(container.engine), listening(container.engine):
        # (SQLite: no update waits for a checkpoint; PostgreSQL: other processes wake ours.)
        await lifecycle.together(stop, web, *tasks)
