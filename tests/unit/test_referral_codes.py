"""Referral codes are read aloud: no look-alike characters, forgiving about how they're typed."""

from __future__ import annotations

import pytest

from store.services.referrals import (
    CODE_ALPHABET,
    CODE_LENGTH,
    format_code,
    generate_code,
    normalize_code,
)


def test_alphabet_has_no_ambiguous_characters() -> None:
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET) == 31


def test_generated_codes_use_only_the_alphabet() -> None:
    codes = {generate_code() for _ in range(200)}
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert len(codes) > 190  # random, not a constant


@pytest.mark.parametrize(
    "typed", ["KQ7-M2X", "kq7 m2x", "KQ7M2X", " kq7-m2x ", "Kq7.m2X", "kq7_m2x"]
)
def test_normalize_accepts_any_case_and_separator(typed: str) -> None:
    assert normalize_code(typed) == "KQ7M2X"


@pytest.mark.parametrize(
    "typed", ["", "KQ7-M2", "KQ7-M2XX", "KQ0-M2X", "KQ1-M2X", "IOL-KQ7", "KQ7-M2!"]
)
def test_normalize_refuses_wrong_length_and_foreign_characters(typed: str) -> None:
    assert normalize_code(typed) is None


def test_format_groups_for_reading_aloud() -> None:
    assert format_code("KQ7M2X") == "KQ7-M2X"
    assert normalize_code(format_code("KQ7M2X")) == "KQ7M2X"
