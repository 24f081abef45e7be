from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.errors import UnknownCurrency
from store.money import Money
from store.pricing import (
    InvalidPricingPolicy,
    MissingRate,
    PriceTooLow,
    PricingError,
    PricingPolicy,
)

DEFAULT_RATES = {"KES/USD": "0.0077", "KES/EUR": "0.0071", "KES/GBP": "0.0061", "KES/JPY": "1.16"}


def policy(store: str = "USD", markup: int = 4000, commission: int = 500) -> PricingPolicy:
    return PricingPolicy.from_strings(store, DEFAULT_RATES, markup, commission)


def kes(major: int | str) -> Money:
    return Money.of_major(major, "KES")


def test_worked_example_in_usd_with_a_mentor() -> None:
    quote = policy().quote_line(kes(1500), 2, has_mentor=True)
    # 1500 × 0.0077 = 11.55 USD; × 1.40 = 16.17 USD exactly.
    assert quote.unit_price == Money(1617, "USD")
    assert quote.line_total == Money(3234, "USD")
    assert quote.artisan_share == kes(3000)
    assert quote.mentor_commission == kes(150)  # 5 % of the share
    # (3000 + 150) × 0.0077 = 24.255 USD → rounded up to 24.26.
    assert quote.payout_cost == Money(2426, "USD")
    assert quote.platform_fee == Money(808, "USD")


def test_without_a_mentor_there_is_no_commission() -> None:
    quote = policy().quote_line(kes(1500), 1, has_mentor=False)
    assert quote.mentor_commission == kes(0)
    assert quote.payout_cost == Money(1155, "USD")


def test_unit_price_is_rounded_down_once_per_unit() -> None:
    # 999 × 0.0077 × 1.4 = 10.76922 USD → 10.76 per piece, so 3 pieces are 32.28, not 32.30.
    quote = policy().quote_line(kes(999), 3, has_mentor=False)
    assert quote.unit_price == Money(1076, "USD")
    assert quote.line_total == Money(3228, "USD")


def test_zero_decimal_store_currency() -> None:
    # 1500 × 1.16 × 1.4 = 2436 yen exactly; JPY has no minor digits.
    quote = policy("JPY").quote_line(kes(1500), 1, has_mentor=True)
    assert quote.unit_price == Money(2436, "JPY")
    # (1500 + 75) × 1.16 = 1827 yen.
    assert quote.payout_cost == Money(1827, "JPY")


def test_same_currency_uses_identity_rate_but_still_marks_up() -> None:
    quote = policy("KES").quote_line(kes(1000), 1, has_mentor=True)
    assert quote.unit_price == kes(1400)
    assert quote.payout_cost == kes(1050)


def test_missing_rate_names_the_pair() -> None:
    with pytest.raises(MissingRate) as caught:
        policy().quote_line(Money(100, "TZS"), 1, has_mentor=False)
    assert caught.value.pair == "TZS/USD"
    assert isinstance(caught.value, PricingError)


def test_from_strings_normalises_pairs() -> None:
    built = PricingPolicy.from_strings("usd", {" kes/usd ": " 0.0077 "}, 4000, 500)
    assert built.store_currency == "USD"
    assert built.rates == {"KES/USD": Decimal("0.0077")}


@pytest.mark.parametrize(
    ("rates", "markup", "commission"),
    [
        ({"KES/USD": "abc"}, 4000, 500),
        ({"KES/USD": "0"}, 4000, 500),
        ({"KES/USD": "-1"}, 4000, 500),
        ({"KES/USD": "NaN"}, 4000, 500),
        ({}, 500, 500),  # markup must exceed the commission
        ({}, 400, 500),
        ({}, -1, 0),
        ({}, 20_000, 10_001),
    ],
)
def test_invalid_policies_are_refused(rates: dict[str, str], markup: int, commission: int) -> None:
    with pytest.raises(InvalidPricingPolicy):
        PricingPolicy.from_strings("USD", rates, markup, commission)


def test_unknown_currency_in_a_pair_is_refused() -> None:
    with pytest.raises(UnknownCurrency):
        PricingPolicy.from_strings("USD", {"KES/XYZ": "1"}, 4000, 500)


def test_policy_is_immutable() -> None:
    built = policy()
    with pytest.raises(TypeError):
        built.rates["KES/USD"] = Decimal(1)  # type: ignore[index]


def test_a_price_too_small_for_the_store_currency_is_refused() -> None:
    # KES 0.50 is 0.00385 USD: less than a cent even with the markup.
    with pytest.raises(PriceTooLow):
        policy().quote_line(Money(50, "KES"), 1, has_mentor=False)


def test_a_price_whose_margin_rounding_would_eat_is_refused() -> None:
    # KES 1.84 is 1.4168 cents: × 1.4 = 1.98 → 1 cent, but the payout costs ⌈1.4876⌉ = 2 cents.
    with pytest.raises(PriceTooLow):
        policy().quote_line(Money(184, "KES"), 1, has_mentor=True)


