"""Community managers alerted when updates fail with a bug, at most once per window
(`conversations.notify.alerts`).

The first failure after a quiet window alerts every community manager at once; failures
within the window after an alert wait for the next alert, which counts every failure since
the last one: the next failure's after the window, or the scheduler's (`alert_held_back`,
every minute) as soon as the window ends. An alert names the error's type and where it was
raised, never the message that caused it (it may hold personal data) nor anything secret;
the rows themselves are listed by ``soko admin failed``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.i18n import N_, Translator
from conversations.notify import alerts
from conversations.notify.alerts import ALERT_WINDOW
from store.models import InboxMessage, InboxStatus

__all__ = ["ALERT", "ALERT_WINDOW", "TOPIC", "alert_held_back", "alert_managers"]

TOPIC: Final = "failure"
ALERT: Final = N_(
    "Soko alert: messages that failed with an error since the last alert: {count}. "
    "Latest: {error}. Each person was told and can carry on. "
    "The operator can list them with: soko admin failed"
)


def alert_managers(
    session: Session, error: str, now: datetime, window: timedelta = ALERT_WINDOW
) -> int:
    """Alert every community manager that an update failed (`error`: its exception type and
    location), unless an alert went out less than `window` ago; how many were queued."""
    if alerts.held_back(session, TOPIC, now, window):
        return 0
    last = alerts.last_alert(session, TOPIC)
    failed = select(func.count()).select_from(InboxMessage)
    failed = failed.where(InboxMessage.status == InboxStatus.FAILED)
    if last is not None:
        failed = failed.where(InboxMessage.handled_at > last)
    count = session.execute(failed).scalar_one()

    def render(t: Translator) -> str:
        return t._(ALERT).format(count=count, error=error)

    return alerts.alert_managers(session, TOPIC, render, now, window)


def alert_held_back(session: Session, now: datetime, window: timedelta = ALERT_WINDOW) -> int:
    """Once the last alert's window is over, the alert the failures since it were held back
    for (naming the latest); nothing when none failed since. How many were queued."""
    last = alerts.last_alert(session, TOPIC)
    if last is None or now - last < window:
        return 0
    latest = session.scalar(
        select(InboxMessage.error)
        .where(InboxMessage.status == InboxStatus.FAILED, InboxMessage.handled_at > last)
        .order_by(InboxMessage.handled_at.desc(), InboxMessage.id.desc())
        .limit(1)
    )
    if latest is None:
        return 0
    return alert_managers(session, latest, now, window)
