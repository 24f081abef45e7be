"""After a payment prompt on her phone took no money (`conversations/notify/phone_payments.py`):
"Try again" asks the payment port for the order's checkout once more (the provider sends a
new prompt, or points to the one still open), and "Use another number" asks the number to
charge, records it on the order and does the same. Both work from an old message; an order
that no longer waits for payment (paid, expired, cancelled) is answered kindly, and an order
that is not hers is not touched."""

from __future__ import annotations

from enum import StrEnum

from conversations.flow import END, Flow, FlowRegistry, PromptFn, StepContext, StepFn, StepResult
from conversations.flows import checkout, payment_method
from conversations.messages import Choice, Inbound
from conversations.notify.phone_payments import OtherNumber, TryAgain
from store.models import Order, OrderStatus
from store.payment_port import PaymentMethod
from store.services import orders

FLOW = "phone-number"


class Step(StrEnum):
    NUMBER = "number"


def _her_order(ctx: StepContext, order_id: int) -> Order | None:
    order = ctx.session.get(Order, order_id)
    return order if order is not None and order.buyer_user_id == ctx.user.id else None


def _still_waiting(ctx: StepContext, order: Order) -> bool:
    """Whether the order can be paid now; if not, she is told why."""
    after = [Choice(ctx._(checkout.MY_ORDERS), checkout.MY_ORDERS_PAYLOAD)]
    if order.status in checkout.PAID_STATUSES:
        ctx.ask(ctx._(checkout.ALREADY_PAID).format(code=order.code), after)
        return False
    if order.status is not OrderStatus.PENDING_PAYMENT:
        ctx.ask(ctx._(checkout.NO_LONGER_WAITING).format(code=order.code), after)
        return False
    if not checkout.can_pay(ctx, order.channel):
        checkout.not_payable(ctx, order)
        return False
    return True


def try_again(ctx: StepContext, tapped: TryAgain) -> StepResult | None:
    order = _her_order(ctx, tapped.order_id)
    if order is None:
        return None  # not one of hers: answered as a button from an earlier message
    if _still_waiting(ctx, order):
        checkout.offer_payment(ctx, order)
    return StepResult(END)


def other_number(ctx: StepContext, tapped: OtherNumber) -> StepResult | None:
    if _her_order(ctx, tapped.order_id) is None:
        return None
    return ctx.begin(FLOW, str(tapped.order_id))


def start(ctx: StepContext, arg: str) -> StepResult:
    order = _her_order(ctx, int(arg)) if arg.isdigit() else None
    if order is None or not _still_waiting(ctx, order):
        return StepResult(END)
    ctx.data["order_id"] = order.id
    return _ask(ctx)


def _ask(ctx: StepContext) -> StepResult:
    payment_method.ask_number(ctx, _method(ctx))
    return StepResult(Step.NUMBER)


def _method(ctx: StepContext) -> PaymentMethod:
    """The order's way to pay (as it was, if it is no longer on: then another pays it)."""
    order = ctx.session.get_one(Order, int(ctx.data["order_id"]))
    on = payment_method.by_key(ctx, order.payment_method)
    return on or PaymentMethod(order.payment_method, order.currency, asks_phone=True)


def number(ctx: StepContext, inbound: Inbound) -> StepResult:
    phone = payment_method.read_number(ctx, inbound, _method(ctx))
    if phone is None:
        return _ask(ctx)
    order = orders.change_payer_phone(ctx.session, ctx.user.id, int(ctx.data["order_id"]), phone)
    if _still_waiting(ctx, order):  # paid or expired while she typed: she is told
        checkout.offer_payment(ctx, order)
    return StepResult(END)


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {Step.NUMBER: number}
    prompts: dict[StrEnum, PromptFn] = {Step.NUMBER: _ask}
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(TryAgain, try_again)
    registry.add_route(OtherNumber, other_number)
