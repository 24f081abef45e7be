"""The community managers' People menu: find someone by a phone number (any form) or by her
shop's name (`people_find`), see her card (`people_card`), and act on it (`people_actions`):
make her a mentor or stop that, suspend or reinstate her shop, and (owners only) make her a
community manager or remove that; promise a role to a number nobody is known by yet.

Every step checks again that the person writing is a community manager, and every action is
checked again by its service: a card or a choice may be old, roles may have changed since,
and a payload is only what someone sent. An action tapped on an old card acts on the person
as she is now ("Make mentor" tapped twice: she is one already).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from conversations.choices import is_skip
from conversations.flow import (
    Answer,
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    PromptFn,
    StepContext,
    StepFn,
    StepResult,
    with_role,
)
from conversations.flows import people_actions as actions
from conversations.flows import visits, week_lists
from conversations.flows.language import PICK_ONE
from conversations.flows.my_shop import NO, YES
from conversations.flows.people_card import (
    KINDS,
    Action,
    Tapped,
    choice,
    display_name,
    tapped,
    tapped_payload,
)
from conversations.flows.people_find import (
    ASK,
    PROMISES,
    Step,
    ask,
    at,
    bad_number,
    gone,
    load_card,
    look_up,
    show_card,
)
from conversations.i18n import N_
from conversations.messages import Choice, Inbound, TapWord
from conversations.payloads import Payload
from store.errors import NotFound, PermissionDenied
from store.models import ArtisanStatus, Role
from store.services import permissions, suspension
from store.services.audit import Actor
from store.services.directory import PersonCard
from store.services.people import InvalidPhone
from store.services.roles import OwnerKeepsRole, ShopSuspended

FLOW: Final = "people"
REASON_MAX: Final = suspension.REASON_MAX  # what the audit keeps

MENU_LABEL = N_("People")
OWNER_KEEPS = N_(
    "{name} is one of the shop’s owners: she stays a community manager while her number is in "
    "the shop’s settings (ADMIN_PHONES). Nothing changed."
)
SHOP_SUSPENDED_FIRST = N_("{shop} is suspended: reinstate it first, then make her a mentor.")
NO_SHOP_NOW = N_("{name} has no shop: nothing changed.")
ASK_REASON = N_(
    "Why suspend {shop}? Type a short reason: she will read it, and it is kept in the record."
)
REASON_NEEDED = N_(
    "A shop is suspended only with a reason, since she will be told why. Please type a few "
    "words, for example: photos of pieces she did not make."
)
CANCEL = N_("Cancel")
CONFIRM_SUSPEND = N_(
    "Suspend {name}’s shop {shop}? Until it is reinstated, buyers will not see or buy her "
    "pieces, they leave buyers’ carts, orders not yet paid for them are cancelled (the "
    "buyers told), and she will not be able to list new ones or mentor anyone. Orders "
    "already paid are still hers to send. She will be told why, and how to appeal."
)
KEPT = N_("Nothing changed.")
CLOSED = N_("That question is closed. This is how things stand now:")

_ROLE_CHANGES: Final = {
    Action.MAKE_MENTOR: (Role.MENTOR, True),
    Action.STOP_MENTORING: (Role.MENTOR, False),
    Action.MAKE_MANAGER: (Role.COMMUNITY_MANAGER, True),
    Action.REMOVE_MANAGER: (Role.COMMUNITY_MANAGER, False),
}


def start(ctx: StepContext, arg: str) -> StepResult:
    """ "": a number or a shop's name, please; `week_lists.NEW_SHOPS_ARG`: this week's new
    shops to pick from (her week's "New artisans")."""
    _check_manager(ctx)
    if arg == week_lists.NEW_SHOPS_ARG:
        return week_lists.new_shops(ctx)
    return ask(ctx, ASK)


def find(ctx: StepContext, inbound: Inbound) -> StepResult:
    """Her answer to "a number or a shop's name"; on a card, a list or after an unknown
    number, anything typed that is not a choice is looked up the same way (a contact she
    shares is its number)."""
    _check_manager(ctx)
    tap = tapped(inbound)
    if tap is not None:
        return _act(ctx, tap)
    looked_up = inbound.contact.phone if inbound.contact else inbound.text
    return look_up(ctx, looked_up.strip())


def reason(ctx: StepContext, inbound: Inbound) -> StepResult:
    """Why suspend: a few words (needed: "skip", or the Skip button of an older question,
    is answered kindly with the question again); then "are you sure?"."""
    _check_manager(ctx)
    tap = tapped(inbound)
    if tap is not None and tap.action is not Action.SKIP:
        return _act(ctx, tap)
    user_id = _asked_about(ctx)
    typed = " ".join(inbound.text.split())
    if user_id is None:
        return ask(ctx, ASK)
    if tap is None and not typed:
        return _ask_reason(ctx, user_id)
    if tap is not None or is_skip(typed):
        ctx.say(ctx._(REASON_NEEDED))
        return _ask_reason(ctx, user_id)
    why = typed
    card = load_card(ctx, user_id)
    if card is None:
        return gone(ctx)
    if card.shop is None:
        return _no_shop(ctx, card)
    text = ctx._(CONFIRM_SUSPEND).format(name=display_name(ctx, card), shop=card.shop.shop_name)
    ctx.ask(text, _yes_no(ctx, user_id))
    return StepResult(Step.CONFIRM, {"reason": why[:REASON_MAX]})


def confirm(ctx: StepContext, inbound: Inbound) -> StepResult:
    _check_manager(ctx)
    tap = tapped(inbound)
    if tap is not None:
        return _act(ctx, tap)
    user_id = _asked_about(ctx)
    if user_id is None:
        return ask(ctx, ASK)
    ctx.ask(ctx._(PICK_ONE), _yes_no(ctx, user_id))
    return StepResult(Step.CONFIRM)


# --- acting --------------------------------------------------------------------------------


def act_from_earlier(ctx: StepContext, payload: Payload) -> StepResult | None:
    """A People choice tapped on an earlier People message (a card, a list, a question),
    while she is in the People menu: done on the person as she is now."""
    _check_manager(ctx)
    tap = tapped_payload(payload)
    return _act(ctx, tap) if tap is not None else None


def _act(ctx: StepContext, tap: Tapped) -> StepResult:
    """A choice (offered now, or on an older message): done on the person as she is now."""
    try:
        return _do(ctx, tap)
    except NotFound:  # joined into another account since; the services raise before writing
        return gone(ctx)


def _do(ctx: StepContext, tap: Tapped) -> StepResult:
    action, user_id = tap.action, tap.user_id or 0
    if action is Action.MENU:
        return ctx.begin(FlowRegistry.MENU)
    if action is Action.AGAIN or action is Action.SKIP:  # a skip from an old question
        return ask(ctx, ASK)
    if action in PROMISES:
        try:
            change = actions.promise(ctx, tap.phone or "", PROMISES[action])
        except InvalidPhone:  # a payload made by hand: no number at all
            return bad_number(ctx, tap.phone or "")
        return show_card(ctx, change.user.id) if change.user else ask(ctx, ASK)
    if action is Action.OPEN:
        return show_card(ctx, user_id)
    card = load_card(ctx, user_id)
    if card is None:
        return gone(ctx)
    if action in _ROLE_CHANGES:
        return _change_role(ctx, card, *_ROLE_CHANGES[action])
    if card.shop is None:
        return _no_shop(ctx, card)
    if action is Action.SUSPEND:
        return _ask_reason(ctx, user_id)
    if action is Action.VISIT:
        return ctx.begin(visits.FLOW, visits.start_arg(card.shop.id))
    if action is Action.REINSTATE:
        actions.reinstate(ctx, card.shop.id)
    elif action is Action.KEEP:
        ctx.say(ctx._(KEPT))
    elif ctx.step == Step.CONFIRM and _asked_about(ctx) == user_id:  # Action.CONFIRM
        try:
            actions.suspend(ctx, card.shop.id, str(ctx.data.get("reason", "")))
        except suspension.ReasonRequired:  # a question asked before reasons were needed
            ctx.say(ctx._(REASON_NEEDED))
            return _ask_reason(ctx, user_id)
    else:  # "Yes" to a question that is no longer open
        ctx.say(ctx._(CLOSED))
    return show_card(ctx, user_id)


def _change_role(ctx: StepContext, card: PersonCard, role: Role, give: bool) -> StepResult:
    name = display_name(ctx, card)
    try:
        actions.change_role(ctx, card.user.id, role, give=give, name=name)
    except OwnerKeepsRole:
        ctx.say(ctx._(OWNER_KEEPS).format(name=name))
    except ShopSuspended:
        shop = card.shop.shop_name if card.shop else name
        ctx.say(ctx._(SHOP_SUSPENDED_FIRST).format(shop=shop))
    return show_card(ctx, card.user.id)


def _ask_reason(ctx: StepContext, user_id: int) -> StepResult:
    card = load_card(ctx, user_id)
    if card is None:
        return gone(ctx)
    if card.shop is None:
        return _no_shop(ctx, card)
    if not suspension.may_change_shop(ctx.session, ctx.user.id, card.shop):
        raise PermissionDenied("suspend a shop", ctx.user.id)  # her own, or an owner's
    if card.shop.status is ArtisanStatus.SUSPENDED:
        ctx.say(ctx._(actions.SUSPENDED_ALREADY).format(shop=card.shop.shop_name))
        return show_card(ctx, user_id)
    question = ctx._(ASK_REASON).format(shop=card.shop.shop_name)
    ctx.ask(question, [choice(ctx, CANCEL, Action.KEEP, user_id, means=TapWord.NO)])
    return at(ctx, Step.REASON, user_id=user_id)


def _no_shop(ctx: StepContext, card: PersonCard) -> StepResult:
    ctx.say(ctx._(NO_SHOP_NOW).format(name=display_name(ctx, card)))
    return show_card(ctx, card.user.id)


def _asked_about(ctx: StepContext) -> int | None:
    """Whom the open question (why suspend, suspend?) is about."""
    user_id = ctx.data.get("user_id")
    return user_id if isinstance(user_id, int) else None


def _yes_no(ctx: StepContext, user_id: int) -> list[Choice]:
    return [
        choice(ctx, YES, Action.CONFIRM, user_id, means=TapWord.YES),
        choice(ctx, NO, Action.KEEP, user_id, means=TapWord.NO),
    ]


def _card_again(ctx: StepContext) -> StepResult:
    user_id = _asked_about(ctx)
    return show_card(ctx, user_id) if user_id is not None else ask(ctx, ASK)


def _reason_again(ctx: StepContext) -> StepResult:
    user_id = _asked_about(ctx)
    return _ask_reason(ctx, user_id) if user_id is not None else ask(ctx, ASK)


def _confirm_again(ctx: StepContext) -> StepResult:
    user_id = _asked_about(ctx)
    if user_id is None:
        return ask(ctx, ASK)
    card = load_card(ctx, user_id)
    if card is None:
        return gone(ctx)
    if card.shop is None:
        return _no_shop(ctx, card)
    text = ctx._(CONFIRM_SUSPEND).format(name=display_name(ctx, card), shop=card.shop.shop_name)
    ctx.ask(text, _yes_no(ctx, user_id))
    return StepResult(Step.CONFIRM)


def _check_manager(ctx: StepContext) -> None:
    """The menu shows this flow to community managers only; a conversation may outlive the
    role (the engine answers "you can't do that" and nothing changes)."""
    permissions.require_manager(ctx.session, Actor.user(ctx.user.id), "use the People menu")


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.FIND: find,
        Step.PICK: find,
        Step.CARD: find,
        Step.PROMISE: find,
        Step.REASON: reason,
        Step.CONFIRM: confirm,
    }
    prompts: dict[StrEnum, PromptFn] = {
        Step.FIND: lambda ctx: ask(ctx, ASK),
        Step.PICK: lambda ctx: ask(ctx, ASK),
        Step.CARD: _card_again,
        Step.PROMISE: lambda ctx: ask(ctx, ASK),
        Step.REASON: _reason_again,
        Step.CONFIRM: _confirm_again,
    }
    # Typed at the search, the list found, a card or a number nobody has: a new search (a
    # menu entry's name opens the entry instead, `menu_words`). A reason is her own words.
    searches = (Step.FIND, Step.PICK, Step.CARD, Step.PROMISE)
    answers: dict[StrEnum, Answer] = {Step.CONFIRM: Answer.CHOICE}
    answers.update(dict.fromkeys(searches, Answer.SEARCH))
    registry.add(Flow(FLOW, steps, start, prompts=prompts, answers=answers))
    for kind in KINDS:
        registry.add_route(kind, act_from_earlier, within=FLOW)
    registry.add_menu_entry(
        MenuEntry(
            "people",
            MENU_LABEL,
            FLOW,
            MenuGroup.MANAGING,
            2,
            visible=with_role(Role.COMMUNITY_MANAGER),
        )
    )