def test_quantity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="quantity"):
        policy().quote_line(kes(100), 0, has_mentor=False)


# The smallest whole-shilling price each store currency can carry: below it, a piece is worth
# so few cents (or yen) that rounding would eat the margin, and quote_line refuses it.
MINIMUM_KES = {"USD": 1, "EUR": 10, "GBP": 10, "JPY": 5}


@st.composite
def priced_in(draw: st.DrawFn) -> tuple[str, int]:
    store = draw(st.sampled_from(sorted(MINIMUM_KES)))
    return store, draw(st.integers(min_value=MINIMUM_KES[store], max_value=500_000))


@given(priced_in(), st.integers(min_value=1, max_value=20), st.booleans())
def test_payout_cost_never_exceeds_the_line_total(
    store_and_price: tuple[str, int], quantity: int, has_mentor: bool
) -> None:
    store, price_kes = store_and_price
    quote = policy(store).quote_line(kes(price_kes), quantity, has_mentor)
    assert Money.zero(store) < quote.payout_cost <= quote.line_total
    assert quote.line_total == quote.unit_price * quantity
    assert quote.artisan_share == kes(price_kes) * quantity


@given(priced_in(), st.integers(min_value=1, max_value=20))
def test_unit_price_never_exceeds_the_exact_value(
    store_and_price: tuple[str, int], quantity: int
) -> None:
    store, price_kes = store_and_price
    quote = policy(store).quote_line(kes(price_kes), quantity, has_mentor=False)
    rate = Fraction(DEFAULT_RATES[f"KES/{store}"])
    minor = Fraction(10) ** quote.unit_price.exponent
    exact = price_kes * rate * Fraction(14, 10) * minor
    assert quote.unit_price.amount <= exact < quote.unit_price.amount + 1


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=10_000))
def test_commission_never_exceeds_the_share(share_minor: int, bps: int) -> None:
    built = PricingPolicy.from_strings("KES", {}, bps + 1, bps)
    commission = built.mentor_commission(Money(share_minor, "KES"))
    assert Money.zero("KES") <= commission <= Money(share_minor, "KES")
    assert commission.amount * 10_000 <= share_minor * bps < (commission.amount + 1) * 10_000


def test_commission_only_with_a_mentor() -> None:
    assert policy().quote_line(kes(1000), 1, has_mentor=False).mentor_commission == kes(0)
    assert policy().quote_line(kes(1000), 1, has_mentor=True).mentor_commission == kes(50)


@given(st.integers(min_value=1, max_value=50_000_000), st.integers(min_value=1, max_value=20))
def test_any_price_is_either_quoted_safely_or_refused(price_minor: int, quantity: int) -> None:
    try:
        quote = policy().quote_line(Money(price_minor, "KES"), quantity, has_mentor=True)
    except PriceTooLow:
        return
    assert quote.payout_cost <= quote.line_total
    assert quote.unit_price.amount > 0


def test_another_currency_keeps_the_markup_and_commission() -> None:
    usd = policy("USD")
    in_kes = usd.in_currency("KES")
    assert in_kes.store_currency == "KES"
    assert (in_kes.markup_bps, in_kes.mentor_commission_bps) == (4000, 500)
    assert in_kes.rates == usd.rates
    assert usd.in_currency("USD") == usd


def test_shillings_are_whole_no_exchange_for_the_artisans_own_currency() -> None:
    # 1499 × 1.40 = 2098.60 shillings: M-Pesa takes whole shillings, so 2098.
    quote = policy("USD").in_currency("KES").quote_line(kes(1499), 3, has_mentor=True)
    assert quote.unit_price == kes(2098)
    assert quote.line_total == kes(6294)
    assert quote.payout_cost == kes(4721) + Money(85, "KES")  # (4497 + 224.85) exactly


def test_a_shilling_price_rounding_would_eat_is_refused() -> None:
    # 1 shilling × 1.40 = 1.40 → 1 shilling; the share and commission cost 1.05: refused.
    with pytest.raises(PriceTooLow):
        policy("KES", markup=4000, commission=500).quote_line(kes(1), 1, has_mentor=True)


@given(
    st.integers(min_value=1, max_value=50_000_000),
    st.integers(min_value=1, max_value=20),
    st.booleans(),
    st.integers(min_value=1, max_value=5_000),
)
def test_in_shillings_the_platform_fee_is_never_negative(
    price_minor: int, quantity: int, has_mentor: bool, markup: int
) -> None:
    built = policy("USD", markup=markup, commission=markup - 1).in_currency("KES")
    try:
        quote = built.quote_line(Money(price_minor, "KES"), quantity, has_mentor)
    except PriceTooLow:
        return
    assert quote.unit_price.amount % 100 == 0  # whole shillings
    assert quote.unit_price.amount > 0
    assert quote.platform_fee >= Money.zero("KES")
