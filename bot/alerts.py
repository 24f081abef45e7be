"""Alerts held back inside their window, sent once it ends (the scheduler's
`send_held_alerts`, every minute): community managers are alerted at most once per window
and topic (`conversations/notify/alerts.py`), and what happened meanwhile would otherwise wait
for the next failure or refusal, which may never come."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from conversations.notify import alerts, failures
from conversations.notify import payments as payment_notices
from payments import refunds
from store.services import refunds_owed


def send_held_alerts(session: Session, now: datetime) -> int:
    """Every topic's held-back alert whose window is over; how many messages were queued."""
    held = failures.alert_held_back(session, now) + _refunds_held_back(session, now)
    return held + _owed_held_back(session, now)


def _refunds_held_back(session: Session, now: datetime) -> int:
    last = alerts.last_alert(session, payment_notices.REFUND_TOPIC)
    if last is None or now - last < alerts.ALERT_WINDOW:
        return 0  # never alerted (nothing was held back), or the window is not over
    refused = refunds.latest_refusal_since(session, last)
    if refused is None:
        return 0
    order, amount, reason = refused
    waiting = refunds.orders_with_refused_refunds(session)
    return payment_notices.refund_refused(session, order, amount, reason, waiting, now)


def _owed_held_back(session: Session, now: datetime) -> int:
    last = alerts.last_alert(session, payment_notices.REFUND_OWED_TOPIC)
    if last is None or now - last < alerts.ALERT_WINDOW:
        return 0
    waiting = refunds_owed.open_refunds(session)
    since = [refund for refund in waiting if refund.received_at > last]
    if not since:
        return 0
    latest = since[-1]
    codes = [refund.order_code for refund in waiting]
    return payment_notices.refund_owed(
        session, latest.order_code, latest.amount, latest.reason, codes, now
    )
