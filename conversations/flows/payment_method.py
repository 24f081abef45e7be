"""How she pays, where more than one way is on (card, M-Pesa): the summary's choices, each
with the total (shipping included) in that way's currency, and for a way that prompts her
phone, the number to charge.

The ways come from the payment port (`payment_methods`). A way meant for one country (M-Pesa:
Kenya) is offered unasked only to buyers from there: shipping there, or writing from (or
having shared) a number from there; anyone may still type its name ("M-Pesa", "card", "kadi")
at the summary. The number asked is a mobile number of that country, typed in any script's
digits, with spaces or the country code; her own number is one tap when we know it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

import phonenumbers

from conversations import shipping_fees
from conversations.choices import normalise_label
from conversations.countries import country_name
from conversations.flow import StepContext
from conversations.i18n import N_
from conversations.messages import Choice, Inbound
from conversations.payloads import Payload
from conversations.shorten import shorten
from store.money import Money
from store.payment_port import CARD, PaymentMethod, payment_methods
from store.phones import HOME_REGION, shown_phone
from store.pricing import PricingError, PricingPolicy
from store.services import carts
from store.services.people import example_mobile, mobile_number
from store.shipping_zones import NoFeeInCurrency

PAY_BY: Final = {
    "card": N_("Pay by card · {amount}"),
    "mpesa": N_("Pay with M-Pesa · {amount}"),
}
PAY_WITH = N_("Pay with {method} · {amount}")  # a way with no words of its own here
# The names of the ways as people type them (`normalise_label`, spaces dropped).
TYPED_NAMES: Final = {"card": frozenset({"card", "kadi"}), "mpesa": frozenset({"mpesa"})}
TITLES: Final = {"mpesa": "M-Pesa"}  # a way's name as it is written in every language
ASK_NUMBER = N_("Which {method} number should we charge?")
USE_NUMBER = N_("Use {phone}")
NOT_A_NUMBER = N_(
    "Sorry, “{text}” is not a mobile number from {country}. Please type it like {example}."
)


@dataclass(frozen=True)
class PayBy(Payload, tag="payby"):
    """A way to pay picked at the summary."""

    method: str


@dataclass(frozen=True)
class UseNumber(Payload, tag="usenum"):
    """Her own number, offered as the number to charge."""

    phone: str


def methods_on(ctx: StepContext) -> tuple[PaymentMethod, ...]:
    return payment_methods(ctx.market.payments, ctx.channel)


def offered(ctx: StepContext, shipping_country: str) -> tuple[PaymentMethod, ...]:
    """The ways shown to her unasked, in order of preference (all, if none is for her)."""
    on = methods_on(ctx)
    homes = {shipping_country, _phone_country(ctx.user.phone)}
    mine = tuple(m for m in on if not m.home_country or m.home_country in homes)
    return mine or on


def _phone_country(phone: str | None) -> str:
    if not phone:
        return ""
    try:
        parsed = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.region_code_for_number(parsed) or ""


def choices(ctx: StepContext, ways: tuple[PaymentMethod, ...], country: str) -> list[Choice]:
    """One choice per way, with the cart's total and the shipping to `country` in its
    currency (a way the cart can't be priced in is left out)."""
    shown: list[Choice] = []
    for method in ways:
        try:
            figures = totals(ctx, pricing_for(ctx, method), country)
        except (PricingError, NoFeeInCurrency):
            continue
        amount = figures.total.format(ctx.user.locale)
        words = PAY_BY.get(method.key)
        label = (
            ctx._(words).format(amount=amount)
            if words
            else ctx._(PAY_WITH).format(method=title(method), amount=amount)
        )
        shown.append(Choice(label, PayBy(method.key).encode()))
    return shown


class Totals(NamedTuple):
    subtotal: Money
    shipping: Money
    total: Money


def totals(ctx: StepContext, pricing: PricingPolicy, country: str) -> Totals:
    """What her cart comes to in `pricing`'s currency, shipped to `country` as one parcel
    (what `orders.place_order` will charge)."""
    view = carts.view_cart(ctx.session, ctx.user.id, pricing)
    pieces = sum(line.quantity for line in view.lines if line.orderable)
    shipping = shipping_fees.fee(country, pieces, pricing.store_currency)
    return Totals(view.subtotal, shipping, view.subtotal + shipping)


def pricing_for(ctx: StepContext, method: PaymentMethod) -> PricingPolicy:
    """The shop's prices in the way's currency (the same markup and commission)."""
    pricing = ctx.market.config.pricing
    return pricing.in_currency(method.currency or pricing.store_currency)


def title(method: PaymentMethod) -> str:
    return TITLES.get(method.key, method.key)


def chosen(
    ctx: StepContext, inbound: Inbound, default: PaymentMethod | None
) -> PaymentMethod | None:
    """The way she picked: a tapped choice, its name typed, or (`default`) the summary's one
    way (an older "Place order" too). None: she picked none that is on."""
    tapped = PayBy.read(inbound.payload)
    if tapped is not None:
        return by_key(ctx, tapped.method)
    if inbound.payload is None:
        return named(ctx, inbound.text)
    return default


def by_key(ctx: StepContext, key: str) -> PaymentMethod | None:
    return next((m for m in methods_on(ctx) if m.key == key), None)


def named(ctx: StepContext, text: str) -> PaymentMethod | None:
    """The way on whose name she typed ("M-Pesa", "m pesa", "kadi", "pay by card")."""
    words = normalise_label(text).split()
    typed = {*words, "".join(words)}
    return next(
        (m for m in methods_on(ctx) if typed & TYPED_NAMES.get(m.key, {m.key})),
        None,
    )


def default_method(ways: tuple[PaymentMethod, ...]) -> PaymentMethod:
    return ways[0] if ways else CARD


def ask_number(ctx: StepContext, method: PaymentMethod) -> None:
    """Which number to charge: hers in one tap when it is one the way can reach."""
    own = mobile_number(ctx.user.phone or "", method.home_country or HOME_REGION)
    offers = (
        [Choice(ctx._(USE_NUMBER).format(phone=shown_phone(own)), UseNumber(own).encode())]
        if own
        else []
    )
    ctx.ask(ctx._(ASK_NUMBER).format(method=title(method)), offers)


def read_number(ctx: StepContext, inbound: Inbound, method: PaymentMethod) -> str | None:
    """The number she tapped or typed (E.164), or None after telling her kindly it is not one."""
    region = method.home_country or HOME_REGION
    tapped = UseNumber.read(inbound.payload)
    typed = tapped.phone if tapped is not None else inbound.text
    phone = mobile_number(typed, region)
    if phone is None:
        ctx.say(
            ctx._(NOT_A_NUMBER).format(
                text=shorten(typed),
                country=country_name(region, ctx.user.locale),
                example=example_mobile(region),
            )
        )
    return phone
