"""The outbox and inbox passes the scheduler's `deliver_outbox` and `sweep_inbox` jobs call,
one per configured channel (see `bot.jobs.ChannelPasses`)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable

from bot.jobs import ChannelPasses
from bot.telegram import TelegramChannel
from bot.whatsapp import WhatsAppChannel
from conversations.engine import Engine, sweep_all

SWEEP_BATCH = 100
# A Telegram pass runs on the event loop that owns the bot; a job thread waits at most this.
TELEGRAM_PASS_TIMEOUT = 120.0


def telegram_passes(
    channel: TelegramChannel, loop: asyncio.AbstractEventLoop, *, deliver: bool
) -> ChannelPasses:
    """`deliver=False` when the process already runs the channel's own sender."""

    def deliver_pass() -> int:
        future = asyncio.run_coroutine_threadsafe(channel.delivery.deliver_due(), loop)
        try:
            return future.result(TELEGRAM_PASS_TIMEOUT)
        except concurrent.futures.CancelledError:  # stopping: its claims were handed back
            return 0

    if not deliver:
        return ChannelPasses(sweep=[channel.worker.sweep])
    return ChannelPasses(
        deliver=[deliver_pass], sweep=[channel.worker.sweep], stop_delivery=[channel.delivery.close]
    )


def whatsapp_passes(channel: WhatsAppChannel, *, deliver: bool) -> ChannelPasses:
    """`deliver=False` when the process already runs the channel's delivery thread. The sweep
    first fetches the photos a crash left waiting, then handles what is pending."""

    def sweep() -> int:
        return sweep_all(channel.processor.sweep, SWEEP_BATCH)

    def deliver_pass() -> int:
        return len(channel.delivery.deliver_due().outcomes)

    async def stop_delivery(grace: float) -> None:
        await asyncio.to_thread(channel.delivery.close, grace)

    if not deliver:
        return ChannelPasses(sweep=[sweep])
    return ChannelPasses(deliver=[deliver_pass], sweep=[sweep], stop_delivery=[stop_delivery])


def engine_sweep(engine_factory: Callable[[], Engine]) -> ChannelPasses:
    """Without a chat channel (a console-only deployment): the engine's own sweep."""

    def sweep() -> int:
        return sweep_all(engine_factory().handle_pending, SWEEP_BATCH)

    return ChannelPasses(sweep=[sweep])


def combine(*passes: ChannelPasses) -> ChannelPasses:
    return ChannelPasses(
        deliver=[d for p in passes for d in p.deliver],
        sweep=[s for p in passes for s in p.sweep],
        stop_delivery=[s for p in passes for s in p.stop_delivery],
    )
