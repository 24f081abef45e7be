""" "JOIN <code>" / "JIUNGE <code>" (the text a WhatsApp referral link prefills) is a referral
`/start`; text that merely begins with those words stays text."""

from __future__ import annotations

import pytest

from conversations.global_words import Command, GlobalWord, parse_global_word


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("JOIN KQ7-M2X", "KQ7M2X"),
        ("join kq7m2x", "KQ7M2X"),
        ("Jiunge KQ7-M2X", "KQ7M2X"),
        ("JIUNGE KQ7 M2X", "KQ7M2X"),
        (" join: KQ7M2X. ", "KQ7M2X"),
        ("JOIN ABC-DEF", "ABCDEF"),
    ],
)
def test_join_with_a_code_is_a_referral_start(text: str, code: str) -> None:
    assert parse_global_word(text) == Command(GlobalWord.START, f"ref-{code}")


@pytest.mark.parametrize(
    "text",
    [
        "Jiunge Shanga",
        "join the fun",
        "join",
        "JOIN KQ7-M2X please",
        "jiunge na sisi",
        "joinKQ7M2X",
    ],
)
def test_other_text_starting_with_join_stays_text(text: str) -> None:
    assert parse_global_word(text) is None


def test_plain_start_words_are_unchanged() -> None:
    assert parse_global_word("/start ref-KQ7M2X") == Command(GlobalWord.START, "ref-KQ7M2X")
    assert parse_global_word("menyu") == Command(GlobalWord.MENU)
