"""Who is writing: the user behind a channel identity, created at first contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, String, Table, bindparam, case, select, tuple_, update
from sqlalchemy.orm import Session, contains_eager

from conversations.i18n import DEFAULT_LOCALE, choose_locale
from conversations.state import ConversationSnapshot
from store.models import Artisan, Channel, ConversationState, Identity, User, UserRole
from store.services import people
from store.text import clean_line


@dataclass(frozen=True)
class Person:
    user: User
    platform_user_id: str
    is_new: bool
    # Her conversation state when it was read along with her (PostgreSQL); None: not read.
    state: ConversationSnapshot | None = None


def _with_roles_and_shop(*columns: Any) -> Select[Any]:
    """Users through their identities, each with her roles and shop in the same query: the
    menu and most steps look at both. Explicit outer joins read by `contains_eager` cost half
    of what `joinedload` does per execution (its anonymous aliases are adapted again for every
    query)."""
    return (
        select(User, *columns)
        .join(Identity, Identity.user_id == User.id)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .outerjoin(Artisan, Artisan.user_id == User.id)
        .options(contains_eager(User.roles), contains_eager(User.artisan))
    )


# Built once (SQLAlchemy's compiled cache then serves every update).
_KNOWN_USER = _with_roles_and_shop().where(
    Identity.channel == bindparam("channel"),
    Identity.platform_user_id == bindparam("platform_user_id"),
)
# Several people at once (a group of updates): rows of (user, channel, platform user id).
KNOWN_PEOPLE = _with_roles_and_shop(Identity.channel, Identity.platform_user_id).where(
    tuple_(Identity.channel, Identity.platform_user_id).in_(bindparam("identities", expanding=True))
)
_IDENTITIES = cast(Table, Identity.__table__)
_PROFILE_NAME = bindparam("profile_name", type_=String())
TOUCH = (
    update(_IDENTITIES)
    .where(
        _IDENTITIES.c.channel == bindparam("b_channel"),
        _IDENTITIES.c.platform_user_id == bindparam("b_platform_user_id"),
    )
    .values(
        last_inbound_at=bindparam("now"),
        unreachable_at=None,  # they wrote from it: it works again
        profile_name=case(
            (_PROFILE_NAME == "", _IDENTITIES.c.profile_name),
            else_=_PROFILE_NAME,
        ),
    )
)


# PostgreSQL: her identity touched, her user and her conversation state read in one
# statement, two round trips fewer per update (SQLite runs no UPDATE inside a WITH, and
# three statements cost it nothing more).
_TOUCHED = TOUCH.returning(_IDENTITIES.c.user_id).cte("touched")
_STATE = (
    ConversationState.flow,
    ConversationState.step,
    ConversationState.data,
    ConversationState.version,
)
_KNOWN_USER_TOUCHED = (
    select(User, *_STATE)
    .join(_TOUCHED, _TOUCHED.c.user_id == User.id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .outerjoin(Artisan, Artisan.user_id == User.id)
    .outerjoin(ConversationState, ConversationState.user_id == User.id)
    .options(contains_eager(User.roles), contains_eager(User.artisan))
)


def _user_of(row: Any) -> Any:
    """What tells `_KNOWN_USER_TOUCHED`'s rows apart: the user (one row per role of hers)."""
    return row[0]


def clean_profile_name(name: str) -> str:
    """The name her platform gives (shown to community managers): one clean line, cut to
    the column's 120 characters."""
    return clean_line(name)[:120]


def touch_values(
    channel: Channel, platform_user_id: str, now: datetime, profile_name: str
) -> dict[str, object]:
    """`TOUCH`'s parameters: they wrote now, under this profile name ("" keeps the old one)."""
    return {
        "b_channel": channel,
        "b_platform_user_id": platform_user_id,
        "now": now,
        "profile_name": clean_profile_name(profile_name),
    }


def find_or_create_person(
    session: Session,
    channel: Channel,
    platform_user_id: str,
    *,
    now: datetime,
    profile_name: str = "",
    locale_hint: str | None = None,
    first_words: str = "",
    default_locale: str = DEFAULT_LOCALE,
) -> Person:
    """The person behind (channel, platform user id); a new user if unknown, speaking her
    app's language, else that of her first words, else `default_locale` (`choose_locale`).

    This is recorded as their latest message (it opens WhatsApp's 24-hour window), and a
    profile name that changed is kept.
    """
    profile_name = clean_profile_name(profile_name)
    touch = touch_values(channel, platform_user_id, now, profile_name)
    user: User | None = None
    if session.get_bind().dialect.name == "postgresql":
        found = session.execute(_KNOWN_USER_TOUCHED, touch).unique(_user_of).one_or_none()
        if found is not None:  # and touched
            user, flow, step, data, version = found
            # None: no state saved yet. The driver decoded `data` afresh: nobody else holds it.
            state = (
                ConversationSnapshot()
                if version is None
                else ConversationSnapshot(flow, step, data, version)
            )
            return Person(user, platform_user_id, is_new=False, state=state)
    else:
        params = {"channel": channel, "platform_user_id": platform_user_id}
        user = session.execute(_KNOWN_USER, params).unique().scalar_one_or_none()
    if user is None:  # nobody behind it yet
        user, created = people.create_user_for_identity(
            session,
            channel,
            platform_user_id,
            profile_name=profile_name,
            locale=choose_locale(locale_hint, first_words, default_locale),
            now=now,
            wrote_at=now,
        )
        if created:  # her identity is written with this message as her latest
            return Person(user=user, platform_user_id=platform_user_id, is_new=True)
    # Known, or made by another worker a moment ago.
    session.execute(TOUCH, touch)
    return Person(user=user, platform_user_id=platform_user_id, is_new=False)
