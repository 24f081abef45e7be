"""Periodic work `soko run` does in-process until the scheduler (APScheduler) takes it over:
unpaid orders expire every minute, so reservations never hold pieces forever."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.container import Container
from conversations.reservations import expire_unpaid_orders
from store.models.types import utcnow

logger = logging.getLogger(__name__)

EXPIRY_INTERVAL_SECONDS = 60.0


async def run_order_expiry(
    container: Container,
    stop: asyncio.Event,
    *,
    interval: float = EXPIRY_INTERVAL_SECONDS,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    while True:
        try:
            codes = await asyncio.to_thread(expire_unpaid_orders, container.uow_factory, clock())
            if codes:
                logger.info("expired unpaid orders: %s", ", ".join(codes))
        except Exception:  # the next pass tries again; nothing was half-written
            logger.exception("order expiry pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        if stop.is_set():
            return
