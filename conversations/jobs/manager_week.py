"""Monday morning for community managers: each gets her week (`flows/manager_week.py`), in
her language, with a button per line. Once per manager per ISO week (Nairobi): the dedupe key
is written with the message, so a second run, a restart or a second scheduler sends nothing
more."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from conversations import outbox
from conversations.flows.manager_week import summary, week_of
from conversations.i18n import Translator
from conversations.messages import Outbound
from conversations.notify.templates import UtilityTemplate
from store.models import Role, User, UserRole
from store.services import manager_week
from store.uow import UnitOfWorkFactory


def dedupe_key(user_id: int, week: str) -> str:
    return f"manager-week:{user_id}:{week}"


def weekly_manager_summary(
    uow_factory: UnitOfWorkFactory,
    now: datetime,
    zone: ZoneInfo,
    *,
    currency: str,
    at_hub: bool,
) -> list[int]:
    """Send this week's summary to every community manager not sent it yet; whom it told."""
    week = week_of(now, zone)
    told: list[int] = []
    with uow_factory() as uow:
        session = uow.session
        managers = session.execute(
            select(User.id, User.locale)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.COMMUNITY_MANAGER)
            .order_by(User.id)
        ).all()
        keys = {user_id: dedupe_key(user_id, week) for user_id, _ in managers}
        sent = outbox.queued_keys(session, keys.values())
        waiting = [(user_id, locale) for user_id, locale in managers if keys[user_id] not in sent]
        if waiting:
            # Read once, worded once per language: many managers cost what two do.
            figures = manager_week.week_figures(session, now, currency, timezone=zone.key)
            worded: dict[str, Outbound] = {}
            for _, locale in waiting:
                if locale not in worded:
                    shown = summary(
                        Translator(locale), figures, zone=zone, at_hub=at_hub, week=week
                    )
                    worded[locale] = replace(shown, template=UtilityTemplate.WEEKLY_SUMMARY)
            messages = [(user_id, worded[locale], keys[user_id]) for user_id, locale in waiting]
            told = outbox.notify_many(session, messages, now=now)
        uow.commit()
    return told
