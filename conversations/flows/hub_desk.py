"""The hub desk (hub mode): a community manager finds an order (from its notice, or by the
code she types), marks each piece received at the hub, passes it (it matches its photos and
the standards) or returns it to the artisan with a reason, and ships the order's passed
pieces in one parcel with its carrier and tracking number.

Every step goes through `store.services.hub`, which checks the role each time and whether
the piece may still move, so an old or forged button is answered, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sqlalchemy import select

from conversations import tracking_questions as ask_tracking
from conversations.flow import (
    END,
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
from conversations.flows import shipping_followups
from conversations.flows.language import PICK_ONE
from conversations.flows.my_shop import BACK_PAYLOAD, back, country_name
from conversations.hub_rules import bring_by
from conversations.i18n import N_, Translator
from conversations.messages import Choice, Inbound, Outbound
from conversations.notify import fulfilment as tell_buyer
from conversations.payloads import Payload
from store.errors import InvalidTransition
from store.models import Artisan, LineStatus, Order, OrderLine, Parcel, Role, UserRole
from store.services import hub, permissions
from store.services.audit import Actor
from store.text import clean_display

FLOW: Final = "hub"

MENU_LABEL = N_("Hub: pieces brought in")
NOT_HUB = N_("This shop does not use the hub: artisans send their pieces themselves.")
ASK_CODE = N_("Type the order code (for example SK-7KQ2XM):")
NO_SUCH_ORDER = N_("No order has the code {code}. Check it and type it again, or send menu.")
CARD_HEAD = N_("Order {code} · to {country}")
CARD_LINE = N_("• {title} × {quantity} from {shop} — {status}")
RECEIVE = N_("Received: {title}")
PASS = N_("Pass: {title}")
RETURN = N_("Return: {title}")
SHIP_PARCEL = N_("Ship the parcel")
ANOTHER = N_("Another order")
DONE_RECEIVED = N_("Received at the hub: {title}.")
DONE_PASSED = N_("Passed: {title}.")
ALREADY_PASSED = N_("{title} has already passed.")
CANNOT_NOW = N_("{title}: {status}. Nothing to do for it here.")
NOT_IN_ORDER = N_("That piece is not in order {code}.")
ASK_RETURN_REASON = N_("Why does {title} go back to {shop}? Type the reason for her:")
REASON_TOO_LONG = N_("Please keep the reason shorter: at most {max} characters.")
DONE_RETURNED = N_("Returned: {title}. {shop} and the buyer have been told.")
NOTHING_TO_SHIP = N_("No passed piece is waiting to ship in order {code}.")
DONE_SHIPPED = N_(
    "Shipped: the parcel of order {code} with {carrier}, number {number}. The buyer has been told."
)

TO_ARTISAN_PASSED = N_(
    "Good news: your {title} (order {code}) passed the check at the hub. "
    "We will send it to the buyer."
)
TO_ARTISAN_RETURNED = N_(
    "Your {title} (order {code}) was given back to you at the hub.\nReason: {reason}\n"
    "Please bring it again once it is right."
)
TO_ARTISAN_SHIPPED = N_("Your {title} (order {code}) has left the hub for the buyer. Thank you!")
TO_MANAGERS_COMING = N_("Order {code}: {shop} will bring {title} to the hub by {day}.")
OPEN_ORDER = N_("Open the order")

_STATUS: Final = {
    LineStatus.PENDING: N_("not paid yet"),
    LineStatus.PAID: N_("not accepted yet"),
    LineStatus.ACCEPTED: N_("accepted, not brought yet"),
    LineStatus.READY: N_("accepted, not brought yet"),
    LineStatus.AT_HUB: N_("at the hub, to check"),
    LineStatus.PASSED: N_("passed, to pack"),
    LineStatus.RETURNED: N_("returned to the artisan"),
    LineStatus.SHIPPED: N_("shipped"),
    LineStatus.DELIVERED: N_("delivered"),
    LineStatus.CANCELLED: N_("cancelled"),
    LineStatus.REFUNDED: N_("refunded"),
}


class Step(StrEnum):
    CODE = "code"
    CARD = "card"
    REASON = "reason"
    CARRIER = "carrier"
    CARRIER_NAME = "carrier_name"
    NUMBER = "number"


class HubMove(StrEnum):
    RECEIVE = "in"
    PASS = "ok"  # noqa: S105 (a step, not a password)
    RETURN = "no"


@dataclass(frozen=True)
class HubLine(Payload, tag="hub"):
    """A manager's step on a piece at the hub (a card's button, or the notice that it is
    coming)."""

    move: HubMove
    line_id: int


@dataclass(frozen=True)
class HubOrder(Payload, tag="hubo"):
    """An order's hub card (from the notice that a piece is coming)."""

    order_id: int


