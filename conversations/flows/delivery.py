"""The buyer says her parcel arrived: "received" / "nimepokea" / "imefika" typed, or
"Received" tapped on a shipping notice or on her order ("Not yet" and reports of a parcel
not arrived or damaged: `conversations/flows/report.py`). One order on its way is confirmed at
once; several, she picks which; none, she is told so kindly."""

from __future__ import annotations

from enum import StrEnum

from conversations.flow import END, Flow, FlowRegistry, PromptFn, StepContext, StepFn, StepResult
from conversations.flows import checkout
from conversations.global_words import RECEIVED_FLOW
from conversations.i18n import N_
from conversations.messages import Choice, Inbound
from conversations.notify.orders import ITEM
from conversations.payloads import ParcelReceived
from store.errors import NotFound, PermissionDenied
from store.models import LineStatus, Order, OrderStatus
from store.services import delivery

FLOW = RECEIVED_FLOW

RECEIVED = N_("Received")
THANKS = N_("Thank you for telling us! Order {code} has arrived. We hope you love it.")
ALREADY = N_("Order {code} has already arrived. Thank you!")
NOT_YET = N_("Order {code} has not been shipped yet. We will tell you when it is on its way.")
NOTHING_ON_ITS_WAY = N_(
    "None of your orders is on its way to you just now. Send menu to see your orders."
)
WHICH = N_("Which order has arrived?")
ORDER_CHOICE = N_("{code}: {items}")


class Step(StrEnum):
    PICK = "pick"


def start(ctx: StepContext, arg: str) -> StepResult:
    """An order id (a tapped "Received") confirms that one; "" finds what is on its way."""
    if arg.isdecimal():
        return confirm(ctx, checkout.own_order(ctx.session, ctx.user.id, int(arg)))
    # "received" typed at a question offering "Received" for one order (that order's page).
    shown = {found.order_id for c in ctx.offered if (found := ParcelReceived.read(c.payload))}
    if len(shown) == 1:
        return confirm(ctx, checkout.own_order(ctx.session, ctx.user.id, shown.pop()))
    return ask_which(ctx)


def ask_which(ctx: StepContext) -> StepResult:
    coming = delivery.shipped_orders(ctx.session, ctx.user.id)
    if not coming:
        ctx.say(ctx._(NOTHING_ON_ITS_WAY))
        return StepResult(END)
    if len(coming) == 1:
        return confirm(ctx, coming[0])
    ctx.ask(ctx._(WHICH), [_choice(ctx, order) for order in coming])
    return StepResult(Step.PICK)


def received_tapped(ctx: StepContext, tapped: ParcelReceived) -> StepResult | None:
    """ "Received" from an earlier message, whatever she is doing now: if the order is hers."""
    try:
        checkout.own_order(ctx.session, ctx.user.id, tapped.order_id)
    except (NotFound, PermissionDenied):
        return None
    return ctx.begin(FLOW, str(tapped.order_id))


def pick(ctx: StepContext, inbound: Inbound) -> StepResult:
    picked = ParcelReceived.read(inbound.payload)
    if picked is None:
        return ask_which(ctx)
    return confirm(ctx, checkout.own_order(ctx.session, ctx.user.id, picked.order_id))


def confirm(ctx: StepContext, order: Order) -> StepResult:
    # The service re-checks she is the buyer; the event tells the artisans.
    moved = delivery.mark_delivered(ctx.session, order.id, ctx.now, by=ctx.user.id)
    if moved:
        ctx.say(ctx._(THANKS).format(code=order.code))
    elif order.status == OrderStatus.DELIVERED or any(
        line.status == LineStatus.DELIVERED for line in order.lines
    ):
        ctx.say(ctx._(ALREADY).format(code=order.code))
    else:
        ctx.say(ctx._(NOT_YET).format(code=order.code))
    return StepResult(END)


def _choice(ctx: StepContext, order: Order) -> Choice:
    shipped = [line for line in order.lines if line.status == LineStatus.SHIPPED]
    items = ", ".join(
        ctx._(ITEM).format(quantity=line.quantity, title=line.title) for line in shipped
    )
    label = ctx._(ORDER_CHOICE).format(code=order.code, items=items)
    return Choice(label, ParcelReceived(order.id).encode())


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {Step.PICK: pick}
    prompts: dict[StrEnum, PromptFn] = {Step.PICK: ask_which}
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(ParcelReceived, received_tapped)
