"""Where an order goes: a name, a free-text address, and an ISO 3166-1 alpha-2 country."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import StoreError
from store.models import Order
from store.text import clean_display, clean_line

NAME_MAX = 120
ADDRESS_MAX = 1000

# CLDR territory codes that are not countries one ships to: regions, groupings, unknown,
# and ISO's "exceptionally reserved" codes. XK (Kosovo) stays: carriers use it.
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)


class InvalidShipping(StoreError):
    def __init__(self, field: str, value: str) -> None:
        super().__init__(f"invalid shipping {field}: {value!r}")
        self.field = field
        self.value = value


@cache
def country_codes() -> frozenset[str]:
    territories = Locale.parse("en").territories
    codes = {
        code for code in territories if isinstance(code, str) and len(code) == 2 and code.isalpha()
    }
    return frozenset(codes - _NOT_COUNTRIES)


@dataclass(frozen=True, slots=True)
class ShippingDetails:
    name: str
    address: str
    country: str

    def __post_init__(self) -> None:
        name = clean_line(self.name)  # shown to the artisan who sends it: no bidi controls
        address = clean_display(self.address)
        country = self.country.strip().upper()
        if not name or len(name) > NAME_MAX:
            raise InvalidShipping("name", self.name)
        if not address or len(address) > ADDRESS_MAX:
            raise InvalidShipping("address", self.address)
        if country not in country_codes():
            raise InvalidShipping("country", self.country)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "address", address)
        object.__setattr__(self, "country", country)


def last_shipping(session: Session, buyer_user_id: int) -> ShippingDetails | None:
    """Where her latest order with shipping details was to go (placed in the chat, or given
    on the provider's page), to offer again; None when she never gave any, or when what she
    gave then no longer passes (a country since dropped)."""
    row = session.execute(
        select(Order.shipping_name, Order.shipping_address, Order.shipping_country)
        .where(
            Order.buyer_user_id == buyer_user_id,
            Order.shipping_name != "",
            Order.shipping_address != "",
            Order.shipping_country != "",
        )
        .order_by(Order.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    try:
        return ShippingDetails(*row)
    except InvalidShipping:
        return None
