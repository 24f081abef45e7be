"""`soko scheduler`: the process that sends, for deployments where N `soko web` workers take
the webhooks. It runs the timed jobs (among them `sweep_inbox`: updates a crashed worker
recorded but did not handle), each configured channel's sender (a loop, as in `soko run`),
and the effects (`bot/effects.py`: provider calls that chats and webhooks recorded). The
workers' commits wake the senders and the effect runner at once: on PostgreSQL this process
listens for their NOTIFY (`store/listener.py`). Run exactly one per database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Awaitable
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
from store.listener import listening

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "scheduler", help="run the timed jobs, the senders and the effects (with N web workers)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    container = Container(load_settings(), process="soko-scheduler")
    keep_freed_memory()  # the inbox sweep handles photos too
    return lifecycle.serve(
        container, lambda stop: serve(container, stop), leader=True, wait_for_upgrade=True
    )


async def serve(container: Container, stop: asyncio.Event) -> None:
    """Run until `stop` is set; then as `bot.lifecycle` says."""
    passes = []
    senders: list[Awaitable[None]] = []
    async with contextlib.AsyncExitStack() as stack:
        stack.enter_context(listening(container.engine))
        for channel in channel_plugins(container):
            running = await channel.scheduled(stack, stop)
            senders += running.tasks
            passes.append(running.passes)
        if not any(p.sweep for p in passes):
            passes.append(engine_sweep(lambda: build_engine(container)))
        logger.info("scheduler: starting")
        await lifecycle.together(
            stop,
            run_scheduler(container, stop, combine(*passes)),
            run_effects(container, stop),
            *senders,
        )
