"""`soko db upgrade|downgrade|current`: schema migrations."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from alembic.util import CommandError
from sqlalchemy import Engine

from bot.container import database_engine
from bot.settings import load_settings
from store.migrate import (
    DatabaseAhead,
    DatabaseNotReady,
    current_revision,
    downgrade,
    head_revision,
    is_known_revision,
    upgrade,
)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("db", help="database migrations")
    actions = parser.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    up = actions.add_parser("upgrade", help="apply migrations (default: to the latest)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=_upgrade)
    down = actions.add_parser("downgrade", help="undo migrations down to REVISION")
    down.add_argument("revision")
    down.set_defaults(handler=_downgrade)
    actions.add_parser("current", help="print the applied revision").set_defaults(handler=_current)


def _upgrade(args: argparse.Namespace) -> int:
    return _migrate(upgrade, args.revision)


def _downgrade(args: argparse.Namespace) -> int:
    return _migrate(downgrade, args.revision)


def _migrate(migrate: Callable[[Engine, str], None], revision: str) -> int:
    engine = database_engine(load_settings(), "soko-db")
    try:
        current = current_revision(engine)
        if current is not None and not is_known_revision(current):
            print(f"soko: {DatabaseAhead(current, head_revision())}", file=sys.stderr)
            return 1
        migrate(engine, revision)
        print(f"database at revision {current_revision(engine)}")
    except (CommandError, DatabaseNotReady) as exc:  # an unknown revision, another app's tables
        print(f"soko: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def _current(args: argparse.Namespace) -> int:
    print(current_revision(database_engine(load_settings(), "soko-db")) or "empty")
    return 0
