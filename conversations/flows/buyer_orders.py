"""My orders (as a buyer): the list with each status, an order's details, paying an unpaid
one, and cancelling one before anything has shipped."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from conversations import shipping_fees
from conversations.countries import country_name
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
)
from conversations.flows import (
    cart,
    checkout,
    delivery,
    payment_method,
    phone_retry,
    product_card,
    report,
)
from conversations.flows.checkout import PayInChat
from conversations.flows.menu import entry_payload
from conversations.flows.product_card import BACK_PAYLOAD
from conversations.i18n import N_
from conversations.messages import Choice, Inbound, LinkButton, Outbound, TapWord
from conversations.notify import orders as order_notices
from conversations.notify import phone_payments
from conversations.notify.phone_payments import OtherNumber, TryAgain
from conversations.payloads import ParcelReceived, Payload, ReportParcel
from store.errors import InvalidTransition, NotFound, PermissionDenied
from store.models import LineStatus, Order, OrderStatus
from store.money import Money, sum_money
from store.services import ledger, orders, refunds_owed

FLOW = "purchases"

MY_ORDERS = checkout.MY_ORDERS
NO_ORDERS = N_("You have no orders yet.")
YOUR_ORDERS = N_("Your orders:")
ORDER_ITEM = N_("{code} — {status} — {total}")
ORDER_HEADING = N_("Order {code}: {status}")
CANCEL_ORDER = N_("Cancel order")
SURE_TO_CANCEL = N_("Cancel order {code}?")
YES_CANCEL = N_("Yes, cancel it")
NO_KEEP = N_("No, keep it")
CANCELLED = N_("Order {code} is cancelled.")
REFUND_COMING = N_("Your payment of {amount} will be refunded.")
REFUND_BY_HAND = N_(
    "A community manager will send your payment of {amount} back to you, and we will tell "
    "you when it is done."
)
TOO_LATE = N_("Sorry, order {code} can't be cancelled any more: it has already shipped.")

STATUS_LABELS: dict[OrderStatus, str] = {
    OrderStatus.PENDING_PAYMENT: N_("Waiting for payment"),
    OrderStatus.PAID: N_("Paid"),
    OrderStatus.SHIPPED: N_("Shipped"),
    OrderStatus.DELIVERED: N_("Delivered"),
    OrderStatus.CANCELLED: N_("Cancelled"),
    OrderStatus.EXPIRED: N_("Expired (not paid)"),
    OrderStatus.REFUNDED: N_("Refunded"),
}
_SHIPPED_LINES = frozenset({LineStatus.SHIPPED, LineStatus.DELIVERED})


@dataclass(frozen=True)
class OpenOrder(Payload, tag="bo"):
    """One of her orders as a buyer: it opens from any message, if it is hers."""

    order_id: int


@dataclass(frozen=True)
class CancelOrder(Payload, tag="cancel"):
    order_id: int


@dataclass(frozen=True)
class ConfirmCancel(Payload, tag="cx"):
    order_id: int


class Step(StrEnum):
    LIST = "list"
    DETAIL = "detail"
    CANCEL = "cancel"


def start(ctx: StepContext, arg: str) -> StepResult:
    """ "" lists her orders; an order id shows that one (re-checked as hers)."""
    return show_order(ctx, int(arg)) if arg.isdecimal() else show_list(ctx)


def open_order(ctx: StepContext, tapped: OpenOrder) -> StepResult | None:
    """An order tapped on an earlier message, whatever she is doing now: shown if it is
    hers (the orders service finds it; she must be its buyer), else declined."""
    try:
        checkout.own_order(ctx.session, ctx.user.id, tapped.order_id)
    except (NotFound, PermissionDenied):
        return None
    return ctx.begin(FLOW, str(tapped.order_id))


def show_list(ctx: StepContext) -> StepResult:
    mine = orders.orders_for_buyer(ctx.session, ctx.user.id, limit=10)
    if not mine:
        keep_shopping = Choice(ctx._(product_card.KEEP_SHOPPING), entry_payload("browse"))
        ctx.ask(ctx._(NO_ORDERS), [keep_shopping])
        return StepResult(END)
    choices = [
        Choice(
            ctx._(ORDER_ITEM).format(
                code=order.code, status=_status(ctx, order), total=_total(ctx, order)
            ),
            OpenOrder(order.id).encode(),
        )
        for order in mine
    ]
    ctx.ask(ctx._(YOUR_ORDERS), choices)
    return StepResult(Step.LIST)


def pick_order(ctx: StepContext, inbound: Inbound) -> StepResult:
    picked = OpenOrder.read(inbound.payload)
    return show_order(ctx, picked.order_id) if picked is not None else show_list(ctx)


def order_menu(ctx: StepContext, inbound: Inbound) -> StepResult:
    if (paying := PayInChat.read(inbound.payload)) is not None:
        return pay(ctx, checkout.own_order(ctx.session, ctx.user.id, paying.order_id))
    if (arrived := ParcelReceived.read(inbound.payload)) is not None:
        return ctx.begin(delivery.FLOW, str(arrived.order_id))
    if (reported := ReportParcel.read(inbound.payload)) is not None:
        return ctx.begin(report.FLOW, f"{reported.kind}:{reported.order_id}")
    if (cancelling := CancelOrder.read(inbound.payload)) is not None:
        return _ask_cancel(ctx, cancelling.order_id)
    if (again := TryAgain.read(inbound.payload)) is not None:
        return phone_retry.try_again(ctx, again) or show_list(ctx)
    if (other := OtherNumber.read(inbound.payload)) is not None:
        return phone_retry.other_number(ctx, other) or show_list(ctx)
    if (shown := OpenOrder.read(inbound.payload)) is not None:
        return show_order(ctx, shown.order_id)
    return show_list(ctx)


def _ask_cancel(ctx: StepContext, order_id: int) -> StepResult:
    order = checkout.own_order(ctx.session, ctx.user.id, order_id)
    ctx.ask(
        ctx._(SURE_TO_CANCEL).format(code=order.code),
        [
            Choice(ctx._(YES_CANCEL), ConfirmCancel(order.id).encode(), TapWord.YES),
            Choice(ctx._(NO_KEEP), OpenOrder(order.id).encode(), TapWord.NO),
        ],
    )
    return StepResult(Step.CANCEL, {"order_id": order.id})


def _ask_again(ctx: StepContext) -> StepResult:
    """The order she was looking at (or about to cancel), else her list."""
    order_id = ctx.data.get("order_id")
    if not isinstance(order_id, int):
        return show_list(ctx)
    return _ask_cancel(ctx, order_id) if ctx.step == Step.CANCEL else show_order(ctx, order_id)


def pay(ctx: StepContext, order: Order) -> StepResult:
    if not checkout.can_pay(ctx, order.channel):
        return checkout.not_payable(ctx, order)
    provider = checkout.chat_confirmer(ctx, order)
    if provider is None:  # a "Pay now" from before: show how she pays now
        return show_order(ctx, order.id)
    return checkout.pay_in_chat(ctx, order, provider)


def confirm_cancel(ctx: StepContext, inbound: Inbound) -> StepResult:
    confirmed = ConfirmCancel.read(inbound.payload)
    if confirmed is None:
        kept = OpenOrder.read(inbound.payload)
        return show_order(ctx, kept.order_id) if kept is not None else show_list(ctx)
    order = orders.lock_order(ctx.session, confirmed.order_id)
    was_paid = order.status == OrderStatus.PAID
    try:
        # The service re-checks that this person is the buyer (payloads are untrusted).
        order = orders.cancel_order(ctx.session, ctx.user.id, order.id, ctx.now)
    except InvalidTransition:
        ctx.say(ctx._(TOO_LATE).format(code=order.code))
        return show_order(ctx, order.id)
    ctx.say(ctx._(CANCELLED).format(code=order.code))
    if was_paid:
        # The cancellation reversed the sale in the ledger (payments handle its event).
        refunded = (ledger.refunded_on_line(ctx.session, line) for line in order.lines)
        refund = sum_money(refunded, order.currency) + ledger.refunded_shipping(ctx.session, order)
        promise = REFUND_COMING
        if order.payment_provider in refunds_owed.BY_HAND:  # no refund API: a person sends it
            refunds_owed.record_cancelled(ctx.session, order, refund, ctx.now)
            promise = REFUND_BY_HAND
        ctx.say(ctx._(promise).format(amount=refund.format(ctx.user.locale)))
        # Only artisans who were told of the order (it was paid) hear that it is off.
        order_notices.order_cancelled(ctx.session, order, ctx.now)
    return show_list(ctx)


def show_order(ctx: StepContext, order_id: int) -> StepResult:
    order = checkout.own_order(ctx.session, ctx.user.id, order_id)
    locale = ctx.user.locale
    text = [ctx._(ORDER_HEADING).format(code=order.code, status=_status(ctx, order))]
    text += [
        ctx._(cart.LINE).format(
            quantity=line.quantity,
            title=line.title,
            total=Money(line.line_total_minor, order.currency).format(locale),
        )
        for line in order.lines
    ]
    if order.shipping_minor:
        text.append(
            ctx._(shipping_fees.CART_TO).format(
                country=country_name(order.shipping_country, locale),
                amount=Money(order.shipping_minor, order.currency).format(locale),
            )
        )
    text.append(ctx._(checkout.TOTAL).format(amount=_total(ctx, order)))
    text.append(
        ctx._(checkout.SHIP_TO).format(
            name=order.shipping_name,
            address=" ".join(order.shipping_address.split()),
            country=country_name(order.shipping_country, locale),
        )
    )
    choices: list[Choice] = []
    links: tuple[LinkButton, ...] = ()
    invoice = None
    if order.status == OrderStatus.PENDING_PAYMENT:
        if checkout.can_pay(ctx, order.channel) and _prompts_her_phone(ctx, order):
            # Looking is not asking: a prompt for her PIN goes out only when she taps.
            text.append(ctx._(phone_payments.STILL_HELD))
            choices += [
                Choice(ctx._(phone_payments.TRY_AGAIN), TryAgain(order.id).encode()),
                Choice(ctx._(phone_payments.OTHER_NUMBER), OtherNumber(order.id).encode()),
            ]
        elif checkout.can_pay(ctx, order.channel):
            options = checkout.payment_options(ctx, order)
            links, invoice = options.links, options.invoice
            choices += options.choices
            if options.note:
                text.append(options.note)
        else:
            text.append(ctx._(checkout.ORDER_NOT_PAYABLE).format(code=order.code))
    if any(line.status == LineStatus.SHIPPED for line in order.lines):
        choices.append(Choice(ctx._(delivery.RECEIVED), ParcelReceived(order.id).encode()))
    choices += report.report_choices(ctx, order)
    if _cancellable(order):
        choices.append(Choice(ctx._(CANCEL_ORDER), CancelOrder(order.id).encode()))
    choices.append(Choice(ctx._(product_card.BACK), BACK_PAYLOAD))
    shown = Outbound("\n".join(text), choices=tuple(choices), links=links, invoice=invoice)
    ctx.reply(shown)
    return StepResult(Step.DETAIL, {"order_id": order.id})


def _prompts_her_phone(ctx: StepContext, order: Order) -> bool:
    method = payment_method.by_key(ctx, order.payment_method)
    return method is not None and method.asks_phone


def _cancellable(order: Order) -> bool:
    if order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID):
        return False
    return not any(line.status in _SHIPPED_LINES for line in order.lines)


def _status(ctx: StepContext, order: Order) -> str:
    return ctx._(STATUS_LABELS[order.status])


def _total(ctx: StepContext, order: Order) -> str:
    return Money(order.total_minor, order.currency).format(ctx.user.locale)


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.LIST: pick_order,
        Step.DETAIL: order_menu,
        Step.CANCEL: confirm_cancel,
    }
    prompts: dict[StrEnum, PromptFn] = {
        Step.LIST: show_list,
        Step.DETAIL: _ask_again,
        Step.CANCEL: _ask_again,
    }
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(OpenOrder, open_order)
    registry.add_menu_entry(MenuEntry("purchases", MY_ORDERS, FLOW, MenuGroup.BUYING, 4))
