"""Who is writing: the user behind a channel identity, created at first contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.i18n import guess_locale
from store.models import Channel, Identity, User

_NAME_LENGTH = 120


@dataclass(frozen=True)
class Person:
    user: User
    identity: Identity
    is_new: bool


def find_or_create_person(
    session: Session,
    channel: Channel,
    platform_user_id: str,
    *,
    now: datetime,
    profile_name: str = "",
    locale_hint: str | None = None,
    touch: bool = True,
) -> Person:
    """The person behind (channel, platform user id); a new user, locale guessed, if unknown.

    `touch` records this as their latest message (it opens WhatsApp's 24-hour window).
    """
    profile_name = profile_name.strip()[:_NAME_LENGTH]
    identity = session.execute(
        select(Identity).where(
            Identity.channel == channel, Identity.platform_user_id == platform_user_id
        )
    ).scalar_one_or_none()
    if identity is not None:
        if touch:
            identity.last_inbound_at = now
        if profile_name and identity.profile_name != profile_name:
            identity.profile_name = profile_name
        return Person(user=identity.user, identity=identity, is_new=False)
    user = User(display_name=profile_name, locale=guess_locale(locale_hint), created_at=now)
    session.add(user)
    session.flush()
    identity = Identity(
        user_id=user.id,
        channel=channel,
        platform_user_id=platform_user_id,
        profile_name=profile_name,
        last_inbound_at=now if touch else None,
        created_at=now,
    )
    session.add(identity)
    session.flush()
    return Person(user=user, identity=identity, is_new=True)
