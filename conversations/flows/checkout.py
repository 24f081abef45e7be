"""Checkout: where to send the pieces, a summary, the order (stock held), a link to pay.

Placing the order is safe to tap twice: the orders service locks the cart, and a second
tap finds it empty. How she pays comes from the payment port (`store/payment_port.py`) as a
neutral action the chat renders: a link to open, an in-chat invoice, a prompt to confirm on
her phone, or a "Pay now" choice beside the shop's own pay page (the demo card, which the
chat confirms itself). A provider that must ask the outside world for the link, like Stripe,
records that as an effect: the chat says the link is being prepared and the buyer is sent it
as soon as it is made. Where
no provider serves the buyer's channel, paying is not open: the checkout says so before she
types anything, and again (placing nothing) if she taps an older "Place order".

Where more than one way to pay is on (card, M-Pesa), the summary offers one choice per way,
with its total; a way that prompts her phone asks the number to charge first
(`payment_method`). The order is priced in the way's currency and records the way and the
number, so paying again later goes the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy.orm import Session

from conversations import shipping_fees
from conversations.countries import country_name, resolve_country
from conversations.flow import END, Flow, FlowRegistry, PromptFn, StepContext, StepFn, StepResult
from conversations.flows import cart, payment_method, product_card
from conversations.flows.menu import entry_payload
from conversations.i18n import N_
from conversations.messages import (
    Choice,
    Inbound,
    Invoice,
    InvoicePrice,
    LinkButton,
    Outbound,
    TapWord,
)
from conversations.notify import phone_payments
from conversations.payloads import Payload
from conversations.payment_labels import checkout_labels
from conversations.shorten import shorten
from store.errors import PermissionDenied
from store.models import Channel, Order, OrderStatus
from store.money import Money
from store.payment_port import (
    ConfirmedInChat,
    ConfirmInChat,
    ConfirmOnPhone,
    InChatInvoice,
    LinkBeingMade,
    OpenLink,
    PayInvoice,
    PaymentMethod,
    PaymentProvider,
    PromptState,
    confirmed_in_chat,
    takes_payments,
)
from store.phones import shown_phone
from store.pricing import PricingError
from store.services import cart_removals, carts, orders, shipping
from store.services.inventory import InsufficientStock
from store.services.shipping import ADDRESS_MAX, NAME_MAX, ShippingDetails
from store.shipping_zones import NoFeeInCurrency
from store.text import clean_display, clean_line

FLOW = "checkout"

SAME_ADDRESS = N_("Send it to the same address as last time?\n{name}, {address}, {country}")
SAME_YES = N_("Yes, same address")
SAME_CHANGE = N_("Change address")
ASK_NAME = N_("Who should we send it to? Please type the full name.")
ASK_ADDRESS = N_("Please type the delivery address: street, town, postcode.")
ASK_COUNTRY = N_("Which country? Type its name, like Germany, or its code, like DE.")
BAD_NAME = N_("Please type a name (at most 120 letters).")
BAD_ADDRESS = N_("Please type the address (at most 1000 letters).")
UNKNOWN_COUNTRY = N_("Sorry, I don't know the country “{text}”. Please type its name or code.")
SUMMARY = N_("Please check your order:")
SUBTOTAL = N_("Subtotal: {amount}")
TOTAL = N_("Total: {amount}")
# TRANSLATORS: the checkout summary's figures in another currency, e.g. for M-Pesa in KES.
IN_ITS_CURRENCY = N_("With {method}: {subtotal} + {shipping} shipping = {total}")
SHIP_TO = N_("Ship to: {name}, {address}, {country}")
PLACE_ORDER = N_("Place order")
CHANGE_DETAILS = N_("Change details")
PLACED = N_("Order {code} is placed. We hold these pieces for {minutes} minutes.")
PAY_BUTTON = N_("Pay {amount}")
PAY_HERE = N_("Please pay with the link below.")
PREPARING_LINK = N_("Preparing your payment link… I will send it here in a moment.")
SENDING_TO_PHONE = N_(
    "Sending a payment request for {amount} to your phone {phone}… "
    "I will tell you here when it is there."
)
NOT_SENT_TWICE = N_(
    "So that you are not asked to pay twice, no new request is sent yet. If nothing comes "
    "within a few minutes, I will tell you here."
)
PAY_DEMO = N_("Pay now (demo card)")
STILL_WAITING = N_("Order {code} is waiting for your payment.")
THANK_YOU = N_("Thank you! We'll tell you when your pieces are on their way.")
ALREADY_PAID = N_("Order {code} is already paid. Thank you!")
CANNOT_TAKE_PAYMENT = N_(
    "Sorry, order {code} can no longer be paid: its time ran out and the pieces are gone. "
    "Your money will be refunded."
)
MY_ORDERS = N_("My orders")
MY_ORDERS_PAYLOAD = entry_payload("purchases")
NO_LONGER_WAITING = N_("Order {code} is no longer waiting for payment.")
NOT_OPEN = N_(
    "Sorry, paying is not open yet, so orders can't be placed for now. Everything stays in "
    "your cart; please try again later."
)
ORDER_NOT_PAYABLE = N_(
    "Sorry, paying is not open yet, so order {code} can't be paid for now. Please try again later."
)
NOT_ORDERABLE_NOW = N_(
    "Sorry, a piece in your cart can't be bought right now, so no order was placed. "
    "Everything stays in your cart."
)
REPLACES = N_("This order replaces your unpaid order {code}, which will be cancelled.")
REPLACED = N_("Your unpaid order {code} is cancelled: this new order replaces it.")
TOO_MANY_ORDERS = N_(
    "You have placed many orders in the last hour. Please try again in {minutes} minutes; "
    "everything stays in your cart."
)
PAID_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})


PLACE_PAYLOAD = "place"
EDIT_PAYLOAD = "edit"
SAME_PAYLOAD = "same"
_DETAILS = ("name", "address", "country")


@dataclass(frozen=True)
class PayInChat(Payload, tag="pay"):
    """ "Pay now" with a provider the chat confirms itself (the demo card)."""

    order_id: int


class Step(StrEnum):
    SAME = "same"
    NAME = "name"
    ADDRESS = "address"
    COUNTRY = "country"
    CONFIRM = "confirm"
    NUMBER = "number"
    PAY = "pay"


def start(ctx: StepContext, arg: str) -> StepResult:
    view = carts.view_cart(ctx.session, ctx.user.id, ctx.market.config.pricing)
    if not view.ready_to_order or cart_removals.any_for(ctx.session, ctx.user.id):
        # Empty, something to fix first, or pieces taken out she has not heard of: the cart
        # says what.
        return ctx.begin(cart.FLOW)
    if not can_pay(ctx, ctx.channel):
        return not_open(ctx)
    last = shipping.last_shipping(ctx.session, ctx.user.id)
    if last is None:
        return _ask_name(ctx)
    ctx.data.update(name=last.name, address=last.address, country=last.country)
    return _ask_same(ctx)


def _ask_same(ctx: StepContext) -> StepResult:
    """A buyer who gave her details before: the same again, or new ones."""
    ctx.ask(
        ctx._(SAME_ADDRESS).format(**_shown_details(ctx)),
        [
            Choice(ctx._(SAME_YES), SAME_PAYLOAD, TapWord.YES),
            Choice(ctx._(SAME_CHANGE), EDIT_PAYLOAD, TapWord.NO),
        ],
    )
    return StepResult(Step.SAME)


def _ask_name(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(ASK_NAME))
    return StepResult(Step.NAME)


def _ask_address(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(ASK_ADDRESS))
    return StepResult(Step.ADDRESS)


def _ask_country(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(ASK_COUNTRY))
    return StepResult(Step.COUNTRY)


def can_pay(ctx: StepContext, channel: Channel) -> bool:
    return takes_payments(ctx.market.payments, channel)


def not_open(ctx: StepContext) -> StepResult:
    """Nothing is placed or held: her cart stays as it is for when paying opens."""
    ctx.ask(
        ctx._(NOT_OPEN),
        [
            Choice(ctx._(product_card.MY_CART), entry_payload("cart")),
            Choice(ctx._(product_card.KEEP_SHOPPING), entry_payload("browse")),
        ],
    )
    return StepResult(END)


def same(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == SAME_PAYLOAD:
        return _summary(ctx)
    if inbound.payload == EDIT_PAYLOAD:
        for detail in _DETAILS:
            ctx.data.pop(detail, None)
        return _ask_name(ctx)
    return _ask_same(ctx)


def name(ctx: StepContext, inbound: Inbound) -> StepResult:
    text = clean_line(inbound.text)
    if not text or len(text) > NAME_MAX:
        ctx.say(ctx._(BAD_NAME))
        return StepResult(Step.NAME)
    ctx.data["name"] = text
    return _ask_address(ctx)


def address(ctx: StepContext, inbound: Inbound) -> StepResult:
    text = clean_display(inbound.text)
    if not text or len(text) > ADDRESS_MAX:
        ctx.say(ctx._(BAD_ADDRESS))
        return StepResult(Step.ADDRESS)
    ctx.data["address"] = text
    return _ask_country(ctx)


def country(ctx: StepContext, inbound: Inbound) -> StepResult:
    code = resolve_country(inbound.text)
    if code is None:
        ctx.say(ctx._(UNKNOWN_COUNTRY).format(text=shorten(inbound.text)))
        return StepResult(Step.COUNTRY)
    ctx.data["country"] = code
    return _summary(ctx)


def confirm(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == EDIT_PAYLOAD:
        return _ask_name(ctx)
    default = payment_method.default_method(payment_method.offered(ctx, ctx.data["country"]))
    method = payment_method.chosen(
        ctx, inbound, default if inbound.payload == PLACE_PAYLOAD else None
    )
    if method is None:
        return _summary(ctx)
    return _chose(ctx, method)


def _chose(ctx: StepContext, method: PaymentMethod) -> StepResult:
    if not can_pay(ctx, ctx.channel):  # payments closed since she started
        return not_open(ctx)
    if method.asks_phone:
        ctx.data["method"] = method.key
        return _ask_number(ctx)
    return _place(ctx, method, None)


def _ask_number(ctx: StepContext) -> StepResult:
    method = payment_method.by_key(ctx, ctx.data.get("method", ""))
    if method is None:  # that way was turned off meanwhile
        return _summary(ctx)
    payment_method.ask_number(ctx, method)
    return StepResult(Step.NUMBER)


def number(ctx: StepContext, inbound: Inbound) -> StepResult:
    """The number to charge; a way to pay named instead ("kadi") is her choice now."""
    method = payment_method.by_key(ctx, ctx.data.get("method", ""))
    named = payment_method.named(ctx, inbound.text) if inbound.payload is None else None
    if named is not None:
        return _chose(ctx, named)
    if method is None:  # that way was turned off meanwhile
        return _summary(ctx)
    phone = payment_method.read_number(ctx, inbound, method)
    if phone is None:
        return _ask_number(ctx)
    return _place(ctx, method, phone)


def _place(ctx: StepContext, method: PaymentMethod, phone: str | None) -> StepResult:
    if not can_pay(ctx, ctx.channel):
        return not_open(ctx)
    ship_to = ShippingDetails(ctx.data["name"], ctx.data["address"], ctx.data["country"])
    previous = orders.pending_order(ctx.session, ctx.user.id)  # replaced by this one
    try:
        order = orders.place_order(
            ctx.session,
            ctx.user.id,
            ctx.channel,
            payment_method.pricing_for(ctx, method),
            ship_to,
            ctx.now,
            ctx.market.config.reservation,
            limits=ctx.market.config.buyer_limits,
            payment_method=method.key,
            payer_phone=phone,
        )
    except orders.OrderRateLimited as limited:
        minutes = max(1, -(-int(limited.wait.total_seconds()) // 60))
        ctx.say(ctx._(TOO_MANY_ORDERS).format(minutes=minutes))
        return ctx.begin(cart.FLOW)
    except orders.EmptyCart:
        return ctx.begin(cart.FLOW)
    except InsufficientStock:
        ctx.say(ctx._(product_card.JUST_SOLD_OUT))
        return ctx.begin(cart.FLOW)
    except orders.ShopClosed:  # her shop was suspended while the buyer typed her address
        ctx.say(ctx._(NOT_ORDERABLE_NOW))
        return ctx.begin(cart.FLOW)
    if previous is not None and previous.status is OrderStatus.CANCELLED:
        ctx.say(ctx._(REPLACED).format(code=previous.code))
    minutes = int(ctx.market.config.reservation.total_seconds() // 60)
    ctx.say(ctx._(PLACED).format(code=order.code, minutes=minutes))
    return _paying(ctx, order)


def _paying(ctx: StepContext, order: Order) -> StepResult:
    """How she pays, and what the chat waits for: her tap or message, or (a prompt on her
    phone) nothing: what she types next is free for other questions, like the prompt's
    notice's "2" for "Use another number"."""
    options = offer_payment(ctx, order)
    return StepResult(END if options.on_phone else Step.PAY, {"order_id": order.id})


