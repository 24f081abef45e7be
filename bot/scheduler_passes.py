"""The passes the scheduler's `sweep_inbox` job calls: each channel plug-in gives its own
(`bot.plugin.ChannelPasses`); without a chat channel, the engine's."""

from __future__ import annotations

from collections.abc import Callable

from bot.plugin import ChannelPasses
from conversations.engine import ChatEngine, sweep_all

SWEEP_BATCH = 100


def engine_sweep(engine_factory: Callable[[], ChatEngine]) -> ChannelPasses:
    """Without a chat channel (a console-only deployment): the engine's own sweep."""

    def sweep() -> int:
        return sweep_all(engine_factory().handle_pending, SWEEP_BATCH)

    return ChannelPasses(sweep=[sweep])
