"""The sender's verified number (`Inbound.verified_phone`: the WhatsApp number she writes
from, or her own contact shared on Telegram), handled in the update's unit of work, the same
way for every channel: recorded as her phone, joining her accounts on other channels and
giving her the roles promised to the number (`store.services.phone_link`); and what she is
told about it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from conversations.flow import StepContext
from conversations.i18n import N_
from conversations.messages import Inbound
from conversations.notify.roles import tell_role_changes
from conversations.people import Person
from store.phones import shown_phone
from store.services.people import normalize_phone
from store.services.phone_link import PhoneLinked, link_verified_phone

NUMBER_SAVED = N_("Thanks — your number {phone} is saved.")
NUMBERS_CLASH = N_(
    "Your number {phone} is already used by another Soko account with a shop, so I could not "
    "join your two accounts. Nothing is lost: each keeps its shop, and we have noted it for a "
    "community manager."
)


def link_sender_phone(
    session: Session, person: Person, inbound: Inbound, now: datetime
) -> tuple[Person, PhoneLinked | None]:
    """Who is writing once her verified number is hers: the same person, or the older
    account her number belongs to (then not new, whatever this channel thought)."""
    stated = inbound.verified_phone
    if not stated or person.user.phone == stated:
        return person, None
    phone = normalize_phone(stated)
    if phone is None or person.user.phone == phone:
        return person, None
    linked = link_verified_phone(session, person.user, phone, now)
    is_new = person.is_new and linked.merged_user_id is None
    return Person(linked.user, person.platform_user_id, is_new), linked


def shares_own_number_unasked(ctx: StepContext, inbound: Inbound) -> bool:
    """She shared her own contact, but no question was waiting for it."""
    contact = inbound.contact
    return contact is not None and contact.is_own and not ctx.contact_asked


def tell(
    ctx: StepContext, inbound: Inbound, linked: PhoneLinked | None, *, arrived: bool = False
) -> None:
    """Thanks for a number nobody asked for, the accounts that could not be joined (once),
    the roles her number brought. `arrived`: her first message on this channel made her one
    with her account on another: the question open there (and its buttons) is not on this
    screen, so she starts from her menu (what the open flow keeps, it keeps)."""
    if arrived:
        ctx.leave()
        ctx.offered = ()
    refused = linked is not None and linked.refused
    if linked is not None and linked.first_refusal:
        ctx.say(ctx._(NUMBERS_CLASH).format(phone=shown_phone(linked.phone)))
    elif not refused and inbound.contact is not None and shares_own_number_unasked(ctx, inbound):
        phone = linked.phone if linked else normalize_phone(inbound.contact.phone)
        if phone is not None and phone == ctx.user.phone:
            ctx.say(ctx._(NUMBER_SAVED).format(phone=shown_phone(phone)))
    if linked is not None:
        tell_role_changes(ctx, linked.roles)
