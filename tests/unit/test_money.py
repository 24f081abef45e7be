from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.errors import CurrencyMismatch, InexactAmount, InvalidAmount, StoreError, UnknownCurrency
from store.money import Money, babel_locale, currency_exponent, sum_money

NBSP = "\u00a0"


def kes(major: str) -> Money:
    return Money.of_major(major, "KES")


@pytest.mark.parametrize(
    ("value", "currency", "amount"),
    [
        ("1500", "KES", 150000),
        (1500, "KES", 150000),
        (Decimal("1500.5"), "KES", 150050),
        ("1500.50", "KES", 150050),
        ("-2.5", "KES", -250),
        ("1E3", "KES", 100000),
        ("1500.000", "KES", 150000),
        ("1500", "JPY", 1500),
        ("1.234", "BHD", 1234),
        ("0", "USD", 0),
    ],
)
def test_of_major_is_exact(value: Decimal | int | str, currency: str, amount: int) -> None:
    assert Money.of_major(value, currency) == Money(amount, currency)


@pytest.mark.parametrize(("value", "currency"), [("1500.555", "KES"), ("1.5", "JPY")])
def test_of_major_refuses_to_round(value: str, currency: str) -> None:
    with pytest.raises(InexactAmount) as caught:
        Money.of_major(value, currency)
    assert (caught.value.value, caught.value.currency) == (value, currency)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", 1.5, True])
def test_of_major_rejects_non_numbers_and_floats(value: object) -> None:
    with pytest.raises(InvalidAmount):
        Money.of_major(value, "KES")  # type: ignore[arg-type]


@pytest.mark.parametrize("currency", ["kes", "XYZ", "", "KE", "KESS"])
def test_unknown_currency_is_refused(currency: str) -> None:
    with pytest.raises(UnknownCurrency) as caught:
        Money(100, currency)
    assert caught.value.currency == currency
    assert isinstance(caught.value, StoreError)


@pytest.mark.parametrize("amount", [1.5, Decimal(1), True, "100"])
def test_amount_must_be_int_minor_units(amount: object) -> None:
    with pytest.raises(TypeError):
        Money(amount, "KES")  # type: ignore[arg-type]


def test_exponents_come_from_babel() -> None:
    assert [currency_exponent(c) for c in ("KES", "USD", "JPY", "BHD")] == [2, 2, 0, 3]
    assert Money(1, "JPY").exponent == 0


def test_money_is_immutable_and_hashable() -> None:
    price = kes("1500")
    with pytest.raises(dataclasses.FrozenInstanceError):
        price.amount = 1  # type: ignore[misc]
    assert {price, kes("1500.00")} == {price}


def test_arithmetic_within_a_currency() -> None:
    assert kes("1500") + kes("0.50") == kes("1500.50")
    assert kes("1500") - kes("2000") == kes("-500")
    assert -kes("5") == kes("-5")
    assert kes("1.25") * 3 == kes("3.75") == 3 * kes("1.25")
    assert Money.zero("KES") == Money(0, "KES")


@pytest.mark.parametrize("factor", [1.5, Decimal(2), True])
def test_multiplying_by_non_int_is_a_type_error(factor: object) -> None:
    with pytest.raises(TypeError):
        kes("1") * factor  # type: ignore[operator]


def test_comparisons_within_a_currency() -> None:
    assert kes("1") < kes("2") <= kes("2") < kes("3")
    assert kes("3") > kes("2") >= kes("2")
    assert kes("1") != Money(100, "USD")


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_mixing_currencies_raises_with_both_codes(
    operation: Callable[[Money, Money], object],
) -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        operation(kes("1"), Money(100, "USD"))
    assert (caught.value.left, caught.value.right) == ("KES", "USD")


def test_sum_money() -> None:
    assert sum_money([], "KES") == Money.zero("KES")
    assert sum_money([kes("1"), kes("2.50")], "KES") == kes("3.50")
    with pytest.raises(CurrencyMismatch):
        sum_money([kes("1"), Money(1, "USD")], "KES")
    with pytest.raises(CurrencyMismatch):
        sum_money([kes("1")], "USD")


