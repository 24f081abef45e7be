"""The People menu's finding and showing: a number in any form finds the person it is proven
to be (or offers to promise her a role, and names any shop that gave it as its M-Pesa
number: information, never whom the role goes to), words find shops (one: her card;
several: a list to pick from), and what each answer leads to — her card, the list, the
question again."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

from conversations.flow import StepContext, StepResult
from conversations.flows.people_card import (
    FIND_ANOTHER,
    Action,
    Tapped,
    card_choices,
    card_text,
    choice,
    menu_choice,
)
from conversations.i18n import N_
from conversations.messages import Choice
from conversations.shorten import shorten
from store.errors import NotFound
from store.models import Artisan, Role
from store.phones import shown_phone
from store.services import directory, roles
from store.services.directory import PersonCard
from store.services.people import InvalidPhone, normalize_phone

LIST_LIMIT: Final = 10

ASK = N_("Type a phone number (any form, like 0712 345 678) or part of a shop’s name:")
BAD_NUMBER = N_(
    "{text} is not a phone number I know. Type it like 0712 345 678 or +254 712 345 678, or "
    "type part of a shop’s name:"
)
NOBODY = N_("Nobody on Soko is known by {phone} yet.")
NOBODY_PROMISE = N_(
    "Nobody on Soko is known by {phone} yet. You can give her a role now: she gets it when she "
    "first writes from that number."
)
MPESA_OF_A_SHOP = N_(
    "A shop uses this number for M-Pesa: {shops}. That does not make the number hers: a role "
    "given here goes to whoever writes from it."
)
PROMISE_MENTOR = N_("Make mentor when she writes")
PROMISE_MANAGER = N_("Make community manager when she writes")
NO_SHOP_FOUND = N_(
    "No shop’s name has “{words}” in it. Type a phone number or another part of the name:"
)
SHOPS_FOUND = N_("Shops with “{words}” in their name. Pick one, or type to look again:")
SHOPS_MORE = N_(
    "The first {count} shops with “{words}” in their name. Pick one, or type more of the "
    "name to find others:"
)
GONE = N_(
    "I can’t find that person any more (her accounts may have been joined into one). Type a "
    "phone number or part of a shop’s name to look again:"
)

# What is read as a phone number rather than a shop's name: digits, and the signs people
# write numbers with.
_NUMBER: Final = re.compile(r"[+\d\s()./-]*\d[+\d\s()./-]*")
PROMISES: Final = {
    Action.PROMISE_MENTOR: Role.MENTOR,
    Action.PROMISE_MANAGER: Role.COMMUNITY_MANAGER,
}
_PROMISE_LABELS: Final = (
    (Action.PROMISE_MENTOR, PROMISE_MENTOR),
    (Action.PROMISE_MANAGER, PROMISE_MANAGER),
)


class Step(StrEnum):
    FIND = "find"  # a number or a shop's name, please
    PICK = "pick"  # shops found
    CARD = "card"  # someone's card
    PROMISE = "promise"  # nobody has that number
    REASON = "reason"  # why suspend
    CONFIRM = "confirm"  # suspend?


def look_up(ctx: StepContext, text: str) -> StepResult:
    if not text:
        return ask(ctx, ASK)
    if _NUMBER.fullmatch(text):
        return _by_number(ctx, text)
    shops = directory.find_shops(ctx.session, text, limit=LIST_LIMIT + 1)
    if not shops:
        return ask(ctx, NO_SHOP_FOUND, words=shorten(text))
    if len(shops) == 1:
        return show_card(ctx, shops[0].user_id)
    choices = [
        Choice(_shop_label(shop), Tapped(Action.OPEN, user_id=shop.user_id).payload())
        for shop in shops[:LIST_LIMIT]
    ]
    question = SHOPS_MORE if len(shops) > LIST_LIMIT else SHOPS_FOUND
    ctx.ask(ctx._(question).format(words=shorten(text), count=LIST_LIMIT), choices)
    return at(ctx, Step.PICK)


def _shop_label(shop: Artisan) -> str:
    place = shop.location.strip()
    return f"{shop.shop_name} ({place})" if place else shop.shop_name


def _by_number(ctx: StepContext, text: str) -> StepResult:
    try:
        user = directory.person_verified_by(ctx.session, text)
    except InvalidPhone:
        return bad_number(ctx, text)
    if user is not None:
        return show_card(ctx, user.id)
    phone = normalize_phone(text)
    assert phone is not None  # person_verified_by read it
    choices = [
        choice(ctx, label, action, phone)
        for action, label in _PROMISE_LABELS
        if roles.may_appoint(ctx.session, ctx.user.id, PROMISES[action])
    ]
    lines = [ctx._(NOBODY_PROMISE if choices else NOBODY).format(phone=shown_phone(phone))]
    # Information, and her card to look at; the number stays the one a role is promised to.
    shops = directory.shops_with_mpesa_number(ctx.session, phone, limit=LIST_LIMIT)
    if shops:
        names = ", ".join(shop.shop_name for shop in shops)
        lines.append(ctx._(MPESA_OF_A_SHOP).format(shops=names))
        choices += [
            Choice(_shop_label(shop), Tapped(Action.OPEN, user_id=shop.user_id).payload())
            for shop in shops
        ]
    choices += [choice(ctx, FIND_ANOTHER, Action.AGAIN), menu_choice(ctx)]
    ctx.ask("\n".join(lines), choices)
    return at(ctx, Step.PROMISE)


# --- what an answer leads to ----------------------------------------------------------------


def show_card(ctx: StepContext, user_id: int) -> StepResult:
    card = load_card(ctx, user_id)
    if card is None:
        return gone(ctx)
    ctx.ask(card_text(ctx, card), card_choices(ctx, card))
    return at(ctx, Step.CARD, user_id=user_id)


def load_card(ctx: StepContext, user_id: int) -> PersonCard | None:
    """Her card as she is now; None when she is no longer there (joined into another
    account)."""
    try:
        return directory.person_card(ctx.session, user_id)
    except NotFound:
        return None


def bad_number(ctx: StepContext, text: str) -> StepResult:
    return ask(ctx, BAD_NUMBER, text=shorten(text))


def gone(ctx: StepContext) -> StepResult:
    return ask(ctx, GONE)


def ask(ctx: StepContext, question: str, **values: str) -> StepResult:
    """Ask for a number or a shop's name (`question` says how)."""
    ctx.ask(ctx._(question).format(**values), [menu_choice(ctx)])
    return at(ctx, Step.FIND)


def at(ctx: StepContext, step: Step, **data: object) -> StepResult:
    """The next step, with only what it needs remembered."""
    ctx.data.clear()
    return StepResult(step, data)
