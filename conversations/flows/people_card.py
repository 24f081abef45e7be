"""The People menu's card: someone as a community manager sees her (name, numbers, roles,
shop), and the actions offered under it, each a choice whose payload is packed and read here.

A payload names the action and whom (or which number) it is about, so that a tap on an old
card acts on that person as she is now; it is never trusted further: every action checks
again who may do it (`conversations.flows.people_actions`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from conversations.flow import StepContext
from conversations.flows import visits
from conversations.global_words import GlobalWord, word_button
from conversations.i18n import N_
from conversations.messages import Choice, Inbound, TapWord
from conversations.payloads import Payload, decode
from store.models import Artisan, ArtisanStatus, Role
from store.phones import shown_phone
from store.services import permissions, referrals, roles, suspension
from store.services.audit import Actor
from store.services.directory import PersonCard

NO_NAME = N_("(no name)")
PHONES = N_("Phone: {phones}")
NO_PHONE = N_("Phone: not known")
ROLES = N_("Roles: {roles}")
NO_ROLES = N_("Roles: none (she buys only)")
OWNER = N_("owner")
COMMUNITY_MANAGER = N_("community manager")
MENTOR = N_("mentor")
ARTISAN = N_("artisan")
SHOP = N_("Shop: {shop}, {place}")
SHOP_NO_PLACE = N_("Shop: {shop}")
NO_SHOP = N_("Shop: none")
MPESA = N_("M-Pesa: {phone}")
MENTORED_BY = N_("Her shop is mentored by {mentor}.")
MENTOR_PAUSED = N_(
    "Her mentor {mentor} is not mentoring now: nobody earns a commission on her new sales "
    "until she is again."
)
MENTORED_ALONE = N_("Her shop is learning, without a mentor.")
INDEPENDENT = N_("Her shop is independent.")
SUSPENDED = N_("Her shop is suspended.")

MAKE_MENTOR = N_("Make mentor")
STOP_MENTORING = N_("Stop mentoring")
SUSPEND_SHOP = N_("Suspend shop")
REINSTATE_SHOP = N_("Reinstate shop")
MAKE_MANAGER = N_("Make community manager")
REMOVE_MANAGER = N_("Remove community manager")
RECORD_VISIT = N_("Record a visit")
FIND_ANOTHER = N_("Find someone else")
MENU = N_("Menu")

_ROLE_WORDS = (
    (Role.OWNER, OWNER),
    (Role.COMMUNITY_MANAGER, COMMUNITY_MANAGER),
    (Role.MENTOR, MENTOR),
    (Role.ARTISAN, ARTISAN),
)
_STATUS = {ArtisanStatus.INDEPENDENT: INDEPENDENT, ArtisanStatus.SUSPENDED: SUSPENDED}


class Action(StrEnum):
    OPEN = "open"  # show her card (a shop picked from a list)
    MAKE_MENTOR = "mentor"
    STOP_MENTORING = "unmentor"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    MAKE_MANAGER = "cm"
    REMOVE_MANAGER = "uncm"
    PROMISE_MENTOR = "pmentor"  # to a number nobody is known by yet
    PROMISE_MANAGER = "pcm"
    CONFIRM = "yes"  # suspend, after the question
    KEEP = "no"
    SKIP = "skip"  # no reason given for a suspension
    AGAIN = "again"
    MENU = "menu"
    VISIT = "visit"  # record a workshop visit to her shop


# The actions about a known person (the target is her user id), about a number (E.164), and
# those about nobody.
BY_PERSON = frozenset(
    {
        Action.OPEN,
        Action.MAKE_MENTOR,
        Action.STOP_MENTORING,
        Action.SUSPEND,
        Action.REINSTATE,
        Action.MAKE_MANAGER,
        Action.REMOVE_MANAGER,
        Action.CONFIRM,
        Action.KEEP,
        Action.VISIT,
    }
)
BY_NUMBER = frozenset({Action.PROMISE_MENTOR, Action.PROMISE_MANAGER})
# A role's (give, take) choices.
_ROLE_ACTIONS = {
    Role.MENTOR: ((MAKE_MENTOR, Action.MAKE_MENTOR), (STOP_MENTORING, Action.STOP_MENTORING)),
    Role.COMMUNITY_MANAGER: (
        (MAKE_MANAGER, Action.MAKE_MANAGER),
        (REMOVE_MANAGER, Action.REMOVE_MANAGER),
    ),
}
_PHONE = re.compile(r"\+[0-9]{6,15}")


@dataclass(frozen=True)
class OnPerson(Payload, tag="pp"):
    action: Action
    user_id: int


@dataclass(frozen=True)
class OnNumber(Payload, tag="pn"):
    action: Action
    phone: str  # E.164


@dataclass(frozen=True)
class OnNobody(Payload, tag="pa"):
    action: Action


KINDS = (OnPerson, OnNumber, OnNobody)


@dataclass(frozen=True)
class Tapped:
    """A People payload: what to do, about whom (a user id) or which number."""

    action: Action
    user_id: int | None = None
    phone: str | None = None

    def payload(self) -> str:
        if self.user_id is not None:
            return OnPerson(self.action, self.user_id).encode()
        if self.phone is not None:
            return OnNumber(self.action, self.phone).encode()
        return OnNobody(self.action).encode()


def choice(
    ctx: StepContext,
    label: str,
    action: Action,
    target: int | str | None = None,
    *,
    means: TapWord | None = None,
) -> Choice:
    """A choice labelled with the N_()-marked `label`, about a person (her user id) or a
    number (E.164)."""
    if isinstance(target, int):
        packed = Tapped(action, user_id=target)
    else:
        packed = Tapped(action, phone=target)
    return Choice(ctx._(label), packed.payload(), means)


def tapped(inbound: Inbound) -> Tapped | None:
    """The People action a tapped payload is; None for anything else (typed words are
    never an action)."""
    return tapped_payload(inbound.payload)


def tapped_payload(payload: str | Payload | None) -> Tapped | None:
    """A People payload (a choice offered now, or one from an earlier People message that
    the dispatcher routes here) as a `Tapped`, if it is one exactly."""
    if isinstance(payload, OnPerson):
        return (
            Tapped(payload.action, user_id=payload.user_id) if payload.action in BY_PERSON else None
        )
    if isinstance(payload, OnNumber):
        known = payload.action in BY_NUMBER and _PHONE.fullmatch(payload.phone)
        return Tapped(payload.action, phone=payload.phone) if known else None
    if isinstance(payload, OnNobody):
        return Tapped(payload.action) if payload.action not in BY_PERSON | BY_NUMBER else None
    if isinstance(payload, str):
        return tapped_payload(decode(payload))
    return None


def menu_choice(ctx: StepContext) -> Choice:
    """ "Menu": the global word's button, which works from any message."""
    return Choice(ctx._(MENU), word_button(GlobalWord.MENU))


