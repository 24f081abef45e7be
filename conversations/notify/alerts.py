"""Alerts to every community manager, at most one per topic and window.

The first alert of a topic after a quiet window goes out at once; alerts within the window
after it are held back: the caller's next alert says what happened since the last one (the
failures counted since, the refunds still waiting). The window is read from the outbox
itself (the latest alert of the topic written there), so every process agrees on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.i18n import Translator
from conversations.messages import Outbound
from store.models import OutboxMessage, Role, User, UserRole

ALERT_WINDOW: Final = timedelta(minutes=15)


def last_alert(session: Session, topic: str) -> datetime | None:
    """When the latest alert of `topic` was written (None: never)."""
    return session.execute(
        select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.dedupe_key.startswith(_prefix(topic))
        )
    ).scalar_one_or_none()


def held_back(session: Session, topic: str, now: datetime, window: timedelta) -> bool:
    """Whether an alert of `topic` now would come inside the window of the last one."""
    last = last_alert(session, topic)
    return last is not None and now - last < window


def alert_managers(
    session: Session,
    topic: str,
    render: Callable[[Translator], str],
    now: datetime,
    window: timedelta = ALERT_WINDOW,
) -> int:
    """Queue `render(her translator)` to every community manager, unless an alert of `topic`
    went out less than `window` ago; how many were queued."""
    if held_back(session, topic, now, window):
        return 0
    managers = session.execute(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COMMUNITY_MANAGER)
        .order_by(User.id)
    ).scalars()
    queued = 0
    for manager in managers:
        text = render(Translator(manager.locale))
        key = f"{_prefix(topic)}{now.isoformat()}:{manager.id}"
        if outbox.notify(session, manager.id, Outbound(text=text), dedupe_key=key, now=now):
            queued += 1
    return queued


def _prefix(topic: str) -> str:
    return f"{topic}-alert:"
