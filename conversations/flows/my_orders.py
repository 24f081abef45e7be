"""Orders to send: an artisan's paid order lines — accept, mark ready, mark shipped.

She sees only her own lines of each order, with the buyer's shipping name and address (she
sends the parcel). The line ids travel in choice payloads; the fulfilment service re-checks
that each line is hers, so a forged payload is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

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
from conversations.flows.my_shop import (
    BACK_PAYLOAD,
    back,
    country_name,
    current_artisan,
    local_time,
)
from conversations.i18n import N_
from conversations.line_moves import LineMove, MoveLine, move_choices
from conversations.messages import Choice, Inbound
from conversations.notify import fulfilment as tell
from conversations.payloads import Payload
from store.errors import InvalidTransition
from store.models import Artisan, LineStatus, OrderLine, Role
from store.services import fulfilment, people
from store.services.fulfilment import ArtisanOrder

FLOW: Final = "my_orders"
TO_SEND: Final = (LineStatus.PAID, LineStatus.ACCEPTED, LineStatus.READY)
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
_LINE_STATUS: Final = {
    LineStatus.PAID: WAITING_FOR_YOU,
    LineStatus.ACCEPTED: ACCEPTED,
    LineStatus.READY: READY,
}


@dataclass(frozen=True)
class OrderToSend(Payload, tag="ao"):
    """One of her orders to send: it opens from any message while she has lines to send."""

    order_id: int


DONE_ACCEPTED = N_("Accepted: {title}. Mark it shipped when you have sent it.")
DONE_READY = N_("Ready: {title}. Mark it shipped when you have sent it.")
DONE_SHIPPED = N_("Shipped: {title}. We have told the buyer. Thank you!")
MOVED_ON = N_("That piece has already moved on (it may have been cancelled).")
ALREADY_SHIPPED = N_("{title} from order {code} has already been shipped. Nothing more to do.")
CALLED_OFF = N_("Order {code} was cancelled: please don't send {title}.")
ORDER_DONE = N_("Nothing more to send for order {code}.")


class Step(StrEnum):
    LIST = "list"
    ORDER = "order"


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
    _step(ctx, artisan, tapped)
    if _her_order(ctx, artisan, line.order_id) is None:
        ctx.leave()
        return StepResult(END)
    return ctx.begin(FLOW, str(line.order_id))


def _step(ctx: StepContext, artisan: Artisan, tapped: MoveLine) -> None:
    """The tapped step on her line, and what she is told of it."""
    action = tapped.move
    before = ctx.session.get(OrderLine, tapped.line_id)
    if action is LineMove.SHIP and before is not None and before.status in _SENT:
        ctx.say(_moved_on(ctx, tapped.line_id))  # a second tap: the buyer was told once
        return
    try:
        line = _move(ctx, action, tapped.line_id)
    except InvalidTransition:
        ctx.say(_moved_on(ctx, tapped.line_id))
        return
    if action is LineMove.ACCEPT:
        ctx.say(ctx._(DONE_ACCEPTED).format(title=line.title))
    elif action is LineMove.READY:
        ctx.say(ctx._(DONE_READY).format(title=line.title))
    else:
        ctx.say(ctx._(DONE_SHIPPED).format(title=line.title))
        tell.line_shipped(ctx, line.order, line)
        shipping_followups.after_shipping(ctx, artisan)


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


def _move(ctx: StepContext, action: LineMove, line_id: int) -> OrderLine:
    move = {
        LineMove.ACCEPT: fulfilment.accept_line,
        LineMove.READY: fulfilment.mark_line_ready,
        LineMove.SHIP: fulfilment.ship_line,
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
    lines += [
        ctx._(LINE).format(
            title=line.title, quantity=line.quantity, status=ctx._(_LINE_STATUS[line.status])
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
    choices = move_choices(ctx.translator, found.lines)
    choices.append(back(ctx))
    ctx.ask("\n".join(lines), choices)
    return StepResult(Step.ORDER, {"order_id": order.id, "order_code": order.code})


def _pieces(ctx: StepContext, found: ArtisanOrder) -> str:
    count = sum(line.quantity for line in found.lines)
    return ctx._(PIECES) if count == 1 else ctx._(PIECES_PLURAL).format(n=count)


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {Step.LIST: choose_order, Step.ORDER: act}
    prompts: dict[StrEnum, PromptFn] = {
        Step.LIST: lambda ctx: _show_list(ctx, current_artisan(ctx)),
        Step.ORDER: lambda ctx: _show_current(ctx, current_artisan(ctx)),
    }
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(OrderToSend, open_order)
    registry.add_route(MoveLine, act_from_earlier)
    registry.add_menu_entry(
        MenuEntry("send", MENU_LABEL, FLOW, MenuGroup.SELLING, 3, visible=with_role(Role.ARTISAN))
    )