@dataclass(frozen=True)
class HubShip(Payload, tag="hubs"):
    order_id: int


@dataclass(frozen=True)
class HubAnother(Payload, tag="hubn"):
    """Type another order's code."""


_MOVES: Final = {
    LineStatus.ACCEPTED: (HubMove.RECEIVE,),
    LineStatus.READY: (HubMove.RECEIVE,),
    LineStatus.RETURNED: (HubMove.RECEIVE,),
    LineStatus.AT_HUB: (HubMove.PASS, HubMove.RETURN),
}
_LABELS: Final = {HubMove.RECEIVE: RECEIVE, HubMove.PASS: PASS, HubMove.RETURN: RETURN}


# --- telling the managers a piece is coming --------------------------------------------------


def tell_piece_coming(ctx: StepContext, line: OrderLine, shop: str) -> None:
    """An artisan accepted a piece she is to bring: each manager gets the order's notice,
    with "Received" for when she hands it in and the order's card."""
    managers = ctx.session.scalars(
        select(UserRole.user_id).where(
            UserRole.role == Role.COMMUNITY_MANAGER, UserRole.user_id != ctx.user.id
        )
    ).all()
    code, title, line_id, order_id = line.order.code, line.title, line.id, line.order_id
    rules, zone, now = ctx.market.config.hub, ctx.market.config.artisan_timezone, ctx.now

    def message(t: Translator) -> Outbound:
        day = bring_by(rules, now, zone, t.locale)
        return Outbound(
            text=t._(TO_MANAGERS_COMING).format(code=code, shop=shop, title=title, day=day),
            choices=(
                Choice(
                    t._(RECEIVE).format(title=title), HubLine(HubMove.RECEIVE, line_id).encode()
                ),
                Choice(t._(OPEN_ORDER), HubOrder(order_id).encode()),
            ),
        )

    for user_id in sorted(managers):
        ctx.notify(user_id, message)


# --- the flow --------------------------------------------------------------------------------


def start(ctx: StepContext, arg: str) -> StepResult:
    if not ctx.market.config.hub.at_hub:
        ctx.say(ctx._(NOT_HUB))
        return StepResult(END)
    if arg.isdecimal():
        order = ctx.session.get(Order, int(arg))
        if order is not None:
            return _show_card(ctx, order)
    return _ask_code(ctx)


def _ask_code(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(ASK_CODE))
    return StepResult(Step.CODE)


def code(ctx: StepContext, inbound: Inbound) -> StepResult:
    typed = inbound.text.strip()
    order = hub.order_by_code(ctx.session, typed) if typed else None
    if order is None:
        if typed:
            ctx.say(ctx._(NO_SUCH_ORDER).format(code=clean_display(typed)[:40]))
            return StepResult(Step.CODE)
        return _ask_code(ctx)
    return _show_card(ctx, order)


def card(ctx: StepContext, inbound: Inbound) -> StepResult:
    order = ctx.session.get_one(Order, int(ctx.data["order_id"]))
    if inbound.payload == BACK_PAYLOAD:
        return ctx.begin(FlowRegistry.MENU)
    if HubAnother.read(inbound.payload) is not None:
        return _ask_code(ctx)
    shipping = HubShip.read(inbound.payload)
    if shipping is not None:
        return _ask_carrier(ctx, order)
    tapped = HubLine.read(inbound.payload)
    if tapped is None:
        ctx.say(ctx._(PICK_ONE))
        return _show_card(ctx, order)
    line = ctx.session.get(OrderLine, tapped.line_id)
    if line is None or line.order_id != order.id:
        ctx.say(ctx._(NOT_IN_ORDER).format(code=order.code))
        return _show_card(ctx, order)
    return _line_step(ctx, order, line, tapped.move)


def act_from_earlier(ctx: StepContext, tapped: HubLine) -> StepResult | None:
    """A step tapped on the notice that a piece is coming, or on an earlier card: done on
    that piece's own order, if she is a manager; else answered as an earlier button."""
    line = ctx.session.get(OrderLine, tapped.line_id)
    if line is None or not _is_manager(ctx) or not ctx.market.config.hub.at_hub:
        return None
    ctx.leave()
    ctx.flow, ctx.step, ctx.data = FLOW, Step.CARD.value, {"order_id": line.order_id}
    return _line_step(ctx, line.order, line, tapped.move)