def pay(ctx: StepContext, inbound: Inbound) -> StepResult:
    tapped = PayInChat.read(inbound.payload)
    return _pay(ctx, tapped.order_id if tapped is not None else None)


def _ask_pay_again(ctx: StepContext) -> StepResult:
    return _pay(ctx, None)


def _pay(ctx: StepContext, tapped_order: int | None) -> StepResult:
    """Her order's payment, with a "Pay now" for order `tapped_order` if she tapped one."""
    order = own_order(ctx.session, ctx.user.id, int(ctx.data["order_id"]))
    if order.status in PAID_STATUSES:  # paid by link or invoice while this step waited
        ctx.ask(
            ctx._(ALREADY_PAID).format(code=order.code),
            [Choice(ctx._(MY_ORDERS), MY_ORDERS_PAYLOAD)],
        )
        return StepResult(END)
    if order.status is not OrderStatus.PENDING_PAYMENT:  # expired or cancelled meanwhile
        ctx.say(ctx._(NO_LONGER_WAITING).format(code=order.code))
        return ctx.begin(FlowRegistry.MENU)
    if not can_pay(ctx, order.channel):  # payments closed since the order was placed
        return not_payable(ctx, order)
    provider = chat_confirmer(ctx, order)
    if provider is not None and tapped_order == order.id:
        return pay_in_chat(ctx, order, provider)
    ctx.say(ctx._(STILL_WAITING).format(code=order.code))
    return _paying(ctx, order)


