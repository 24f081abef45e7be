"""The shipping fee as a buyer reads it: on a piece's card, in her cart, at checkout.

Her country is known once she gave a delivery address (her last order's), else from her
phone number; before that she sees where the fees start or their range. Fees come from the
destination zones (`store.shipping_zones`), one parcel per order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import phonenumbers

from conversations.countries import country_name
from conversations.flow import StepContext
from conversations.i18n import N_, Translator
from store.money import Money
from store.services.shipping import last_shipping
from store.shipping_zones import zones

# TRANSLATORS: under a piece's price: what a parcel of it costs to her country.
CARD_TO: Final = N_("+ {amount} shipping to {country} ({fewest}–{most} days)")
# TRANSLATORS: under a piece's price, before we know where she lives.
CARD_FROM: Final = N_("+ shipping from {amount}")
CART_TO: Final = N_("Shipping to {country}: {amount}")
CART_RANGE: Final = N_("Shipping: {low} to {high}, by country")
TOTAL_WITH_SHIPPING: Final = N_("Total with shipping: {amount}")
DELIVERY_DAYS: Final = N_("Delivery to {country}: {fewest} to {most} days after it ships.")
# TRANSLATORS: how long a parcel to a zone takes, in a table of zones.
DAYS: Final = N_("{fewest}–{most} days")


@dataclass(frozen=True)
class ZoneRow:
    """One destination zone as a page lists it."""

    zone: str
    fee: str
    days: str


def zone_rows(t: Translator, currency: str) -> list[ZoneRow]:
    """Every zone with the fee for a parcel of one piece and its delivery days."""
    rows = []
    for zone in zones().zones:
        fewest, most = zone.delivery_days
        rows.append(
            ZoneRow(
                zone.name(t.locale),
                zone.fee(1, currency).format(t.locale),
                t._(DAYS).format(fewest=fewest, most=most),
            )
        )
    return rows


def starting_from(t: Translator, currency: str) -> str:
    """ "+ shipping from US$4": where the fees start, for a reader whose country we don't know."""
    low, _ = zones().fee_range(currency)
    return t._(CARD_FROM).format(amount=low.format(t.locale))


def buyer_country(ctx: StepContext) -> str | None:
    """Where her parcels go: her last order's country, else her phone's; None unknown."""
    last = last_shipping(ctx.session, ctx.user.id)
    if last is not None:
        return last.country
    if not ctx.user.phone:
        return None
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(ctx.user.phone))
    except phonenumbers.NumberParseException:
        return None
    return region or None


def fee(country: str, pieces: int, currency: str) -> Money:
    return zones().fee(country, pieces, currency)


def card_line(ctx: StepContext, currency: str) -> str:
    """The line under a piece's price: a parcel of one to her country, or where fees start."""
    country = buyer_country(ctx)
    locale = ctx.user.locale
    if country is None:
        return starting_from(Translator(locale), currency)
    fewest, most = zones().zone_for(country).delivery_days
    return ctx._(CARD_TO).format(
        amount=fee(country, 1, currency).format(locale),
        country=country_name(country, locale),
        fewest=fewest,
        most=most,
    )


def cart_lines(ctx: StepContext, subtotal: Money, pieces: int) -> list[str]:
    """Shipping and the total under a cart's subtotal; the range of fees while her country
    is not known."""
    locale = ctx.user.locale
    country = buyer_country(ctx)
    if country is None:
        low, high = zones().fee_range(subtotal.currency)
        return [ctx._(CART_RANGE).format(low=low.format(locale), high=high.format(locale))]
    shipping = fee(country, pieces, subtotal.currency)
    return [
        ctx._(CART_TO).format(
            country=country_name(country, locale), amount=shipping.format(locale)
        ),
        ctx._(TOTAL_WITH_SHIPPING).format(amount=(subtotal + shipping).format(locale)),
    ]


def delivery_line(ctx: StepContext, country: str) -> str:
    fewest, most = zones().zone_for(country).delivery_days
    return ctx._(DELIVERY_DAYS).format(
        country=country_name(country, ctx.user.locale), fewest=fewest, most=most
    )