def open_order(ctx: StepContext, tapped: HubOrder) -> StepResult | None:
    if not _is_manager(ctx) or ctx.session.get(Order, tapped.order_id) is None:
        return None
    return ctx.begin(FLOW, str(tapped.order_id))


def _line_step(ctx: StepContext, order: Order, line: OrderLine, move: HubMove) -> StepResult:
    actor = Actor.user(ctx.user.id)
    if move is HubMove.PASS and line.status is LineStatus.PASSED:
        ctx.say(ctx._(ALREADY_PASSED).format(title=line.title))
        return _show_card(ctx, order)
    if move not in _MOVES.get(line.status, ()) and not (
        move is HubMove.RECEIVE and line.status is LineStatus.AT_HUB
    ):
        ctx.say(_cannot_now(ctx, line))
        return _show_card(ctx, order)
    if move is HubMove.RETURN:
        ctx.data["line_id"] = line.id
        return _ask_reason(ctx)
    try:
        if move is HubMove.RECEIVE:
            hub.receive_at_hub(ctx.session, actor, line.id, ctx.now)
            ctx.say(ctx._(DONE_RECEIVED).format(title=line.title))
        else:
            hub.pass_line(ctx.session, actor, line.id, ctx.now)
            ctx.say(ctx._(DONE_PASSED).format(title=line.title))
            _tell_artisan(ctx, line, TO_ARTISAN_PASSED)
    except InvalidTransition:
        ctx.say(_cannot_now(ctx, line))
    return _show_card(ctx, ctx.session.get_one(Order, order.id))


def _ask_reason(ctx: StepContext) -> StepResult:
    line = ctx.session.get_one(OrderLine, int(ctx.data["line_id"]))
    ctx.say(ctx._(ASK_RETURN_REASON).format(title=line.title, shop=_shop(ctx, line)))
    return StepResult(Step.REASON)


def reason(ctx: StepContext, inbound: Inbound) -> StepResult:
    line = ctx.session.get_one(OrderLine, int(ctx.data["line_id"]))
    why = inbound.text.strip()
    if not why:
        return _ask_reason(ctx)
    if len(clean_display(why)) > hub.REASON_MAX:
        ctx.say(ctx._(REASON_TOO_LONG).format(max=hub.REASON_MAX))
        return _ask_reason(ctx)
    try:
        line = hub.return_line(ctx.session, Actor.user(ctx.user.id), line.id, why, ctx.now)
    except InvalidTransition:
        ctx.say(_cannot_now(ctx, line))
        return _show_card(ctx, line.order)
    ctx.say(ctx._(DONE_RETURNED).format(title=line.title, shop=_shop(ctx, line)))
    _tell_artisan(ctx, line, TO_ARTISAN_RETURNED, reason=line.return_reason)
    tell_buyer.line_delayed(ctx, line.order, line)
    return _show_card(ctx, line.order)


def _ask_carrier(ctx: StepContext, order: Order) -> StepResult:
    if not any(line.status is LineStatus.PASSED for line in order.lines):
        ctx.say(ctx._(NOTHING_TO_SHIP).format(code=order.code))
        return _show_card(ctx, order)
    choices = ask_tracking.carrier_choices(ctx.translator, without_number=False)
    ctx.ask(ctx._(ask_tracking.ASK_CARRIER), choices)
    return StepResult(Step.CARRIER, {"order_id": order.id})


def carrier(ctx: StepContext, inbound: Inbound) -> StepResult:
    answer = ask_tracking.read_carrier(inbound)
    if not answer.name:  # "another carrier", or no number, which the hub does not offer
        return _ask_carrier_name(ctx)
    return _ask_number(ctx, answer.name)


def _ask_carrier_name(ctx: StepContext) -> StepResult:
    return ask_tracking.ask_carrier_name(ctx, Step.CARRIER_NAME)


def carrier_name(ctx: StepContext, inbound: Inbound) -> StepResult:
    name = inbound.text.strip()
    return _ask_number(ctx, name) if name else _ask_carrier_name(ctx)


def _ask_number(ctx: StepContext, name: str) -> StepResult:
    return ask_tracking.ask_number(ctx, name, Step.NUMBER)


