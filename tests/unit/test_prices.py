from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from store.money import Money
from store.prices import PriceRejected, RejectReason, parse_price

MAX_MINOR = 100_000_000  # KES 1,000,000
NBSP, NNBSP = "\u00a0", "\u202f"


def parse(text: str, currency: str = "KES", max_minor: int = MAX_MINOR) -> Money | PriceRejected:
    return parse_price(text, currency, max_minor=max_minor)


def kes(major: str) -> Money:
    return Money.of_major(major, "KES")


@pytest.mark.parametrize(
    "text",
    [
        "1500",
        "1,500",
        "KSh 1,500",
        "ksh1500",
        "1.5k",
        "1 500",
        f"1{NBSP}500",
        f"1{NNBSP}500",
        "Sh. 1500/=",
        "Kshs. 1,500.00",
        "1500 bob",
        "KES 1500",
        "1,500/-",
        "sh1500",
        "1.5K",
        "ksh.1500",
        "1500 kes",
        "1500 shillings",
        "shilingi 1,500",
        "Bei ni 1500 tu",
        "  1500  ",
        "Ksh1,500",  # what Money.format("en") prints
        f"Ksh{NBSP}1,500",  # what Money.format("sw") prints
        "１５００",  # full-width digits, normalized by NFKC
        "1.500",  # dot thousands, see test_dot_followed_by_three_digits
    ],
)
def test_accepts_the_ways_artisans_write_1500(text: str) -> None:
    assert parse(text) == kes("1500")


@pytest.mark.parametrize(
    ("text", "major"),
    [
        ("2k", "2000"),
        ("1,500.50", "1500.50"),
        ("1500.5", "1500.50"),
        ("1.25k", "1250"),
        ("1.2345k", "1234.50"),
        ("1.23456k", "1234.56"),
        ("0.5k", "500"),
        ("12,500,000", "12500000"),
        ("250", "250"),
        ("1.50", "1.50"),
        ("0.05", "0.05"),
        ("001500", "1500"),
        ("1 000 000", "1000000"),
    ],
)
def test_accepts_other_amounts(text: str, major: str) -> None:
    assert parse(text, max_minor=10**12) == kes(major)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", RejectReason.EMPTY),
        (" \n\t", RejectReason.EMPTY),
        ("abc", RejectReason.NOT_A_NUMBER),
        ("elfu moja", RejectReason.NOT_A_NUMBER),  # Swahili words are not parsed
        ("elfu moja na mia tano", RejectReason.NOT_A_NUMBER),
        ("ksh", RejectReason.NOT_A_NUMBER),
        ("0", RejectReason.ZERO),
        ("0.00", RejectReason.ZERO),
        ("ksh 0k", RejectReason.ZERO),
        ("-5", RejectReason.NEGATIVE),
        ("ksh -1,500", RejectReason.NEGATIVE),
        ("\N{MINUS SIGN}5", RejectReason.NEGATIVE),
        ("1,50,0", RejectReason.NOT_A_NUMBER),
        ("1,5", RejectReason.NOT_A_NUMBER),
        ("1,50,000", RejectReason.NOT_A_NUMBER),
        ("1.2.3", RejectReason.NOT_A_NUMBER),
        ("1.500,50", RejectReason.NOT_A_NUMBER),
        ("1 500,00", RejectReason.NOT_A_NUMBER),
        ("1,500 000", RejectReason.NOT_A_NUMBER),
        ("15 00", RejectReason.NOT_A_NUMBER),
        ("1500 or 2000", RejectReason.NOT_A_NUMBER),
        ("1500-2000", RejectReason.NOT_A_NUMBER),
        ("1, 500", RejectReason.NOT_A_NUMBER),
        (".5", RejectReason.NOT_A_NUMBER),
        ("ksh ,500", RejectReason.NOT_A_NUMBER),
        ("1,500k", RejectReason.NOT_A_NUMBER),
        ("1e3", RejectReason.NOT_A_NUMBER),
        ("1500 each", RejectReason.NOT_A_NUMBER),
        ("1500 \N{ARABIC-INDIC DIGIT THREE}", RejectReason.NOT_A_NUMBER),
        ("10000000000", RejectReason.TOO_LARGE),
        ("1000001", RejectReason.TOO_LARGE),
        ("1001k", RejectReason.TOO_LARGE),
        ("1500.555", RejectReason.TOO_MANY_DECIMALS),
        ("1,500.505", RejectReason.TOO_MANY_DECIMALS),
        ("1.234567k", RejectReason.TOO_MANY_DECIMALS),
        ("$20", RejectReason.WRONG_CURRENCY),
        ("USD 20", RejectReason.WRONG_CURRENCY),
        ("20 usd", RejectReason.WRONG_CURRENCY),
        ("20 dollars", RejectReason.WRONG_CURRENCY),
        ("€20", RejectReason.WRONG_CURRENCY),
        ("Tsh 500", RejectReason.WRONG_CURRENCY),
        ("500 ushs", RejectReason.WRONG_CURRENCY),
        ("EUR 20 each", RejectReason.WRONG_CURRENCY),
    ],
)
def test_rejects_with_a_reason(text: str, reason: RejectReason) -> None:
    assert parse(text) == PriceRejected(reason, text)


