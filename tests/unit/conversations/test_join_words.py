""" "JOIN <code>" / "JIUNGE <code>" (the text a WhatsApp referral link prefills, or a code as
heard over the phone) is a referral `/start`; text that merely begins with those words stays
text, and six letters alone are a code only when they are an active one."""

from __future__ import annotations

import pytest

from conversations.global_words import Command, GlobalWord, parse_global_word

ACTIVE = "KQMXAB"  # a code of letters only, as the alphabet may well give


def active_code(typed: str) -> str | None:
    return typed if typed == ACTIVE else None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("JOIN KQ7-M2X", "KQ7M2X"),
        ("join kq7m2x", "KQ7M2X"),
        ("Jiunge KQ7-M2X", "KQ7M2X"),
        ("JIUNGE KQ7 M2X", "KQ7M2X"),
        (" join: KQ7M2X. ", "KQ7M2X"),
        ("JOIN ABC-DEF", "ABCDEF"),
        ("Jiunge k q 7 m 2 x", "KQ7M2X"),  # spelt out, one character at a time
        ("jiunge kq7_m2x!", "KQ7M2X"),
        ("JIUNGE KQ0-M2X", "KQ0M2X"),  # a look-alike: onboarding finds the code she meant
        ("Jiunge KQ1 M2L", "KQ1M2L"),
    ],
)
def test_join_with_a_code_with_a_digit_or_a_hyphen_is_a_referral_start(
    text: str, code: str
) -> None:
    assert parse_global_word(text) == Command(GlobalWord.START, f"ref-{code}")


@pytest.mark.parametrize(
    "text",
    [
        "jiunge kqm xab",
        "JIUNGE KQMXAB",
        "Jiunge: KQMXAB.",
        "join kqmxab",
        "Jiunge:kqm-xab",
        "JIUNGE  K Q M X A B",
        "jiunge kqm.xab",
    ],
)
def test_a_code_of_letters_as_heard_is_a_referral_start_when_it_is_active(text: str) -> None:
    assert parse_global_word(text, active_code) == Command(GlobalWord.START, f"ref-{ACTIVE}")


@pytest.mark.parametrize(
    "text",
    [
        "Jiunge Shanga",  # a shop's name, six letters of the alphabet: no such code
        "jiunge shanga",
        "JIUNGE SHA NGA",
        "jiunge na sisi",
        "join the fun",
        "join",
        "JOIN KQ7-M2X please",
        "joinKQ7M2X",
        "jiunge kqm xab yes",
        "JIUNGE KQMXA",
        "JIUNGE KQMXABC",
    ],
)
def test_other_text_starting_with_join_stays_text(text: str) -> None:
    assert parse_global_word(text, active_code) is None


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ("jiunge 8dj-5x", "8DJ5X"),  # a character missing
        ("JOIN KQ7M2XX", "KQ7M2XX"),  # one too many
        ("Jiunge: kq-7", "KQ7"),
        ("join KQ7 M2X 9QP", "KQ7M2X9QP"),
    ],
)
def test_join_with_a_code_of_the_wrong_length_is_still_a_referral_start(
    text: str, typed: str
) -> None:
    # She clearly wants to join: onboarding tells her the code could not be read.
    assert parse_global_word(text, active_code) == Command(GlobalWord.START, f"ref-{typed}")


@pytest.mark.parametrize(
    "text",
    ["join 12", "JOIN KQ7M2X9QPRS", "Jiunge Shanga Kibera", "JOIN KQ7-M2X please"],
)
def test_too_short_too_long_or_wordy_after_join_stays_text(text: str) -> None:
    assert parse_global_word(text, active_code) is None


def test_letters_alone_are_text_when_nobody_can_say_they_are_a_code() -> None:
    assert parse_global_word("JIUNGE KQMXAB") is None


def test_plain_start_words_are_unchanged() -> None:
    assert parse_global_word("/start ref-KQ7M2X") == Command(GlobalWord.START, "ref-KQ7M2X")
    assert parse_global_word("menyu") == Command(GlobalWord.MENU)
