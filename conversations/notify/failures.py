"""Community managers alerted when updates fail with a bug, at most once per window.

The first failure after a quiet window alerts every community manager at once; failures
within the window after an alert wait for the next alert, which counts every failure since
the last one. An alert names the error's type and where it was raised, never the message
that caused it (it may hold personal data) nor anything secret; the rows themselves are
listed by ``soko admin failed``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.i18n import N_, Translator
from conversations.messages import Outbound
from store.models import InboxMessage, InboxStatus, OutboxMessage, Role, User, UserRole

ALERT_WINDOW: Final = timedelta(minutes=15)
ALERT: Final = N_(
    "Soko alert: messages that failed with an error since the last alert: {count}. "
    "Latest: {error}. Each person was told and can carry on. "
    "The operator can list them with: soko admin failed"
)
_KEY_PREFIX: Final = "failure-alert:"


def alert_managers(
    session: Session, error: str, now: datetime, window: timedelta = ALERT_WINDOW
) -> int:
    """Alert every community manager that an update failed (`error`: its exception type and
    location), unless an alert went out less than `window` ago; how many were queued."""
    last = session.execute(
        select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.dedupe_key.startswith(_KEY_PREFIX)
        )
    ).scalar_one_or_none()
    if last is not None and now - last < window:
        return 0
    failed = select(func.count()).select_from(InboxMessage)
    failed = failed.where(InboxMessage.status == InboxStatus.FAILED)
    if last is not None:
        failed = failed.where(InboxMessage.handled_at > last)
    count = session.execute(failed).scalar_one()
    managers = session.execute(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COMMUNITY_MANAGER)
        .order_by(User.id)
    ).scalars()
    queued = 0
    for manager in managers:
        text = Translator(manager.locale)._(ALERT).format(count=count, error=error)
        key = f"{_KEY_PREFIX}{now.isoformat()}:{manager.id}"
        if outbox.notify(session, manager.id, Outbound(text=text), dedupe_key=key, now=now):
            queued += 1
    return queued
