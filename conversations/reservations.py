"""Letting go of unpaid orders: the reservation ran out, the pieces go back on sale, and the
buyer is told in her language. One unit of work per pass; safe to run twice or concurrently."""

from __future__ import annotations

from datetime import datetime

from conversations.notify import orders as notify_orders
from store.services import orders
from store.uow import UnitOfWorkFactory


def expire_unpaid_orders(uow_factory: UnitOfWorkFactory, now: datetime) -> list[str]:
    """Expire every unpaid order whose reservation ended before `now`; their codes."""
    with uow_factory() as uow:
        expired = orders.expire_due_orders(uow.session, now)
        for order in expired:
            notify_orders.order_expired(uow.session, order, now)
        uow.commit()
    return [order.code for order in expired]
