"""Cases: the buyer of a shipped order (or one delivered lately) says her parcel has not
arrived or came damaged, with a note and maybe a photo; a community manager closes the case
with a note, a refund (part or all of what is left to refund) or a reshipment.

One open case per order: a second report adds its note (and photo) to the open one. While a
case is open the order is not counted as delivered by itself (`delivery.due_for_delivery`).

A refund is split across the order's lines still in it in proportion to what each has left
to refund (`Money.allocate`) and published as `CaseRefundAsked` in the unit of work that
closes the case: the provider's refund path writes the ledger reversal and the request (or
the refund owed by hand) before the commit, so a case closed with a refund is a refund
recorded, or neither.

A reshipment moves no line: the lines still shipped are shipped again, so their shipping
time (`updated_at`) restarts and the follow-ups and auto-delivery count from it; lines the
buyer already had stay delivered (the hub sends a replacement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import events
from store.errors import NotFound, PermissionDenied, StoreError
from store.models import CaseKind, CaseOutcome, LineStatus, Order, OrderCase
from store.money import Money
from store.services import ledger, permissions
from store.services.audit import Actor
from store.services.order_events import CaseClosed, CaseOpened, CaseRefundAsked
from store.services.orders import lock_order

NOTE_MAX = 1000
_REFUNDABLE_LINES = frozenset({LineStatus.SHIPPED, LineStatus.DELIVERED})


class NothingToReport(StoreError):
    """The order has no parcel on its way nor one delivered lately."""


class CaseAlreadyClosed(StoreError):
    def __init__(self, case: OrderCase) -> None:
        super().__init__(f"case {case.id} is closed already")
        self.case = case


class TooMuch(StoreError):
    """More than is left to refund; `left` is what is."""

    def __init__(self, left: Money) -> None:
        super().__init__(f"at most {left.to_decimal()} {left.currency} is left to refund")
        self.left = left


@dataclass(frozen=True)
class Reported:
    case: OrderCase
    newly: bool


def may_report(order: Order, now: datetime, within: timedelta) -> bool:
    """A line on its way, or one delivered less than `within` ago."""
    return any(
        line.status == LineStatus.SHIPPED
        or (line.status == LineStatus.DELIVERED and line.updated_at + within > now)
        for line in order.lines
    )


def report(
    session: Session,
    order_id: int,
    kind: CaseKind,
    note: str,
    photo_ref: str | None,
    *,
    by: int,
    now: datetime,
    within: timedelta,
) -> Reported:
    """Open a case on her order, or add to its open one."""
    order = lock_order(session, order_id)
    if by != order.buyer_user_id:
        raise PermissionDenied(f"report a problem with order {order_id}", by)
    note = note.strip()[:NOTE_MAX]
    case = open_case_of(session, order.id)
    if case is not None:
        case.note = f"{case.note}\n{note}".strip()[: NOTE_MAX * 4] if note else case.note
        case.photo_ref = photo_ref or case.photo_ref
        session.flush()
        events.publish(session, CaseOpened(case.id, newly=False), now)
        return Reported(case, newly=False)
    if not may_report(order, now, within):
        raise NothingToReport(f"order {order.code} has no parcel to report")
    case = OrderCase(
        order_id=order.id,
        open_order_id=order.id,
        kind=kind,
        note=note,
        photo_ref=photo_ref,
        opened_by=by,
        opened_at=now,
        closing_note="",
    )
    session.add(case)
    session.flush()
    events.publish(session, CaseOpened(case.id, newly=True), now)
    return Reported(case, newly=True)


def open_case_of(session: Session, order_id: int) -> OrderCase | None:
    return session.scalar(select(OrderCase).where(OrderCase.open_order_id == order_id))


def open_cases(session: Session) -> list[OrderCase]:
    """Every open case, oldest first (the managers' list)."""
    return list(
        session.scalars(
            select(OrderCase).where(OrderCase.open_order_id.is_not(None)).order_by(OrderCase.id)
        )
    )


def left_to_refund(session: Session, order: Order) -> dict[int, int]:
    """Per line shipped or delivered: what is not refunded yet (minor units)."""
    return {
        line.id: line.line_total_minor - ledger.refunded_on_line(session, line).amount
        for line in order.lines
        if line.status in _REFUNDABLE_LINES
    }


def close_with_note(
    session: Session, case_id: int, note: str, by: Actor, now: datetime
) -> OrderCase:
    case = _closing(session, case_id, by)
    return _close(session, case, CaseOutcome.NOTE, note, by, now)


def close_with_reshipment(
    session: Session, case_id: int, note: str, by: Actor, now: datetime
) -> OrderCase:
    case = _closing(session, case_id, by)
    order = lock_order(session, case.order_id)
    for line in order.lines:
        if line.status == LineStatus.SHIPPED:
            line.updated_at = now
    return _close(session, case, CaseOutcome.RESHIPMENT, note, by, now)


def close_with_refund(
    session: Session, case_id: int, amount: Money | None, note: str, by: Actor, now: datetime
) -> OrderCase:
    """Refund `amount` (None: all that is left) across the order's lines, then close."""
    case = _closing(session, case_id, by)
    order = lock_order(session, case.order_id)
    left = {line_id: minor for line_id, minor in left_to_refund(session, order).items() if minor}
    rest = Money(sum(left.values()), order.currency)
    wanted = rest if amount is None else amount
    if wanted.currency != order.currency or not 0 < wanted.amount <= rest.amount:
        raise TooMuch(rest)
    parts = wanted.allocate(list(left.values()))
    lines = tuple(
        (line_id, part.amount) for line_id, part in zip(left, parts, strict=True) if part.amount
    )
    # The refund paths give the shipping fee back with the refund that leaves nothing of
    # any line; what the case says was given back counts it too.
    shipping = 0
    if wanted == rest and not ledger.refunded_shipping(session, order).amount:
        shipping = order.shipping_minor
    events.publish(session, CaseRefundAsked(order, lines, f"case {case.id}", by.user_id), now)
    case.refunded_minor = wanted.amount + shipping
    case.refunded_currency = wanted.currency
    return _close(session, case, CaseOutcome.REFUND, note, by, now)


def _closing(session: Session, case_id: int, by: Actor) -> OrderCase:
    permissions.require_manager(session, by, "close a case")
    case = session.scalar(select(OrderCase).where(OrderCase.id == case_id).with_for_update())
    if case is None:
        raise NotFound("case", case_id)
    if case.closed_at is not None:
        raise CaseAlreadyClosed(case)
    return case


def _close(
    session: Session, case: OrderCase, outcome: CaseOutcome, note: str, by: Actor, now: datetime
) -> OrderCase:
    case.outcome = outcome
    case.closing_note = note.strip()[:NOTE_MAX]
    case.closed_by = by.user_id
    case.closed_at = now
    case.open_order_id = None
    session.flush()
    events.publish(session, CaseClosed(case.id), now)
    return case
