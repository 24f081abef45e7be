"""`soko scheduler`: the timed jobs alone, for deployments where N `soko web` workers take the
webhooks. It also delivers the outbox of every configured channel (`deliver_outbox`, every few
seconds, retries with backoff) and sweeps the inbox for updates a crashed worker recorded but
did not handle (`sweep_inbox`), and runs the effects (`bot/effects.py`: Stripe calls that
chats and webhooks recorded, run after their commits). Run exactly one per database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from typing import Any

from bot import lifecycle
from bot.container import Container
from bot.effects import run_effects
from bot.plugin import combine
from bot.scheduler import run_scheduler
from bot.scheduler_passes import engine_sweep
from bot.serving import keep_freed_memory
from bot.settings import load_settings
from bot.wiring import build_engine, channel_plugins

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "scheduler", help="run the timed jobs and outbox delivery alone (with N web workers)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    container = Container(load_settings())
    keep_freed_memory()  # the inbox sweep handles photos too
    return lifecycle.serve(
        container, lambda stop: serve(container, stop), leader=True, wait_for_upgrade=True
    )


async def serve(container: Container, stop: asyncio.Event) -> None:
    """Run until `stop` is set; then as `bot.lifecycle` says."""
    passes = []
    async with contextlib.AsyncExitStack() as stack:
        for channel in channel_plugins(container):
            passes.append(await channel.scheduled(stack))
        if not any(p.sweep for p in passes):
            passes.append(engine_sweep(lambda: build_engine(container)))
        logger.info("scheduler: starting")
        await lifecycle.together(
            stop, run_scheduler(container, stop, combine(*passes)), run_effects(container, stop)
        )