def test_dot_followed_by_three_digits() -> None:
    # KES has 2 minor digits, so "1.500" cannot mean KES 1.50-with-a-typo: it is 1,500.
    assert parse("1.500") == kes("1500")
    assert parse("12.500") == kes("12500")
    assert parse("1.500.000", max_minor=10**12) == kes("1500000")
    # With any other separator, or not exactly three digits, the dot is a decimal point.
    assert parse("1,500.000") == kes("1500")
    assert parse("1.50") == kes("1.50")
    assert parse("1.5000") == kes("1.50")
    assert parse("1.500k") == kes("1500")
    # A currency with three minor digits keeps the decimal reading.
    assert parse("1.500", "BHD", max_minor=10**9) == Money(1500, "BHD")


def test_other_currencies() -> None:
    assert parse("$20", "USD") == Money(2000, "USD")
    assert parse("US$ 20.50", "USD") == Money(2050, "USD")
    assert parse("20 usd", "USD") == Money(2000, "USD")
    assert parse("20 ksh", "USD") == PriceRejected(RejectReason.WRONG_CURRENCY, "20 ksh")
    assert parse("1500", "JPY") == Money(1500, "JPY")
    assert parse("1.5", "JPY") == PriceRejected(RejectReason.TOO_MANY_DECIMALS, "1.5")


def test_max_minor_is_inclusive() -> None:
    assert parse("1,000,000") == Money(MAX_MINOR, "KES")
    assert parse("1,000,000.01") == PriceRejected(RejectReason.TOO_LARGE, "1,000,000.01")
    assert parse("999", max_minor=99_900) == kes("999")
    assert parse("999.01", max_minor=99_900) == PriceRejected(RejectReason.TOO_LARGE, "999.01")
    assert parse("1k", max_minor=99_999) == PriceRejected(RejectReason.TOO_LARGE, "1k")


def test_huge_inputs_are_rejected_cheaply() -> None:
    assert parse("9" * 100_000).reason is RejectReason.TOO_LARGE  # type: ignore[union-attr]
    tiny = "0." + "0" * 100_000 + "1"
    assert parse(tiny).reason is RejectReason.TOO_MANY_DECIMALS  # type: ignore[union-attr]
    assert parse("1500" + "0" * 100_000 + "k").reason is RejectReason.TOO_LARGE  # type: ignore[union-attr]


def grouped(major: int, separator: str) -> str:
    return f"{major:,}".replace(",", separator)


STYLES: list[Callable[[int], str]] = [
    str,
    lambda n: f"{n:,}",
    lambda n: f"KSh {n:,}",
    lambda n: f"ksh{n}",
    lambda n: f"{n}/=",
    lambda n: f"Sh. {n:,}/=",
    lambda n: f"Kshs. {n:,}.00",
    lambda n: f"{n} bob",
    lambda n: grouped(n, " "),
    lambda n: grouped(n, NBSP),
    lambda n: grouped(n, NNBSP),
    lambda n: f"{Decimal(n) / 1000}k",
    lambda n: f"{Decimal(n) / 1000}K",
]


@given(st.integers(min_value=1, max_value=MAX_MINOR // 100), st.sampled_from(STYLES))
@example(1500, STYLES[-2])
@example(2000, STYLES[-1])
def test_whole_amounts_round_trip_through_every_style(
    major: int, style: Callable[[int], str]
) -> None:
    text = style(major)
    assert parse(text) == Money(major * 100, "KES"), text


@given(st.integers(min_value=1, max_value=MAX_MINOR))
def test_amounts_with_cents_round_trip(minor: int) -> None:
    major, cents = divmod(minor, 100)
    for text in (f"{major}.{cents:02d}", f"{major:,}.{cents:02d}", f"KES {major:,}.{cents:02d}"):
        assert parse(text) == Money(minor, "KES"), text


@given(st.integers(min_value=1, max_value=MAX_MINOR), st.sampled_from(["en", "sw"]))
def test_what_money_formats_parses_back(minor: int, lang: str) -> None:
    money = Money(minor, "KES")
    assert parse(money.format(lang)) == money
    assert parse(money.format(lang, compact_whole=False)) == money


@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    assert isinstance(parse(text), Money | PriceRejected)


@given(st.text(alphabet="0123456789 ,.-kK/=$shKSEbo\u00a0\u202f", max_size=20))
def test_accepted_prices_are_positive_and_within_the_limit(text: str) -> None:
    result = parse(text)
    if isinstance(result, Money):
        assert result.currency == "KES"
        assert 0 < result.amount <= MAX_MINOR
    else:
        assert result.text == text


@pytest.mark.parametrize("text", ["١٥٠٠", "ksh ١,٥٠٠", "१५००", "۱۵۰۰", "１５００", "1,５00/="])
def test_a_price_in_any_script_s_digits_is_read(text: str) -> None:
    assert parse(text) == kes("1500")