@pytest.mark.parametrize(
    ("amount", "ratios", "parts"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (5, [0, 1, 1], [0, 3, 2]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (1000, [70, 20, 10], [700, 200, 100]),
        (1, [1, 1], [1, 0]),
        (10, [3, 3, 4], [3, 3, 4]),
        (11, [1, 2], [4, 7]),
    ],
)
def test_allocate_examples(amount: int, ratios: list[int], parts: list[int]) -> None:
    assert Money(amount, "KES").allocate(ratios) == [Money(p, "KES") for p in parts]


def test_split() -> None:
    assert Money(1000, "KES").split(3) == [Money(334, "KES"), Money(333, "KES"), Money(333, "KES")]


@pytest.mark.parametrize("ratios", [[], [0, 0], [1, -1]])
def test_allocate_rejects_bad_ratios(ratios: list[int]) -> None:
    with pytest.raises(ValueError, match="ratios"):
        kes("1").allocate(ratios)


def test_to_decimal_is_exact() -> None:
    assert Money(150050, "KES").to_decimal() == Decimal("1500.50")
    assert str(Money(150000, "KES").to_decimal()) == "1500.00"
    assert Money(5, "JPY").to_decimal() == Decimal(5)
    # Beyond the default 28-digit context, where Decimal arithmetic would round.
    assert Money(10**40 + 1, "KES").to_decimal() == Decimal("1" + "0" * 38 + ".01")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "en_KE"), ("sw", "sw_KE"), ("sw-KE", "sw_KE"), ("EN", "en_KE"), ("en_US", "en_US")],
)
def test_babel_locale(lang: str, expected: str) -> None:
    assert babel_locale(lang) == expected


@pytest.mark.parametrize(
    ("money", "locale", "compact", "text"),
    [
        (Money(150000, "KES"), "en", True, "Ksh1,500"),
        (Money(150000, "KES"), "sw", True, f"Ksh{NBSP}1,500"),
        (Money(150000, "KES"), "en", False, "Ksh1,500.00"),
        (Money(150050, "KES"), "en", True, "Ksh1,500.50"),
        (Money(150005, "KES"), "sw", True, f"Ksh{NBSP}1,500.05"),
        (Money(-150000, "KES"), "en", True, "-Ksh1,500"),
        (Money(150000, "USD"), "en_US", True, "$1,500"),
        (Money(1500, "JPY"), "en_US", False, "¥1,500"),
        (Money(1234, "BHD"), "en_US", True, "BHD1.234"),
    ],
)
def test_format(money: Money, locale: str, compact: bool, text: str) -> None:
    assert money.format(locale, compact_whole=compact) == text


def test_compact_format_leaves_shared_babel_pattern_alone() -> None:
    kes("1500").format("en")
    assert kes("1500.50").format("en", compact_whole=False) == "Ksh1,500.50"
    assert kes("1500").format("en", compact_whole=False) == "Ksh1,500.00"


amounts = st.integers(min_value=-(10**15), max_value=10**15)
kes_money = amounts.map(lambda a: Money(a, "KES"))


@given(kes_money, kes_money, kes_money)
def test_addition_is_associative_and_commutative(a: Money, b: Money, c: Money) -> None:
    assert (a + b) + c == a + (b + c)
    assert a + b == b + a
    assert a - b == a + (-b)


@given(amounts, st.sampled_from(["USD", "EUR", "JPY", "TZS"]))
def test_currency_mismatch_always_raises(amount: int, other: str) -> None:
    with pytest.raises(CurrencyMismatch):
        Money(amount, "KES") + Money(amount, other)


@given(amounts, st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12))
def test_allocate_sums_exactly_and_stays_within_one_unit(amount: int, ratios: list[int]) -> None:
    if sum(ratios) == 0:
        ratios = [*ratios, 1]
    parts = Money(amount, "KES").allocate(ratios)
    assert sum_money(parts, "KES") == Money(amount, "KES")
    total = sum(ratios)
    for part, ratio in zip(parts, ratios, strict=True):
        assert abs(part.amount - Fraction(amount * ratio, total)) < 1
        if ratio == 0:
            assert part.amount == 0


@given(amounts, st.sampled_from(["KES", "JPY", "BHD"]))
def test_decimal_round_trip(amount: int, currency: str) -> None:
    money = Money(amount, currency)
    assert Money.of_major(money.to_decimal(), currency) == money
    assert Money.of_major(str(money.to_decimal()), currency) == money
