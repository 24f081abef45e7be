"""What a buyer pays for an artisan's piece, and what the artisan and her mentor get.

The artisan sets her price in her own currency (KES). The buyer pays in the store currency:

    unit price   = artisan price × rate × (1 + markup)     rounded DOWN, once per unit
    line total   = unit price × quantity
    share        = artisan price × quantity                 (artisan currency, exact)
    commission   = share × commission bps / 10 000          rounded DOWN (only with a mentor)
    payout cost  = (share + commission) × rate              rounded UP, in the store currency

Rounding goes the buyer's way on the price and the platform's way on the cost, so the
platform fee (line total − payout cost) is never negative. The markup must exceed the
commission; for pieces so cheap that rounding to the store currency's minor unit would eat
the whole margin, ``quote_line`` refuses with ``PriceTooLow`` rather than lose money.
With the default rates and markup that never happens for a whole-shilling price.

A buyer who pays another way may be priced in that way's currency (`in_currency`: M-Pesa
in KES): the same markup and commission, and no exchange at all when it is the artisan's
own currency. Some currencies are paid in whole units only (`WHOLE_UNIT_CURRENCIES`: M-Pesa
takes whole shillings), so there the unit price is rounded down to a whole unit; the
refusal above still keeps the platform fee from going negative.

All arithmetic is exact (``Fraction``), so no Decimal context precision can round silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import MappingProxyType

from store.errors import StoreError
from store.money import Money, currency_exponent

BPS = 10_000
# Prices in these currencies are whole major units (M-Pesa takes whole shillings).
WHOLE_UNIT_CURRENCIES = frozenset({"KES"})


class PricingError(StoreError):
    """Root of the pricing errors."""


class MissingRate(PricingError):
    def __init__(self, pair: str) -> None:
        super().__init__(f"no exchange rate configured for {pair}")
        self.pair = pair


class InvalidPricingPolicy(PricingError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid pricing policy: {reason}")
        self.reason = reason


class PriceTooLow(PricingError):
    """The price is too small to survive conversion and rounding in the store currency."""

    def __init__(self, price: Money, store_currency: str) -> None:
        super().__init__(
            f"{price.amount} {price.currency} minor units is too low to sell in {store_currency}"
        )
        self.price = price
        self.store_currency = store_currency


@dataclass(frozen=True, slots=True)
class LineQuote:
    unit_price: Money  # store currency
    line_total: Money  # store currency
    artisan_share: Money  # artisan currency
    mentor_commission: Money  # artisan currency; zero without a mentor
    payout_cost: Money  # store currency: what share + commission cost at this rate

    @property
    def platform_fee(self) -> Money:
        return self.line_total - self.payout_cost


def rate_pair(source: str, target: str) -> str:
    return f"{source}/{target}"


@dataclass(frozen=True, slots=True)
class PricingPolicy:
    """Exchange rates ("KES/USD" → 1 KES in USD) plus a markup and the mentor's commission."""

    store_currency: str
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    markup_bps: int = 0
    mentor_commission_bps: int = 0

    def __post_init__(self) -> None:
        currency_exponent(self.store_currency)
        for name in ("markup_bps", "mentor_commission_bps"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidPricingPolicy(f"{name} must be a non-negative int, got {value!r}")
        if self.mentor_commission_bps > BPS:
            raise InvalidPricingPolicy("mentor commission cannot exceed 100%")
        if self.markup_bps <= self.mentor_commission_bps:
            # Equal would leave nothing to absorb rounding: payout cost could exceed the price.
            raise InvalidPricingPolicy(
                f"markup ({self.markup_bps} bps) must exceed the mentor commission "
                f"({self.mentor_commission_bps} bps)"
            )
        checked: dict[str, Decimal] = {}
        for pair, rate in self.rates.items():
            source, _, target = pair.partition("/")
            currency_exponent(source)
            currency_exponent(target)
            if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
                raise InvalidPricingPolicy(f"rate for {pair} must be a positive Decimal")
            checked[pair] = rate
        object.__setattr__(self, "rates", MappingProxyType(checked))

    @classmethod
    def from_strings(
        cls,
        store_currency: str,
        rates: Mapping[str, str],
        markup_bps: int,
        mentor_commission_bps: int,
    ) -> PricingPolicy:
        """Build from settings text: ``{"KES/USD": "0.0077"}``."""
        parsed: dict[str, Decimal] = {}
        for pair, text in rates.items():
            try:
                parsed[pair.strip().upper()] = Decimal(text.strip())
            except InvalidOperation:
                raise InvalidPricingPolicy(f"rate for {pair} is not a number: {text!r}") from None
        return cls(store_currency.upper(), parsed, markup_bps, mentor_commission_bps)

    def in_currency(self, currency: str) -> PricingPolicy:
        """The same rates, markup and commission, with buyers paying in `currency`."""
        return self if currency == self.store_currency else replace(self, store_currency=currency)

    def rate(self, source: str, target: str) -> Fraction:
        if source == target:
            return Fraction(1)
        pair = rate_pair(source, target)
        try:
            return Fraction(self.rates[pair])
        except KeyError:
            raise MissingRate(pair) from None

    def _to_store_minor(self, amount: Money) -> Fraction:
        """The exact value of ``amount`` in store-currency minor units (a fraction)."""
        scale = Fraction(10) ** (currency_exponent(self.store_currency) - amount.exponent)
        return amount.amount * self.rate(amount.currency, self.store_currency) * scale

    def _price_step(self) -> int:
        """The minor units a unit price is a multiple of (1, or a whole unit)."""
        whole = self.store_currency in WHOLE_UNIT_CURRENCIES
        return 10 ** currency_exponent(self.store_currency) if whole else 1

    def mentor_commission(self, share: Money) -> Money:
        """The mentor's cut of an artisan's share, rounded down (never more than the share)."""
        return Money(share.amount * self.mentor_commission_bps // BPS, share.currency)

    def quote_line(self, artisan_price: Money, quantity: int, has_mentor: bool) -> LineQuote:
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise ValueError(f"quantity must be a positive int, got {quantity!r}")
        if artisan_price.amount <= 0:
            raise PriceTooLow(artisan_price, self.store_currency)
        marked_up = self._to_store_minor(artisan_price) * Fraction(BPS + self.markup_bps, BPS)
        step = self._price_step()
        unit_price = Money(_floor(marked_up / step) * step, self.store_currency)
        share = artisan_price * quantity
        commission = self.mentor_commission(share) if has_mentor else Money.zero(share.currency)
        payout_cost = Money(_ceil(self._to_store_minor(share + commission)), self.store_currency)
        line_total = unit_price * quantity
        if unit_price.amount == 0 or payout_cost > line_total:
            raise PriceTooLow(artisan_price, self.store_currency)
        return LineQuote(unit_price, line_total, share, commission, payout_cost)


def _floor(value: Fraction) -> int:
    return value.numerator // value.denominator


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)
