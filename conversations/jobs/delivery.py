"""Orders delivered by the shop itself: a shipped order nobody said arrived counts as arrived
once its destination's time since shipping has passed. Each order in its own unit of work
(one that fails leaves the others delivered); the buyer and the artisans are told through
the `LinesDelivered` event. Running it twice delivers nothing twice."""

from __future__ import annotations

from datetime import datetime

from store.models import Order
from store.services import delivery
from store.services.delivery import DeliveredAfter
from store.uow import UnitOfWorkFactory


def deliver_shipped_orders(
    uow_factory: UnitOfWorkFactory, now: datetime, after: DeliveredAfter
) -> list[str]:
    """The codes of the orders this run delivered."""
    with uow_factory() as uow:
        due = delivery.due_for_delivery(uow.session, now, after)
    delivered: list[str] = []
    for order_id in due:
        with uow_factory() as uow:
            if delivery.mark_delivered(uow.session, order_id, now, by=None):
                delivered.append(uow.session.get_one(Order, order_id).code)
            uow.commit()
    return delivered
