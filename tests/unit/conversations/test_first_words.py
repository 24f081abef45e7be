"""The language of someone's first words, and the one rule that picks a newcomer's language."""

from __future__ import annotations

import pytest

from conversations.first_words import FIRST_WORDS, is_greeting, language_of_words
from conversations.i18n import SUPPORTED_LOCALES, choose_locale


@pytest.mark.parametrize(
    "text",
    [
        "habari",
        "Habari yako?",
        "habariii",
        "HABARI!!!",
        "Mambo vipi!",
        "jambo",
        "Hujambo mama",
        "Shikamoo",
        "niaje",
        "sasa",
        "Salama?",
        "Asante sana",
        "Ndiyo",
        "ndio",
        "Nataka mkufu",
        "ninataka kununua hereni",
        "Naomba bei ya bangili",
        "nauza shanga",
        "Habári",  # an accent a phone's keyboard added
        "mambooo",
        "Habari za asubuhi",
        "karibu",
        "JIUNGE",
        "lugha",
    ],
)
def test_swahili_first_words(text: str) -> None:
    assert language_of_words(text) == "sw"


@pytest.mark.parametrize(
    "text",
    [
        "Hi",
        "hello",
        "Hey!",
        "Heyyy",
        "Good morning",
        "join",
        "I want earrings",
        "yes",
        "What is the price?",
        "buy",
        "I sell necklaces",
        "Hello, I want a shanga necklace",  # one Swahili word in an English sentence
    ],
)
def test_english_first_words(text: str) -> None:
    assert language_of_words(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "12345",
        "0712 345 678",
        "👋",
        "🙏🏾😊",
        "?",
        "Wanjiru",  # a name is no language
        "Hi habari",  # as much of one as of the other: the shop's default decides
        "привет",
        "你好",
        "مرحبا",
        "/start ref-KQ7M2X",  # a deep link carries no words
        "/start",
        "ok",  # both languages say it
        "\u200b\x00",
        "x" * 10_000,
    ],
)
def test_no_language_in_these(text: str) -> None:
    assert language_of_words(text) is None


def test_mixed_words_follow_the_majority() -> None:
    assert language_of_words("Hi, nataka mkufu") == "sw"
    assert language_of_words("hello mambo, I want to buy") == "en"


def test_a_join_code_is_not_read_as_words() -> None:
    # Codes use letters too: "BEI-SAW" holds the Swahili "bei" and the English "saw".
    assert language_of_words("JIUNGE BEI-SAW") == "sw"
    assert language_of_words("join bei-saw") == "en"
    assert language_of_words("Jiunge kq7-m2x") == "sw"


def test_words_with_digits_are_codes_not_words() -> None:
    assert language_of_words("bei7k2") is None


def test_the_lists_do_not_overlap_and_name_supported_locales() -> None:
    assert set(FIRST_WORDS) <= set(SUPPORTED_LOCALES)
    assert not FIRST_WORDS["sw"] & FIRST_WORDS["en"]


# --- choose_locale: the app's language, else her first words, else the shop's default --------


@pytest.mark.parametrize(
    ("hint", "locale"),
    [("sw", "sw"), ("sw-KE", "sw"), ("SW_tz", "sw"), ("en-GB", "en"), (" en ", "en")],
)
def test_the_apps_language_comes_first(hint: str, locale: str) -> None:
    other_words = "Hello" if locale == "sw" else "Habari"
    assert choose_locale(hint, other_words, default="sw" if locale == "en" else "en") == locale


@pytest.mark.parametrize("hint", [None, "", "de", "fr-FR", "swa", "english"])
def test_without_a_language_we_have_the_first_words_decide(hint: str | None) -> None:
    assert choose_locale(hint, "habari", default="en") == "sw"
    assert choose_locale(hint, "Hi", default="sw") == "en"


def test_else_the_shops_default() -> None:
    assert choose_locale("de", "👋", default="sw") == "sw"
    assert choose_locale(None, "", default="en") == "en"
    assert choose_locale(None, "12345", default="sw-KE") == "sw"


def test_a_default_we_do_not_have_falls_back_to_english() -> None:
    assert choose_locale(None, "", default="fr") == "en"
    assert choose_locale(None) == "en"


@pytest.mark.parametrize("words", ["Habariii!", "habari za asubuhi", "Mambo vipi", "Good morning"])
def test_greetings(words: str) -> None:
    assert is_greeting(words)


@pytest.mark.parametrize("words", ["", "👋 2", "habari, nataka mkufu", "hello 12", "sawa"])
def test_not_only_greetings(words: str) -> None:
    assert not is_greeting(words)