def not_payable(ctx: StepContext, order: Order) -> StepResult:
    ctx.ask(
        ctx._(ORDER_NOT_PAYABLE).format(code=order.code),
        [Choice(ctx._(MY_ORDERS), MY_ORDERS_PAYLOAD)],
    )
    return StepResult(END)


def chat_confirmer(ctx: StepContext, order: Order) -> ConfirmedInChat | None:
    """The provider of this order's channel when the chat confirms its payments itself."""
    return confirmed_in_chat(ctx.market.payments, order.channel)


def pay_in_chat(ctx: StepContext, order: Order, provider: ConfirmedInChat) -> StepResult:
    """The buyer's tap is the payment (the demo card): the provider confirms it through the
    path a real webhook takes."""
    result = provider.confirm(ctx.session, order.code, ctx.now)
    after = [Choice(ctx._(MY_ORDERS), MY_ORDERS_PAYLOAD)]
    if result.refund_due:
        ctx.ask(ctx._(CANNOT_TAKE_PAYMENT).format(code=order.code), after)
    elif result.newly_paid:
        ctx.ask(ctx._(THANK_YOU), after)  # "Payment received" is the notification's
    else:
        ctx.ask(ctx._(ALREADY_PAID).format(code=order.code), after)
    return StepResult(END)