# --- the card -----------------------------------------------------------------------------


def display_name(ctx: StepContext, card: PersonCard) -> str:
    if card.name:
        return card.name
    return shown_phone(card.phones[0]) if card.phones else ctx._(NO_NAME)


def card_text(ctx: StepContext, card: PersonCard) -> str:
    lines = [display_name(ctx, card)]
    if card.phones:
        phones = " · ".join(shown_phone(phone) for phone in card.phones)
        lines.append(ctx._(PHONES).format(phones=phones))
    else:
        lines.append(ctx._(NO_PHONE))
    held = {r.role for r in card.roles}
    words = [ctx._(word) for role, word in _ROLE_WORDS if role in held]
    lines.append(ctx._(ROLES).format(roles=", ".join(words)) if words else ctx._(NO_ROLES))
    if card.shop is None:
        lines.append(ctx._(NO_SHOP))
    else:
        lines.extend(_shop_lines(ctx, card.shop, card.phones))
    return "\n".join(lines)


def _shop_lines(ctx: StepContext, shop: Artisan, phones: tuple[str, ...]) -> list[str]:
    place = shop.location.strip()
    if place:
        lines = [ctx._(SHOP).format(shop=shop.shop_name, place=place)]
    else:
        lines = [ctx._(SHOP_NO_PLACE).format(shop=shop.shop_name)]
    if shop.mpesa_phone and shop.mpesa_phone not in phones:  # typed by her, never checked
        lines.append(ctx._(MPESA).format(phone=shown_phone(shop.mpesa_phone)))
    status = _STATUS.get(shop.status)
    if status is not None:
        lines.append(ctx._(status))
    elif shop.mentor is None:
        lines.append(ctx._(MENTORED_ALONE))
    else:
        name = shop.mentor.user.display_name.strip() or shop.mentor.shop_name
        # Stopped or suspended, she is still her mentor (for when she is back), but not now.
        mentoring = referrals.is_mentoring(ctx.session, shop.mentor.id)
        lines.append(ctx._(MENTORED_BY if mentoring else MENTOR_PAUSED).format(mentor=name))
    lines.append(visits.card_line(ctx, shop.id))
    return lines


def card_choices(ctx: StepContext, card: PersonCard) -> list[Choice]:
    """What the viewer may do with her, as she is now: only what applies, and only what the
    viewer may do to this person (not to herself, nor to an owner unless she is one)."""
    return [
        *_role_choices(ctx, card, Role.MENTOR),
        *_shop_choices(ctx, card),
        *_role_choices(ctx, card, Role.COMMUNITY_MANAGER),
        *_visit_choices(ctx, card),
        choice(ctx, FIND_ANOTHER, Action.AGAIN),
        menu_choice(ctx),
    ]


def _role_choices(ctx: StepContext, card: PersonCard, role: Role) -> list[Choice]:
    held = {r.role for r in card.roles}
    give = role not in held
    if give and role is Role.MENTOR and _suspended(card):
        return []  # a suspended shop mentors nobody
    if not give and role is Role.COMMUNITY_MANAGER and Role.OWNER in held:
        return []  # an owner stays one while her number is in ADMIN_PHONES
    if not roles.may_change(ctx.session, ctx.user.id, card.user.id, role, give=give):
        return []
    label, action = _ROLE_ACTIONS[role][0 if give else 1]
    return [choice(ctx, label, action, card.user.id)]


def _shop_choices(ctx: StepContext, card: PersonCard) -> list[Choice]:
    if card.shop is None or not suspension.may_change_shop(ctx.session, ctx.user.id, card.shop):
        return []
    if _suspended(card):
        return [choice(ctx, REINSTATE_SHOP, Action.REINSTATE, card.user.id)]
    return [choice(ctx, SUSPEND_SHOP, Action.SUSPEND, card.user.id)]


def _visit_choices(ctx: StepContext, card: PersonCard) -> list[Choice]:
    """A workshop visit to someone else's shop (not to her own, nor to an owner's unless she
    is one: the service's rule)."""
    if card.shop is None or not permissions.may_act_on(
        ctx.session,
        Actor.user(ctx.user.id),
        Role.COMMUNITY_MANAGER,
        card.user.id,
        on_herself=False,
    ):
        return []
    return [choice(ctx, RECORD_VISIT, Action.VISIT, card.user.id)]


def _suspended(card: PersonCard) -> bool:
    return card.shop is not None and card.shop.status is ArtisanStatus.SUSPENDED
