"""The edge cleaner (`store.text`): what a person types is kept safe to store and to show."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from store.text import BIDI_CONTROLS, ascii_digits, clean_line, clean_text, read_int

ANY_TEXT = st.text(st.characters(codec=None), max_size=300)


def _forbidden(ch: str) -> bool:
    category = unicodedata.category(ch)
    return (category == "Cc" and ch not in "\n\t") or category == "Cs"


@given(ANY_TEXT)
def test_clean_text_is_idempotent_nfc_and_holds_no_control_character(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert not any(_forbidden(ch) for ch in cleaned)
    cleaned.encode("utf-8")  # no lone surrogate: PostgreSQL and JSON can take it


@given(ANY_TEXT)
def test_a_line_has_no_bidi_control_and_no_line_break(text: str) -> None:
    line = clean_line(text)
    assert clean_line(line) == line
    assert not BIDI_CONTROLS & set(line)
    assert "\n" not in line
    assert "\t" not in line


@given(ANY_TEXT, st.integers(min_value=1, max_value=40))
def test_a_cut_text_stays_clean(text: str, limit: int) -> None:
    cut = clean_text(text, limit=limit)
    assert len(cut) <= limit
    assert clean_text(cut, limit=limit) == cut
    assert unicodedata.is_normalized("NFC", cut)


def test_a_long_message_is_cut_to_the_most_one_message_holds() -> None:
    assert len(clean_text("shanga " * 1000)) == 4096


def test_what_a_person_meant_survives() -> None:
    assert clean_text("habari\x00 yako\r\nmama\tna\x1b[31m") == "habari yako\nmama\tna[31m"
    assert clean_text("Cafe\u0301") == "Café"
    assert clean_line("  Ami\u202ena \u2066Wanjiku\u2069\n ") == "Amina Wanjiku"
    assert clean_text("👩🏾‍🦱 shanga") == "👩🏾‍🦱 shanga"  # an emoji's joiner is kept


def test_numbers_in_any_script_are_read_and_anything_else_is_refused() -> None:
    assert [read_int(typed) for typed in ("12", " ١٢ ", "१२", "１２", "٣")] == [12, 12, 12, 12, 3]
    assert [read_int(typed) for typed in ("²", "1.5", "", "-3", "1 2", "x", "9" * 40)] == [None] * 7
    assert ascii_digits("bei ١٬٥٠٠ ksh") == "bei 1٬500 ksh"
