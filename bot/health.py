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

from sqlalchemy import func, select, text
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
        uow.session.execute(text("SELECT 1"))
        backlog = uow.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
        )
        # Messages a platform refused for good: an operator should look (see the WARNING logs).
        failed = uow.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
        )
    alive = scheduler_alive(uow_factory, now)
    return {
        "status": "ok" if alive else "degraded",
        "database": "ok",
        "scheduler": "alive" if alive else "stopped",
        "outbox_backlog": backlog or 0,
        "outbox_failed": failed or 0,
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
