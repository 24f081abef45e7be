"""Which status an order, and each of its lines, may move to next.

Order (what the buyer sees)::

    pending_payment ─┬─> paid ─┬─> shipped ─┬─> delivered ──> refunded
                     │         │            └─> refunded
                     │         ├─> cancelled   (buyer, before anything shipped; refund follows)
                     │         └─> refunded
                     ├─> cancelled              (buyer, before paying: reservation released)
                     └─> expired ──> paid       (a late payment, only if the stock is still there)

    cancelled and refunded are final.

Line (what each artisan works through)::

    pending ─> paid ─> accepted ─> ready ─> shipped ─> delivered
       │        │         │          │         │           │
       └────────┴─────────┴──────────┴──> cancelled        │
                └─────────┴──────────┴─────────┴───────────┴──> refunded

    At the hub (hub mode) a piece goes through a manager's hands before it ships::

    accepted ─┬─> at_hub ─┬─> passed ─> shipped
    ready ────┘     ^     └─> returned ─┐
                    └───────────────────┘   (brought again)

    at_hub, passed and returned may still be cancelled or refunded.

    A line of an expired order stays ``pending`` (nothing was paid), which lets a late
    payment revive it. cancelled and refunded are final.

Every status change goes through ``check_order`` / ``check_line``, which raise
``InvalidTransition`` for a move the table does not list.
"""

from __future__ import annotations

from collections.abc import Mapping

from store.errors import InvalidTransition
from store.models import LineStatus, OrderStatus

_O = OrderStatus
_L = LineStatus

ORDER_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    _O.PENDING_PAYMENT: frozenset({_O.PAID, _O.CANCELLED, _O.EXPIRED}),
    _O.EXPIRED: frozenset({_O.PAID}),
    _O.PAID: frozenset({_O.SHIPPED, _O.CANCELLED, _O.REFUNDED}),
    _O.SHIPPED: frozenset({_O.DELIVERED, _O.REFUNDED}),
    _O.DELIVERED: frozenset({_O.REFUNDED}),
    _O.CANCELLED: frozenset(),
    _O.REFUNDED: frozenset(),
}

LINE_TRANSITIONS: Mapping[LineStatus, frozenset[LineStatus]] = {
    _L.PENDING: frozenset({_L.PAID, _L.CANCELLED}),
    _L.PAID: frozenset({_L.ACCEPTED, _L.CANCELLED, _L.REFUNDED}),
    _L.ACCEPTED: frozenset({_L.READY, _L.AT_HUB, _L.CANCELLED, _L.REFUNDED}),
    _L.READY: frozenset({_L.SHIPPED, _L.AT_HUB, _L.CANCELLED, _L.REFUNDED}),
    _L.AT_HUB: frozenset({_L.PASSED, _L.RETURNED, _L.CANCELLED, _L.REFUNDED}),
    _L.PASSED: frozenset({_L.SHIPPED, _L.CANCELLED, _L.REFUNDED}),
    _L.RETURNED: frozenset({_L.AT_HUB, _L.CANCELLED, _L.REFUNDED}),
    _L.SHIPPED: frozenset({_L.DELIVERED, _L.REFUNDED}),
    _L.DELIVERED: frozenset({_L.REFUNDED}),
    _L.CANCELLED: frozenset(),
    _L.REFUNDED: frozenset(),
}

# Orders whose buyer still waits for something: the artisan's work is open.
OPEN_ORDER_STATUSES = frozenset({_O.PENDING_PAYMENT, _O.PAID, _O.SHIPPED})


def can_order(current: OrderStatus, target: OrderStatus) -> bool:
    return target in ORDER_TRANSITIONS[current]


def can_line(current: LineStatus, target: LineStatus) -> bool:
    return target in LINE_TRANSITIONS[current]


def check_order(current: OrderStatus, target: OrderStatus) -> None:
    if not can_order(current, target):
        raise InvalidTransition("order", current.value, target.value)


def check_line(current: LineStatus, target: LineStatus) -> None:
    if not can_line(current, target):
        raise InvalidTransition("order line", current.value, target.value)
