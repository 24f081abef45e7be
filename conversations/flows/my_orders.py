"""Orders to send: an artisan's paid order lines — accept, mark ready, mark shipped.

She sees only her own lines of each order, with the buyer's shipping name and address (she
sends the parcel). The line ids travel in choice payloads; the fulfilment service re-checks
that each line is hers, so a forged payload is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

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
from conversations.flows import hub_desk, shipping_followups
from conversations.flows.language import PICK_ONE
from conversations.flows.my_shop import (
    BACK_PAYLOAD,
    back,
    country_name,
    current_artisan,
    local_time,
)
from conversations.hub_rules import bring_by, hours_text
from conversations.i18n import N_
from conversations.line_moves import LineMove, MoveLine, move_choices
from conversations.messages import Choice, Inbound
from conversations.notify import fulfilment as tell
from conversations.payloads import Payload
from store.errors import InvalidTransition
from store.models import Artisan, LineStatus, OrderLine, Parcel, Role
from store.services import fulfilment, hub, people
from store.services.fulfilment import ArtisanOrder

FLOW: Final = "my_orders"
TO_SEND: Final = (LineStatus.PAID, LineStatus.ACCEPTED, LineStatus.READY, LineStatus.RETURNED)
_SENT: Final = (LineStatus.SHIPPED, LineStatus.DELIVERED)

MENU_LABEL = N_("Orders to send")
NOTHING = N_("No orders to send right now. We'll tell you when someone buys.")
PICK_ORDER = N_("Orders to send. Pick one:")
ORDER_LABEL = N_("{code} · {pieces}")
PIECES = N_("1 piece")
PIECES_PLURAL = N_("{n} pieces")

ORDER_HEAD = N_("Order {code} · paid {when}")
LINE = N_("• {title} × {quantity} — {status}")
SHIP_TO = N_("Send to:\n{name}\n{address}\n{country}")
WAITING_FOR_YOU = N_("new, please accept")
ACCEPTED = N_("accepted")
READY = N_("ready to send")
BRING = N_("accepted: bring it to the hub")
RETURNED = N_("given back at the hub: bring it again once it is right")
_LINE_STATUS: Final = {
    LineStatus.PAID: WAITING_FOR_YOU,
    LineStatus.ACCEPTED: ACCEPTED,
    LineStatus.READY: READY,
    LineStatus.RETURNED: RETURNED,
}
_HUB_LINE_STATUS: Final = {**_LINE_STATUS, LineStatus.ACCEPTED: BRING, LineStatus.READY: BRING}


@dataclass(frozen=True)
class OrderToSend(Payload, tag="ao"):
    """One of her orders to send: it opens from any message while she has lines to send."""

    order_id: int


DONE_ACCEPTED = N_("Accepted: {title}. Mark it shipped when you have sent it.")
DONE_ACCEPTED_HUB = N_("Accepted: {title}. Please bring it to {address} by {day}.\nOpen: {hours}.")
BRING_IT = N_("Please bring {title} to {address}: the hub sends it to the buyer.\nOpen: {hours}.")
DONE_READY = N_("Ready: {title}. Mark it shipped when you have sent it.")
DONE_SHIPPED = N_("Shipped: {title}. We have told the buyer. Thank you!")
MOVED_ON = N_("That piece has already moved on (it may have been cancelled).")
ALREADY_SHIPPED = N_("{title} from order {code} has already been shipped. Nothing more to do.")
CALLED_OFF = N_("Order {code} was cancelled: please don't send {title}.")
ORDER_DONE = N_("Nothing more to send for order {code}.")


class Step(StrEnum):
    LIST = "list"
    ORDER = "order"
    CARRIER = "carrier"
    CARRIER_NAME = "carrier_name"
    NUMBER = "number"


def start(ctx: StepContext, arg: str) -> StepResult:
    """ "" lists her orders to send; an order id shows that one, if she has lines in it."""
    artisan = current_artisan(ctx)
    found = _her_order(ctx, artisan, int(arg)) if arg.isdecimal() else None
    return _show_order(ctx, found) if found is not None else _show_list(ctx, artisan)


def open_order(ctx: StepContext, tapped: OrderToSend) -> StepResult | None:
    """An order tapped on an earlier message: shown while she has lines in it to send."""
    artisan = people.artisan_for_user(ctx.session, ctx.user.id)
    if artisan is None or _her_order(ctx, artisan, tapped.order_id) is None:
        return None
    return ctx.begin(FLOW, str(tapped.order_id))


def choose_order(ctx: StepContext, inbound: Inbound) -> StepResult:
    artisan = current_artisan(ctx)
    if inbound.payload == BACK_PAYLOAD:
        return ctx.begin(FlowRegistry.MENU)
    picked = OrderToSend.read(inbound.payload)
    found = _her_order(ctx, artisan, picked.order_id) if picked is not None else None
    if found is not None:
        return _show_order(ctx, found)
    ctx.say(ctx._(PICK_ONE))
    return _show_list(ctx, artisan)


def act(ctx: StepContext, inbound: Inbound) -> StepResult:
    artisan = current_artisan(ctx)
    if inbound.payload == BACK_PAYLOAD:
        return _show_list(ctx, artisan)
    tapped = MoveLine.read(inbound.payload)
    if tapped is None:
        ctx.say(ctx._(PICK_ONE))
        return _show_current(ctx, artisan)
    if _asks_tracking(ctx, tapped):
        return _ask_carrier(ctx, tapped.line_id)
    _step(ctx, artisan, tapped)
    return _show_current(ctx, artisan)


def act_from_earlier(ctx: StepContext, tapped: MoveLine) -> StepResult | None:
    """A step tapped on a notice (a new order, the morning reminder) or an earlier card: done
    if the line is hers and may still move, else she is told where it stands; then the order
    (what is left to send in it). None when the line is not hers: an earlier button."""
    artisan = people.artisan_for_user(ctx.session, ctx.user.id)
    line = ctx.session.get(OrderLine, tapped.line_id)
    if artisan is None or line is None or line.artisan_id != artisan.id:
        return None
    if _asks_tracking(ctx, tapped):
        ctx.leave()
        ctx.flow, ctx.step, ctx.data = FLOW, Step.ORDER.value, {"order_id": line.order_id}
        ctx.data["order_code"] = line.order.code
        return _ask_carrier(ctx, line.id)
    _step(ctx, artisan, tapped)
    if _her_order(ctx, artisan, line.order_id) is None:
        ctx.leave()
        return StepResult(END)
    return ctx.begin(FLOW, str(line.order_id))


def _asks_tracking(ctx: StepContext, tapped: MoveLine) -> bool:
    """ "Mark shipped" in direct mode asks the carrier first (unless it has shipped)."""
    if tapped.move is not LineMove.SHIP or ctx.market.config.hub.at_hub:
        return False
    line = ctx.session.get(OrderLine, tapped.line_id)
    return line is not None and line.status in (LineStatus.ACCEPTED, LineStatus.READY)


def _step(
    ctx: StepContext,
    artisan: Artisan,
    tapped: MoveLine,
    tracking: tuple[str, str] | None = None,
) -> None:
    """The tapped step on her line, and what she is told of it."""
    action = tapped.move
    rules = ctx.market.config.hub
    before = ctx.session.get(OrderLine, tapped.line_id)
    if action is LineMove.SHIP and before is not None and before.status in _SENT:
        ctx.say(_moved_on(ctx, tapped.line_id))  # a second tap: the buyer was told once
        return
    if action is not LineMove.ACCEPT and rules.at_hub and before is not None:
        # An old "Mark shipped" from before the shop used the hub: she brings it instead.
        ctx.say(
            ctx._(BRING_IT).format(title=before.title, address=rules.address, hours=_hours(ctx))
        )
        return
    try:
        line = _move(ctx, action, tapped.line_id, tracking)
    except InvalidTransition:
        ctx.say(_moved_on(ctx, tapped.line_id))
        return
    if action is LineMove.ACCEPT and rules.at_hub:
        day = bring_by(rules, ctx.now, ctx.market.config.artisan_timezone, ctx.user.locale)
        ctx.say(
            ctx._(DONE_ACCEPTED_HUB).format(
                title=line.title, address=rules.address, day=day, hours=_hours(ctx)
            )
        )
        hub_desk.tell_piece_coming(ctx, line, artisan.shop_name)
    elif action is LineMove.ACCEPT:
        ctx.say(ctx._(DONE_ACCEPTED).format(title=line.title))
    elif action is LineMove.READY:
        ctx.say(ctx._(DONE_READY).format(title=line.title))
    else:
        ctx.say(ctx._(DONE_SHIPPED).format(title=line.title))
        parcel = ctx.session.get(Parcel, line.parcel_id) if line.parcel_id else None
        if parcel is not None:
            tell.parcel_shipped(ctx, line.order, parcel, [line])
        else:
            tell.line_shipped(ctx, line.order, line)
        shipping_followups.after_shipping(ctx, artisan)


def _hours(ctx: StepContext) -> str:
    return hours_text(ctx.market.config.hub.hours, ctx.user.locale)


# --- direct mode: the carrier and number of what she ships -------------------------------------


def _ask_carrier(ctx: StepContext, line_id: int) -> StepResult:
    choices = ask_tracking.carrier_choices(ctx.translator, without_number=True)
    ctx.ask(ctx._(ask_tracking.ASK_CARRIER), choices)
    return StepResult(Step.CARRIER, {"line_id": line_id})


def _ask_carrier_again(ctx: StepContext) -> StepResult:
    return _ask_carrier(ctx, int(ctx.data["line_id"]))


def carrier(ctx: StepContext, inbound: Inbound) -> StepResult:
    artisan = current_artisan(ctx)
    answer = ask_tracking.read_carrier(inbound)
    if answer.no_number:
        return _ship(ctx, artisan, None)
    if not answer.name:
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
    artisan = current_artisan(ctx)
    name = str(ctx.data.get("carrier", ""))
    try:
        checked_name, checked_number = hub.checked_tracking(name, inbound.text)
    except hub.InvalidTracking as refused:
        if refused.field == "carrier":
            return _ask_carrier_name(ctx)
        if inbound.text.strip():
            ctx.say(ctx._(ask_tracking.NUMBER_TOO_LONG))
            return StepResult(Step.NUMBER)
        return _ask_number(ctx, name)
    return _ship(ctx, artisan, (checked_name, checked_number))


def _ship(ctx: StepContext, artisan: Artisan, tracking: tuple[str, str] | None) -> StepResult:
    line_id = int(ctx.data["line_id"])
    _step(ctx, artisan, MoveLine(LineMove.SHIP, line_id), tracking)
    return _show_current(ctx, artisan)


def _moved_on(ctx: StepContext, line_id: int) -> str:
    line = ctx.session.get(OrderLine, line_id)
    if line is None:
        return ctx._(MOVED_ON)
    if line.status in (LineStatus.CANCELLED, LineStatus.REFUNDED):
        return ctx._(CALLED_OFF).format(code=line.order.code, title=line.title)
    if line.status in _SENT:
        return ctx._(ALREADY_SHIPPED).format(code=line.order.code, title=line.title)
    if line.status is LineStatus.READY:  # an old "Accept" tapped once she had packed it
        return ctx._(DONE_READY).format(title=line.title)
    return ctx._(MOVED_ON)


def _move(
    ctx: StepContext, action: LineMove, line_id: int, tracking: tuple[str, str] | None
) -> OrderLine:
    if action is LineMove.SHIP:
        return fulfilment.ship_line(ctx.session, ctx.user.id, line_id, ctx.now, tracking=tracking)
    move = {
        LineMove.ACCEPT: fulfilment.accept_line,
        LineMove.READY: fulfilment.mark_line_ready,
    }[action]
    return move(ctx.session, ctx.user.id, line_id, ctx.now)


# --- what she sees ----------------------------------------------------------------------------


def _show_list(ctx: StepContext, artisan: Artisan) -> StepResult:
    orders = fulfilment.orders_for_artisan(ctx.session, artisan.id, TO_SEND)
    if not orders:
        ctx.say(ctx._(NOTHING))
        return StepResult(END)
    if len(orders) == 1:
        return _show_order(ctx, orders[0])
    choices = [
        Choice(
            ctx._(ORDER_LABEL).format(code=found.order.code, pieces=_pieces(ctx, found)),
            OrderToSend(found.order.id).encode(),
        )
        for found in orders[:20]
    ]
    choices.append(back(ctx))
    ctx.ask(ctx._(PICK_ORDER), choices)
    return StepResult(Step.LIST)


def _show_current(ctx: StepContext, artisan: Artisan) -> StepResult:
    """The order she was working on, or the list when nothing is left to send in it."""
    order_id = int(ctx.data.get("order_id", 0))
    found = _her_order(ctx, artisan, order_id)
    if found is None:
        code = str(ctx.data.get("order_code", ""))
        if code:
            ctx.say(ctx._(ORDER_DONE).format(code=code))
        return _show_list(ctx, artisan)
    return _show_order(ctx, found)


def _her_order(ctx: StepContext, artisan: Artisan, order_id: int) -> ArtisanOrder | None:
    orders = fulfilment.orders_for_artisan(ctx.session, artisan.id, TO_SEND)
    return next((found for found in orders if found.order.id == order_id), None)


def _show_order(ctx: StepContext, found: ArtisanOrder) -> StepResult:
    order = found.order
    paid = order.paid_at or order.created_at
    lines = [ctx._(ORDER_HEAD).format(code=order.code, when=local_time(ctx, paid))]
    at_hub = ctx.market.config.hub.at_hub
    labels = _HUB_LINE_STATUS if at_hub else _LINE_STATUS
    lines += [
        ctx._(LINE).format(
            title=line.title, quantity=line.quantity, status=ctx._(labels[line.status])
        )
        for line in found.lines
    ]
    lines.append(
        ctx._(SHIP_TO).format(
            name=order.shipping_name,
            address=order.shipping_address,
            country=country_name(ctx, order.shipping_country),
        )
    )
    choices = move_choices(ctx.translator, found.lines, at_hub=at_hub)
    choices.append(back(ctx))
    ctx.ask("\n".join(lines), choices)
    return StepResult(Step.ORDER, {"order_id": order.id, "order_code": order.code})


def _pieces(ctx: StepContext, found: ArtisanOrder) -> str:
    count = sum(line.quantity for line in found.lines)
    return ctx._(PIECES) if count == 1 else ctx._(PIECES_PLURAL).format(n=count)


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.LIST: choose_order,
        Step.ORDER: act,
        Step.CARRIER: carrier,
        Step.CARRIER_NAME: carrier_name,
        Step.NUMBER: number,
    }
    prompts: dict[StrEnum, PromptFn] = {
        Step.LIST: lambda ctx: _show_list(ctx, current_artisan(ctx)),
        Step.ORDER: lambda ctx: _show_current(ctx, current_artisan(ctx)),
        Step.CARRIER: _ask_carrier_again,
        Step.CARRIER_NAME: _ask_carrier_name,
        Step.NUMBER: lambda ctx: _ask_number(ctx, str(ctx.data.get("carrier", ""))),
    }
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(OrderToSend, open_order)
    registry.add_route(MoveLine, act_from_earlier)
    registry.add_menu_entry(
        MenuEntry("send", MENU_LABEL, FLOW, MenuGroup.SELLING, 3, visible=with_role(Role.ARTISAN))
    )