def own_order(session: Session, user_id: int, order_id: int) -> Order:
    order = orders.get_order(session, order_id)
    if order.buyer_user_id != user_id:
        raise PermissionDenied(f"see order {order_id}", user_id)
    return order


class PaymentOptions(NamedTuple):
    """How the buyer pays for a pending order, as the chat shows it."""

    note: str  # what she is to do, where no link or invoice says it ("" otherwise)
    links: tuple[LinkButton, ...] = ()
    choices: tuple[Choice, ...] = ()
    invoice: Invoice | None = None
    on_phone: bool = False  # she confirms a prompt on her phone: nothing to answer here


def offer_payment(ctx: StepContext, order: Order) -> PaymentOptions:
    """How she pays, from the payment port: a link, an invoice, a prompt on her phone, or
    (the demo card) a link and a "Pay now" choice. A link still being made (the provider is
    asked after this step commits) is announced instead."""
    options = payment_options(ctx, order)
    text = options.note or ("" if options.invoice is not None else ctx._(PAY_HERE))
    ctx.reply(
        Outbound(text=text, links=options.links, choices=options.choices, invoice=options.invoice)
    )
    return options


def payment_options(ctx: StepContext, order: Order) -> PaymentOptions:
    """What the buyer does next to pay for a pending order, in the chat's terms. Only where
    paying is open."""
    checkout = payments_for(ctx, order).start_checkout(
        ctx.session,
        order,
        locale=ctx.user.locale,
        labels=checkout_labels(ctx.user.locale, order.code),
        now=ctx.now,
    )
    match checkout.action:
        case OpenLink(url):
            return PaymentOptions("", links=(_pay_link(ctx, order, url),))
        case ConfirmInChat(page_url):
            pay_now = Choice(ctx._(PAY_DEMO), PayInChat(order.id).encode())
            return PaymentOptions("", (_pay_link(ctx, order, page_url),), (pay_now,))
        case PayInvoice(invoice):
            return PaymentOptions("", invoice=_chat_invoice(invoice))
        case ConfirmOnPhone(phone, state):
            return PaymentOptions(_on_phone(ctx, order, phone, state), on_phone=True)
        case LinkBeingMade():
            return PaymentOptions(ctx._(PREPARING_LINK))


