"""Reconciliation: what Stripe knows against what the database says, and the repairs.

1. Stripe events recorded but never applied (a crash between answering Stripe and applying
   the event) are applied now.
2. Recent Checkout Sessions are listed from Stripe; a paid one whose order is still waiting
   (or expired) is completed through the same path as the webhook (``session:<cs id>``, so
   a webhook arriving later has no second effect).
3. Refunds written down but not sent are queued (the effect runner sends them).
4. Ledger transactions that do not balance are reported (never "fixed": a person looks).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from payments import refunds
from payments.stripe_checkout import PROVIDER, StripePayments
from payments.stripe_events import apply_paid_session, handle_recorded
from store.models import Order, OrderStatus, PaymentEvent
from store.services import ledger
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

# An event younger than this may still be being applied by the web worker that got it.
REPLAY_AFTER = timedelta(minutes=2)
_WAITING = (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED)


@dataclass
class ReconcileReport:
    events_replayed: list[str] = field(default_factory=list)
    sessions_seen: int = 0
    orders_completed: list[str] = field(default_factory=list)
    refunds_queued: int = 0
    unbalanced_transactions: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def reconcile(
    uow_factory: UnitOfWorkFactory, payments: StripePayments, now: datetime, *, since: datetime
) -> ReconcileReport:
    report = ReconcileReport()
    _replay_events(uow_factory, payments, now, report)
    _complete_paid_sessions(uow_factory, payments, now, since, report)
    report.refunds_queued = refunds.queue_due_refunds(uow_factory, now)
    with uow_factory(read_only=True) as uow:
        report.unbalanced_transactions = ledger.unbalanced_transaction_ids(uow.session)
    return report


def _replay_events(
    uow_factory: UnitOfWorkFactory, payments: StripePayments, now: datetime, report: ReconcileReport
) -> None:
    with uow_factory(read_only=True) as uow:
        stuck = uow.session.execute(
            select(PaymentEvent.id, PaymentEvent.event_id)
            .where(
                PaymentEvent.provider == PROVIDER,
                PaymentEvent.processed_at.is_(None),
                PaymentEvent.event_id.startswith("evt_"),
                PaymentEvent.received_at < now - REPLAY_AFTER,
            )
            .order_by(PaymentEvent.id)
        ).all()
    for row_id, event_id in stuck:
        try:
            handle_recorded(uow_factory, row_id, now)
            report.events_replayed.append(event_id)
        except Exception as exc:
            logger.exception("replaying Stripe event %s failed", event_id)
            report.errors.append(f"{event_id}: {type(exc).__name__}")


def _complete_paid_sessions(
    uow_factory: UnitOfWorkFactory,
    payments: StripePayments,
    now: datetime,
    since: datetime,
    report: ReconcileReport,
) -> None:
    for checkout in payments.recent_sessions(since):
        report.sessions_seen += 1
        if checkout.get("payment_status") != "paid":
            continue
        code = (checkout.get("metadata") or {}).get("order_code")
        try:
            with uow_factory() as uow:
                status = uow.session.scalar(select(Order.status).where(Order.code == code))
                if status not in _WAITING:
                    continue
                apply_paid_session(uow.session, checkout, "reconcile", now)
                uow.commit()
                if uow.session.scalar(select(Order.status).where(Order.code == code)) == (
                    OrderStatus.PAID
                ):
                    report.orders_completed.append(str(code))
        except Exception as exc:
            logger.exception("completing the order of session %s failed", checkout.get("id"))
            report.errors.append(f"{checkout.get('id')}: {type(exc).__name__}")
