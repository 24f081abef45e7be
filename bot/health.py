"""`GET /healthz`: is this worker able to serve, and is the shop's background work running.

503 only when the database cannot be reached (a load balancer should then stop sending this
worker requests). A scheduler that stopped is reported ("degraded") but keeps the answer 200:
web workers still serve pages and record webhooks, and pulling them all out would not bring
the scheduler back. The outbox backlog and refused messages are figures to alert on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.scheduler import scheduler_alive
from store.models import OutboxMessage, OutboxStatus
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)


def health(uow_factory: UnitOfWorkFactory, now: datetime) -> dict[str, object]:
    with uow_factory(read_only=True) as uow:
        # One grouped count answers both and shows the database answers. Refused messages
        # (FAILED) are for good: an operator should look (see the WARNING logs).
        rows = uow.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED)))
            .group_by(OutboxMessage.status)
        )
        counts: dict[OutboxStatus, int] = dict(rows.all())
    alive = scheduler_alive(uow_factory, now)
    return {
        "status": "ok" if alive else "degraded",
        "database": "ok",
        "scheduler": "alive" if alive else "stopped",
        "outbox_backlog": counts.get(OutboxStatus.PENDING, 0),
        "outbox_failed": counts.get(OutboxStatus.FAILED, 0),
    }


def healthz_endpoint(
    uow_factory: UnitOfWorkFactory, clock: Callable[[], datetime] = utcnow
) -> Callable[[Request], Awaitable[Response]]:
    async def healthz(request: Request) -> Response:
        try:
            body = await run_in_threadpool(health, uow_factory, clock())
        except SQLAlchemyError as exc:
            logger.warning("health check: database unreachable (%s)", type(exc).__name__)
            return JSONResponse({"status": "unhealthy", "database": "unreachable"}, 503)
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    return healthz
