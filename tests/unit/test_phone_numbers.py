"""Phone numbers as people type them, read in one place (`people.normalize_phone`): by
ADMIN_PHONES, the People menu and `soko admin`."""

from __future__ import annotations

import pytest

from store.phones import shown_phone
from store.services import people

KENYAN = "+254712345678"
GERMAN = "+4915112345678"


@pytest.mark.parametrize(
    "typed",
    [
        "0712 345 678",
        "+254 712 345678",
        "254712345678",
        "712345678",
        "0712-345-678",
        "0712.345.678",
        "0712/345678",
        "(0712) 345 678",
        "  0712 345 678  ",
        "+254 (0) 712 345 678",
        "(+254) 712 345 678",
        "+254\u00a0712\u00a0345\u00a0678",  # no-break spaces, as phones paste them
        "+254\u2011712\u2011345\u2011678",  # non-breaking hyphens
        "000 254 712 345 678",  # Kenya's own international prefix
    ],
)
def test_kenyan_habits(typed: str) -> None:
    assert people.normalize_phone(typed) == KENYAN


@pytest.mark.parametrize(
    "typed",
    [
        "00254 712 345 678",
        "00254712345678",
        "00 254 712 345 678",
        " 00254-712-345-678",
        "(00254) 712 345 678",
    ],
)
def test_the_international_00_prefix_is_a_plus(typed: str) -> None:
    assert people.normalize_phone(typed) == KENYAN


@pytest.mark.parametrize(
    "typed", ["0049 151 12345678", "0049-151-123 456 78", "+49 (0)151 12345678"]
)
def test_foreign_numbers_with_00_or_plus(typed: str) -> None:
    assert people.normalize_phone(typed) == GERMAN


@pytest.mark.parametrize(
    "typed",
    [
        "٠٧١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        "۰۷۱۲۳۴۵۶۷۸",  # Eastern Arabic-Indic (Persian) digits
        "０７１２ ３４５ ６７８",  # fullwidth digits
        "٠٠٢٥٤٧١٢٣٤٥٦٧٨",  # "00" in Arabic-Indic digits
        "００２５４ ７１２ ３４５ ６７８",  # "00" in fullwidth digits
        "＋２５４ ７１２ ３４５ ６７８",  # a fullwidth plus
    ],
)
def test_other_digits(typed: str) -> None:
    assert people.normalize_phone(typed) == KENYAN


def test_other_regions_read_00_the_same_way() -> None:
    assert people.normalize_phone("020 7946 0958", default_region="GB") == "+442079460958"
    assert people.normalize_phone("0044 20 7946 0958", default_region="GB") == "+442079460958"
    assert people.normalize_phone("+1 650 253 0000") == "+16502530000"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "abc",
        "0712",
        "07123456789",
        "+254 000 000000",
        "00",
        "0",
        "+",
        "00 12",
        "0000 712 345 678",
        "9" * 5000,
    ],
)
def test_what_is_not_a_number(typed: str) -> None:
    assert people.normalize_phone(typed) is None


def test_a_number_typed_in_other_scripts_digits_is_her_number() -> None:
    for typed in ("٠٧١٢ ٣٤٥ ٦٧٨", "०७१२३४५६७८", "０７１２３４５６７８"):
        assert people.is_kenyan_mobile(typed)
        assert people.normalize_phone(typed) == "+254712345678"
    assert not people.is_kenyan_mobile("07¹2345678")


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+254722000003", "0722 000003"),  # her M-Pesa number, as every message shows it
        (KENYAN, "0712 345678"),
        ("+254110123456", "0110 123456"),  # Safaricom's newer 01… prefix
        ("+254202012345", "020 2012345"),  # a Nairobi landline
        (GERMAN, "+49 1511 2345678"),  # not Kenyan: the international form, country code first
        ("+16502530000", "+1 650-253-0000"),
    ],
)
def test_a_number_is_shown_the_one_way_phonenumbers_writes_it(stored: str, shown: str) -> None:
    assert shown_phone(stored) == shown


@pytest.mark.parametrize("odd", ["", "+254 000 000000", "not a number", "+2547"])
def test_what_is_not_a_valid_number_is_shown_as_it_is(odd: str) -> None:
    assert shown_phone(odd) == odd


def test_a_shown_number_reads_back_as_the_same_number() -> None:
    assert people.normalize_phone(shown_phone(KENYAN)) == KENYAN
    assert people.normalize_phone(shown_phone(GERMAN)) == GERMAN
