"""Sub-commands of `soko`. Each module has `register(subparsers)` and sets `handler`."""

from __future__ import annotations

from types import ModuleType

from bot.commands import db, demo, photo

COMMAND_MODULES: tuple[ModuleType, ...] = (db, demo, photo)