def _on_phone(ctx: StepContext, order: Order, phone: str, state: PromptState) -> str:
    """What she is told of the prompt to her phone: on its way (she is told when it is
    there: `conversations/notify/phone_payments.py`), there, or not confirmed to be there
    (a prompt still open: none is sent twice)."""
    t = ctx.translator
    match state:
        case PromptState.SENDING:
            shown = shown_phone(phone)
            return ctx._(SENDING_TO_PHONE).format(amount=_total(ctx, order), phone=shown)
        case PromptState.SENT:
            return phone_payments.prompted_text(t, order, phone)
        case PromptState.UNCONFIRMED:
            return "\n".join(
                [phone_payments.unconfirmed_text(t, order, phone), ctx._(NOT_SENT_TWICE)]
            )


def payments_for(ctx: StepContext, order: Order) -> PaymentProvider:
    """The port: it sends the order to a provider of the way she chose (or that serves it)."""
    return ctx.market.payments


def _pay_link(ctx: StepContext, order: Order, url: str) -> LinkButton:
    return LinkButton(ctx._(PAY_BUTTON).format(amount=_total(ctx, order)), url)


def _total(ctx: StepContext, order: Order) -> str:
    return Money(order.total_minor, order.currency).format(ctx.user.locale)


def _chat_invoice(invoice: InChatInvoice) -> Invoice:
    prices = tuple(InvoicePrice(line.label, line.amount_minor) for line in invoice.lines)
    return Invoice(invoice.title, invoice.description, invoice.payload, invoice.currency, prices)


