"""What people are told when what they may do changes: a role given or taken away (by a
community manager in the chat, the operator, or ADMIN_PHONES), a role promised to her number
given when she first writes from it, her shop suspended or reinstated. In her language, once
per change: the audit row it was recorded as is the notice's dedupe key.

From the command line or a start-up job, `queue_role_notices` writes to the outbox on the
caller's session; in a conversation, `tell_*` go through `ctx` (a reply when the change is
the person's own, a notification otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from conversations import outbox
from conversations.flow import StepContext
from conversations.i18n import N_, Translator
from conversations.marketplace import MarketRules
from conversations.messages import Choice, Outbound
from conversations.notify.mentors import invitation
from conversations.notify.suspension import APPEAL, AppealTap
from store.models import AuditAction, Role, User
from store.services.roles import RoleChange
from store.services.suspension import ShopChange

OWNER_GRANTED = N_(
    "You are now one of this shop's owners on Soko: you check new pieces (“Review listings” "
    "in the menu) and appoint mentors and community managers (“People”)."
)
OWNER_REVOKED = N_("You are no longer one of this shop's owners on Soko.")
MANAGER_GRANTED = N_(
    "You are now a community manager on Soko. Send menu and choose “Review listings” to "
    "check new pieces, or “People” to appoint mentors."
)
MANAGER_REVOKED = N_("You are no longer a community manager on Soko. Thank you for your help!")
MENTOR_GRANTED = N_(
    "You are now a mentor on Soko! Invite new artisans and guide them to their first sales."
)
MENTOR_GRANTED_NO_SHOP = N_(
    "You are now a mentor on Soko! First open your shop: send menu and choose “Sell your "
    "jewelry”. Your invitation code comes with it."
)
MENTOR_REVOKED = N_(
    "You are no longer a mentor on Soko, so your invitation code no longer works. Your "
    "recruits keep their shops."
)
SHOP_SUSPENDED = N_(
    "Your shop {shop} is suspended by Soko's community managers, for this reason: “{reason}”. "
    "Until it is reinstated, buyers can't see or buy your pieces and you can't list new ones; "
    "orders not yet paid were cancelled. Orders already paid must still be sent: send menu "
    "and choose “Orders to send”."
)
HOW_TO_APPEAL = N_(
    "If you think this is a mistake, answer this message with why your shop should open "
    "again, or choose “Appeal the suspension”: the community managers will read it and "
    "answer you here."
)
SHOP_REINSTATED = N_(
    "Good news: your shop {shop} is open again. Buyers can see and buy your pieces, and you "
    "can list new ones."
)

_GRANTED = {
    Role.OWNER: OWNER_GRANTED,
    Role.COMMUNITY_MANAGER: MANAGER_GRANTED,
}
_REVOKED = {
    Role.OWNER: OWNER_REVOKED,
    Role.COMMUNITY_MANAGER: MANAGER_REVOKED,
    Role.MENTOR: MENTOR_REVOKED,
}


def role_notice(t: Translator, change: RoleChange, config: MarketRules) -> Outbound | None:
    """The message for one change to someone's roles (None: nothing to tell)."""
    if not change.changed or change.user is None:
        return None
    if change.action is AuditAction.REVOKE:
        text = _REVOKED.get(change.role)
        return Outbound(text=t._(text)) if text else None
    if change.action is not AuditAction.GRANT:
        return None
    if change.role is Role.MENTOR:
        if change.mentor_code is None:
            return Outbound(text=t._(MENTOR_GRANTED_NO_SHOP))
        return invitation(t, config, change.mentor_code, intro=t._(MENTOR_GRANTED))
    text = _GRANTED.get(change.role)
    return Outbound(text=t._(text)) if text else None


def worth_telling(changes: Sequence[RoleChange]) -> list[RoleChange]:
    """The changes a person is told about: those that changed someone's roles, an owner's
    own message standing for the community manager role that comes and goes with it."""
    owners = {
        (c.user.id, c.action)
        for c in changes
        if c.changed and c.user is not None and c.role is Role.OWNER
    }
    return [
        c
        for c in changes
        if c.changed
        and c.user is not None
        and not (c.role is Role.COMMUNITY_MANAGER and (c.user.id, c.action) in owners)
    ]


def queue_role_notices(
    session: Session, changes: Sequence[RoleChange], config: MarketRules, now: datetime
) -> list[int]:
    """Tell each person her changes through the outbox; the outbox ids queued."""
    queued = []
    for change in worth_telling(changes):
        assert change.user is not None
        message = role_notice(Translator(_locale_of(session, change.user)), change, config)
        if message is None:
            continue
        sent = outbox.notify(
            session, change.user.id, message, dedupe_key=_key(change.audit_id), now=now
        )
        if sent is not None:
            queued.append(sent)
    return queued


def tell_role_changes(ctx: StepContext, changes: Sequence[RoleChange]) -> None:
    """In a conversation: the person writing is answered, anyone else notified."""
    config = ctx.market.config
    for change in worth_telling(changes):
        assert change.user is not None
        message = role_notice(ctx.translator, change, config)
        if message is None:
            continue
        if change.user.id == ctx.user.id:
            ctx.reply(message)
            continue

        def message_for(
            t: Translator, change: RoleChange = change, fallback: Outbound = message
        ) -> Outbound:
            return role_notice(t, change, config) or fallback

        ctx.notify(change.user.id, message_for)


def shop_notice(t: Translator, change: ShopChange) -> Outbound | None:
    if not change.changed:
        return None
    if change.action is AuditAction.SUSPEND:
        text = t._(SHOP_SUSPENDED).format(shop=change.artisan.shop_name, reason=change.reason)
        appeal = Choice(t._(APPEAL), AppealTap().encode())
        return Outbound(text=f"{text}\n{t._(HOW_TO_APPEAL)}", choices=(appeal,))
    return Outbound(text=t._(SHOP_REINSTATED).format(shop=change.artisan.shop_name))


def tell_shop_change(ctx: StepContext, change: ShopChange) -> None:
    message = shop_notice(ctx.translator, change)
    if message is None:
        return

    def message_for(t: Translator) -> Outbound:
        return shop_notice(t, change) or message

    ctx.notify(change.artisan.user_id, message_for)


def _locale_of(session: Session, user: User) -> str:
    found = session.get(User, user.id)
    return found.locale if found is not None else user.locale


def _key(audit_id: int | None) -> str | None:
    return f"people-audit:{audit_id}" if audit_id is not None else None
