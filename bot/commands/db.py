"""`soko db upgrade|downgrade|current`: schema migrations."""

from __future__ import annotations

import argparse
from typing import Any

from bot.settings import load_settings
from store.db import make_engine
from store.migrate import current_revision, downgrade, upgrade


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
    engine = make_engine(load_settings().database_url)
    upgrade(engine, args.revision)
    print(f"database at revision {current_revision(engine)}")
    return 0


def _downgrade(args: argparse.Namespace) -> int:
    engine = make_engine(load_settings().database_url)
    downgrade(engine, args.revision)
    print(f"database at revision {current_revision(engine)}")
    return 0


def _current(args: argparse.Namespace) -> int:
    print(current_revision(make_engine(load_settings().database_url)) or "empty")
    return 0