def number(ctx: StepContext, inbound: Inbound) -> StepResult:
    order = ctx.session.get_one(Order, int(ctx.data["order_id"]))
    name = str(ctx.data.get("carrier", ""))
    try:
        parcel = hub.ship_parcel(
            ctx.session, Actor.user(ctx.user.id), order.id, name, inbound.text, ctx.now
        )
    except hub.InvalidTracking as refused:
        if refused.field == "carrier":
            return _ask_carrier_name(ctx)
        if inbound.text.strip():
            ctx.say(ctx._(ask_tracking.NUMBER_TOO_LONG))
            return StepResult(Step.NUMBER)
        return _ask_number(ctx, name)
    except hub.NothingToShip:
        ctx.say(ctx._(NOTHING_TO_SHIP).format(code=order.code))
        return _show_card(ctx, order)
    _after_shipping(ctx, order, parcel)
    ctx.say(
        ctx._(DONE_SHIPPED).format(
            code=order.code, carrier=parcel.carrier, number=parcel.tracking_number
        )
    )
    return _show_card(ctx, order)


def _after_shipping(ctx: StepContext, order: Order, parcel: Parcel) -> None:
    lines = [line for line in order.lines if line.parcel_id == parcel.id]
    tell_buyer.parcel_shipped(ctx, order, parcel, lines)
    artisans: dict[int, Artisan] = {}
    for line in lines:
        _tell_artisan(ctx, line, TO_ARTISAN_SHIPPED)
        artisan = ctx.session.get_one(Artisan, line.artisan_id)
        artisans[artisan.id] = artisan
    for artisan in artisans.values():
        shipping_followups.after_shipping(ctx, artisan)


# --- what she sees ----------------------------------------------------------------------------


def _show_card(ctx: StepContext, order: Order) -> StepResult:
    head = ctx._(CARD_HEAD).format(
        code=order.code, country=country_name(ctx, order.shipping_country)
    )
    rows = [head]
    choices: list[Choice] = []
    for line in order.lines:
        rows.append(
            ctx._(CARD_LINE).format(
                title=line.title,
                quantity=line.quantity,
                shop=_shop(ctx, line),
                status=ctx._(_STATUS[line.status]),
            )
        )
        for move in _MOVES.get(line.status, ()):
            label = ctx._(_LABELS[move]).format(title=line.title)
            choices.append(Choice(label, HubLine(move, line.id).encode()))
    if any(line.status is LineStatus.PASSED for line in order.lines):
        choices.append(Choice(ctx._(SHIP_PARCEL), HubShip(order.id).encode()))
    choices.append(Choice(ctx._(ANOTHER), HubAnother().encode()))
    choices.append(back(ctx))
    ctx.ask("\n".join(rows), choices)
    return StepResult(Step.CARD, {"order_id": order.id})


def _show_current(ctx: StepContext) -> StepResult:
    order = ctx.session.get(Order, int(ctx.data.get("order_id", 0)))
    return _show_card(ctx, order) if order is not None else _ask_code(ctx)


def _cannot_now(ctx: StepContext, line: OrderLine) -> str:
    return ctx._(CANNOT_NOW).format(title=line.title, status=ctx._(_STATUS[line.status]))


def _shop(ctx: StepContext, line: OrderLine) -> str:
    artisan = ctx.session.get_one(Artisan, line.artisan_id)
    return artisan.shop_name


def _tell_artisan(ctx: StepContext, line: OrderLine, text: str, *, reason: str = "") -> None:
    artisan = ctx.session.get_one(Artisan, line.artisan_id)
    code, title = line.order.code, line.title
    ctx.notify(
        artisan.user_id,
        lambda t: Outbound(text=t._(text).format(title=title, code=code, reason=reason)),
    )


def _is_manager(ctx: StepContext) -> bool:
    return permissions.holds(ctx.session, ctx.user.id, Role.COMMUNITY_MANAGER)


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.CODE: code,
        Step.CARD: card,
        Step.REASON: reason,
        Step.CARRIER: carrier,
        Step.CARRIER_NAME: carrier_name,
        Step.NUMBER: number,
    }
    prompts: dict[StrEnum, PromptFn] = {
        Step.CODE: _ask_code,
        Step.CARD: _show_current,
        Step.REASON: _ask_reason,
        Step.CARRIER: lambda ctx: _ask_carrier(
            ctx, ctx.session.get_one(Order, int(ctx.data["order_id"]))
        ),
        Step.CARRIER_NAME: _ask_carrier_name,
        Step.NUMBER: lambda ctx: _ask_number(ctx, str(ctx.data.get("carrier", ""))),
    }
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(HubLine, act_from_earlier)
    registry.add_route(HubOrder, open_order)
    registry.add_menu_entry(
        MenuEntry(
            "hub",
            MENU_LABEL,
            FLOW,
            MenuGroup.MANAGING,
            3,
            visible=with_role(Role.COMMUNITY_MANAGER),
        )
    )
