"""`soko admin failed`: the updates parked as failed, for the operator at the server.

    soko admin failed [--limit N]   the latest N (default 50), newest first

An update that hit a bug is answered at once (an apology, the person's flow reset) and parked,
never retried automatically; community managers get a rate-limited alert in chat. This lists
each parked row: its inbox id, when it failed (local time and UTC), the channel, and the error's
type and place in the code. Never what the person wrote (it may hold personal data): the
traceback is in the log of the process that handled it, at that time.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.container import Container
from bot.lifecycle import database_ready
from bot.settings import load_settings
from store.models import InboxMessage, InboxStatus


def register(actions: Any) -> None:
    parser: argparse.ArgumentParser = actions.add_parser(
        "failed", help="updates parked as failed (a bug), newest first"
    )
    parser.add_argument("--limit", type=int, default=50, help="the latest N (default 50)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    container = Container(load_settings(), process="soko-admin")
    try:
        if not database_ready(container, create=False):
            return 1
        return list_failed(container, args.limit, sys.stdout)
    finally:
        container.close()


def list_failed(container: Container, limit: int, out: TextIO) -> int:
    zone = ZoneInfo(container.settings.artisan_timezone)
    failed = InboxMessage.status == InboxStatus.FAILED
    with container.uow_factory(read_only=True) as uow:
        total = uow.session.execute(select(func.count()).where(failed)).scalar_one()
        rows = uow.session.execute(
            select(
                InboxMessage.id,
                InboxMessage.channel,
                InboxMessage.handled_at,
                InboxMessage.received_at,
                InboxMessage.error,
            )
            .where(failed)
            .order_by(InboxMessage.id.desc())
            .limit(limit)
        ).all()
    if not rows:
        print("no updates parked as failed", file=out)
        return 0
    shown = f", the latest {len(rows)}" if len(rows) < total else ""
    print(f"{total} update(s) parked as failed{shown}; newest first:", file=out)
    heading = f"failed ({zone.key} / UTC)"
    print(f"{'inbox id':>8}  {heading:<44} {'channel':<9} error", file=out)
    for row in rows:
        at = row.handled_at or row.received_at
        local = at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        when = f"{local} / {at.strftime('%H:%M:%S')} UTC"
        print(f"{row.id:>8}  {when:<44} {row.channel.value:<9} {row.error}", file=out)
    return 0
