"""A caption's name and price: the currency as artisans glue it to the number, and prices
that must not slip past the checks `parse_price` makes on a price typed alone."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from conversations.flows.listing import caption as listing_caption
from conversations.flows.listing.caption import Caption, read_caption
from store.money import Money
from store.prices import PriceRejected, RejectReason

MAX_MINOR = 50_000_000


def read(text: str) -> Caption:
    return read_caption(text, "KES", max_minor=MAX_MINOR)


@pytest.mark.parametrize(
    "caption",
    [
        "Mkufu wa shaba ksh1500",
        "Mkufu wa shaba KSh1,500",
        "Mkufu wa shaba Sh1500",
        "Mkufu wa shaba KES1500",
        "Mkufu wa shaba 1500sh",
        "Mkufu wa shaba 1500bob",
        "Mkufu wa shaba, Sh. 1,500/=",
        "Mkufu wa shaba (1500)",
        "Mkufu wa shaba (ksh 1500)",
    ],
)
def test_the_currency_glued_to_the_price_is_not_left_in_the_name(caption: str) -> None:
    assert read(caption) == Caption("Mkufu wa shaba", Money(150_000, "KES"))


@pytest.mark.parametrize("caption", ["Hereni ₹800", "Hereni ₦800", "Hereni 800₺"])
def test_another_currencys_sign_is_refused_as_when_typed_alone(caption: str) -> None:
    said = read(caption)
    assert said.title == "Hereni"
    assert isinstance(said.price, PriceRejected)
    assert said.price.reason is RejectReason.WRONG_CURRENCY


@pytest.mark.parametrize("caption", ["Mkufu ١٬٥٠٠", "Mkufu 1'500", "Mkufu 1_500"])
def test_a_number_split_by_a_sign_we_do_not_read_is_no_price(caption: str) -> None:
    """Not its last group ("500"), silently: the price is asked for again."""
    said = read(caption)
    assert isinstance(said.price, PriceRejected), said
    assert said.price.reason is RejectReason.NOT_A_NUMBER


def test_the_head_of_a_split_number_is_not_left_in_the_name() -> None:
    assert read("Mkufu wa shaba ١٬٥٠٠").title == "Mkufu wa shaba"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("caption", ["sh " * 60, "Mkufu " + "ksh " * 60 + "x", "bei: " * 60])
def test_money_words_over_and_over_are_read_at_once_not_for_hours(caption: str) -> None:
    """Each space could go to either side of an optional ":" (2 ** 60 ways to fail): a short
    caption held the worker, and its database transaction, for ever."""
    assert read(caption).price is None


def test_the_currency_signs_are_every_sign_unicode_has() -> None:
    every = "".join(
        char for char in map(chr, range(sys.maxunicode + 1)) if unicodedata.category(char) == "Sc"
    )
    assert every == listing_caption._SIGNS
