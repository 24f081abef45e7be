"""Health for operators, three questions apart:

- `GET /livez`: is the process up and serving? 200, always, without touching the database (a
  supervisor restarts a process that stops answering it).
- `GET /readyz`: may a load balancer send this worker requests? 200 only when the database
  answers, its schema is at this code's revision, and the channels are initialised (Telegram's
  application, in webhook mode); else 503 with `{"status": "unready", "reason": …}`. While it
  waits for `soko db upgrade`, a `soko web` worker answers this and /livez, nothing else.
- `GET /healthz`: is the shop's background work running? `scheduler` from the `scheduler`
  heartbeat, `delivery` from each sending channel's `delivery:<channel>`: "degraded" when one
  of them is older than `STALE_AFTER` (the process stopped, or lost its lock). Degraded keeps
  the answer 200: web workers still serve pages and record webhooks, and pulling them all out
  would not bring the scheduler back; 503 only when the database cannot be reached. The outbox
  backlog and refused messages are figures to alert on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from store import heartbeats
from store.migrate import current_revision, head_revision
from store.models import OutboxMessage, OutboxStatus
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

# Heartbeats come every 5 s: three missed is a stop.
STALE_AFTER = timedelta(seconds=15)
NO_STORE = {"Cache-Control": "no-store"}

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class Readiness:
    """What /readyz knows besides the database: whether the channels are initialised, and,
    until they are, why not (said in its answer)."""

    channels: bool = False
    waiting_for: str = "starting"


def health(
    uow_factory: UnitOfWorkFactory, now: datetime, senders: Sequence[str] = ()
) -> dict[str, object]:
    """`senders`: the channels whose sender beats `delivery:<channel>`."""
    with uow_factory(read_only=True) as uow:
        # One grouped count answers both and shows the database answers. Refused messages
        # (FAILED) are for good: an operator should look (see the WARNING logs).
        rows = uow.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED)))
            .group_by(OutboxMessage.status)
        )
        counts: dict[OutboxStatus, int] = dict(rows.all())
        beats = heartbeats.last_beats(uow.session)
    names = {channel: heartbeats.delivery(channel) for channel in senders}
    stopped = set(
        heartbeats.stale(beats, [heartbeats.SCHEDULER, *names.values()], now, STALE_AFTER)
    )
    delivery = {
        channel: "stopped" if name in stopped else "alive" for channel, name in names.items()
    }
    return {
        "status": "degraded" if stopped else "ok",
        "database": "ok",
        "scheduler": "stopped" if heartbeats.SCHEDULER in stopped else "alive",
        "delivery": delivery,
        "outbox_backlog": counts.get(OutboxStatus.PENDING, 0),
        "outbox_failed": counts.get(OutboxStatus.FAILED, 0),
    }


def healthz_endpoint(
    uow_factory: UnitOfWorkFactory,
    clock: Callable[[], datetime] = utcnow,
    senders: Sequence[str] = (),
) -> Endpoint:
    async def healthz(request: Request) -> Response:
        try:
            body = await run_in_threadpool(health, uow_factory, clock(), senders)
        except SQLAlchemyError as exc:
            logger.warning("health check: database unreachable (%s)", type(exc).__name__)
            return JSONResponse({"status": "unhealthy", "database": "unreachable"}, 503)
        return JSONResponse(body, headers=NO_STORE)

    return healthz


async def livez(request: Request) -> Response:
    return JSONResponse({"status": "live"}, headers=NO_STORE)


def unready(reason: str) -> Response:
    return JSONResponse({"status": "unready", "reason": reason}, 503, headers=NO_STORE)


def readyz_endpoint(engine: Engine, readiness: Readiness) -> Endpoint:
    async def readyz(request: Request) -> Response:
        if not readiness.channels:
            return unready(readiness.waiting_for)
        reason = await run_in_threadpool(schema_unready, engine)
        if reason:
            return unready(reason)
        return JSONResponse({"status": "ready"}, headers=NO_STORE)

    return readyz


def schema_unready(engine: Engine) -> str:
    """Why the database cannot serve this code ("" when it can)."""
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        logger.warning("readiness check: database unreachable (%s)", type(exc).__name__)
        return "database unreachable"
    head = _head()
    if revision != head:
        return f"database at revision {revision or 'none'}, this version needs {head}"
    return ""


@cache
def _head() -> str:
    return head_revision()