def _summary(ctx: StepContext) -> StepResult:
    view = carts.view_cart(ctx.session, ctx.user.id, ctx.market.config.pricing)
    if not view.ready_to_order:
        return ctx.begin(cart.FLOW)
    locale = ctx.user.locale
    text = [ctx._(SUMMARY)]
    text += [
        ctx._(cart.LINE).format(
            quantity=line.quantity, title=line.title, total=line.line_total.format(locale)
        )
        for line in view.lines
    ]
    country = ctx.data["country"]
    figures = payment_method.totals(ctx, ctx.market.config.pricing, country)
    text.append(ctx._(SUBTOTAL).format(amount=figures.subtotal.format(locale)))
    text.append(
        ctx._(shipping_fees.CART_TO).format(
            country=country_name(country, locale), amount=figures.shipping.format(locale)
        )
    )
    text.append(ctx._(TOTAL).format(amount=figures.total.format(locale)))
    text.append(shipping_fees.delivery_line(ctx, country))
    ways = payment_method.offered(ctx, country)
    text += _in_other_currencies(ctx, ways, country, figures.total.currency)
    text.append(ctx._(SHIP_TO).format(**_shown_details(ctx)))
    previous = orders.pending_order(ctx.session, ctx.user.id)
    if previous is not None:
        text.append(ctx._(REPLACES).format(code=previous.code))
    many = payment_method.choices(ctx, ways, country) if len(ways) > 1 else []
    choices = [
        *(many or [Choice(ctx._(PLACE_ORDER), PLACE_PAYLOAD, TapWord.YES)]),
        Choice(ctx._(CHANGE_DETAILS), EDIT_PAYLOAD),
    ]
    ctx.ask("\n".join(text), choices)
    return StepResult(Step.CONFIRM)


def _in_other_currencies(
    ctx: StepContext, ways: tuple[PaymentMethod, ...], country: str, shown: str
) -> list[str]:
    """The figures of each way priced in another currency (M-Pesa in KES), one line each."""
    lines: list[str] = []
    locale = ctx.user.locale
    for method in ways:
        if not method.currency or method.currency == shown:
            continue
        try:
            figures = payment_method.totals(ctx, payment_method.pricing_for(ctx, method), country)
        except (PricingError, NoFeeInCurrency):
            continue
        lines.append(
            ctx._(IN_ITS_CURRENCY).format(
                method=payment_method.title(method),
                subtotal=figures.subtotal.format(locale),
                shipping=figures.shipping.format(locale),
                total=figures.total.format(locale),
            )
        )
    return lines


def _shown_details(ctx: StepContext) -> dict[str, str]:
    """Her shipping details as the summary shows them: the address on one line, the country
    named in her language."""
    return {
        "name": ctx.data["name"],
        "address": " ".join(ctx.data["address"].split()),
        "country": country_name(ctx.data["country"], ctx.user.locale),
    }


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.SAME: same,
        Step.NAME: name,
        Step.ADDRESS: address,
        Step.COUNTRY: country,
        Step.CONFIRM: confirm,
        Step.NUMBER: number,
        Step.PAY: pay,
    }
    prompts: dict[StrEnum, PromptFn] = {
        Step.SAME: _ask_same,
        Step.NAME: _ask_name,
        Step.ADDRESS: _ask_address,
        Step.COUNTRY: _ask_country,
        Step.CONFIRM: _summary,
        Step.NUMBER: _ask_number,
        Step.PAY: _ask_pay_again,
    }
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
