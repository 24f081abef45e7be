"""Sub-commands of `soko`. Each module has `register(subparsers)` and sets `handler`."""

from __future__ import annotations

from types import ModuleType

from bot.commands import (
    admin,
    chat,
    db,
    demo,
    photo,
    run,
    scheduler,
    telegram,
    vocabulary,
    web,
    whatsapp,
)

COMMAND_MODULES: tuple[ModuleType, ...] = (
    admin,
    chat,
    db,
    demo,
    photo,
    run,
    scheduler,
    telegram,
    vocabulary,
    web,
    whatsapp,
)
