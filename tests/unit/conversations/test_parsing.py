"""Pure pieces: global words, choice resolution, locale guessing, console rendering."""

from __future__ import annotations

import pytest

from conversations.choices import (
    is_offered,
    is_skip,
    normalise_label,
    refused_yes_no,
    resolve_choice,
)
from conversations.global_words import Command, GlobalWord, parse_global_word
from conversations.i18n import choose_locale
from conversations.messages import Choice, ImageRef, Inbound, LinkButton, Outbound
from conversations.plain_text import render
from store.models import Channel

OFFERED = (Choice("🛍 Browse", "b"), Choice("Café crème", "c"), Choice("Bidhaa zangu", "p"))


def inbound(text: str = "", payload: str | None = None) -> Inbound:
    return Inbound(Channel.CONSOLE, "me", "1", text=text, payload=payload)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("menu", Command(GlobalWord.MENU)),
        ("  MENYU ", Command(GlobalWord.MENU)),
        ("Menu!", Command(GlobalWord.MENU)),
        ("/help", Command(GlobalWord.HELP)),
        ("msaada", Command(GlobalWord.HELP)),
        ("Ghairi", Command(GlobalWord.CANCEL)),
        ("/cancel@SokoBot", Command(GlobalWord.CANCEL)),
        ("LUGHA", Command(GlobalWord.LANGUAGE)),
        ("language", Command(GlobalWord.LANGUAGE)),
        ("phone", Command(GlobalWord.PHONE)),
        ("/phone@SokoBot", Command(GlobalWord.PHONE)),
        ("Namba yangu", Command(GlobalWord.PHONE)),
        ("  simu   YANGU. ", Command(GlobalWord.PHONE)),
        ("my number", Command(GlobalWord.PHONE)),
        ("my phone", Command(GlobalWord.PHONE)),
        ("namba yangu ni 0712345678", None),
        ("phone case", None),
        ("/start", Command(GlobalWord.START)),
        ("/start ref-K7QX", Command(GlobalWord.START, "ref-K7QX")),
        ("/start@SokoBot ref-K7QX", Command(GlobalWord.START, "ref-K7QX")),
        ("start", None),
        ("menu of the day", None),
        ("menus", None),
        ("", None),
        ("2", None),
    ],
)
def test_global_words(text: str, expected: Command | None) -> None:
    assert parse_global_word(text) == expected


@pytest.mark.parametrize(
    ("sent", "resolved"),
    [
        (inbound("1"), "b"),
        (inbound(" 3. "), "p"),
        (inbound("#2"), "c"),
        (inbound("4"), None),
        (inbound("0"), None),
        (inbound("browse"), "b"),
        (inbound("CAFE CREME"), "c"),
        (inbound("bidhaa  zangu"), "p"),
        (inbound("something else"), None),
        (inbound(payload="c"), "c"),
        (inbound(payload="forged"), None),
        (inbound(payload="2"), None),  # an unoffered payload is never typed text
        (inbound(payload="browse"), None),
    ],
)
def test_choice_resolution(sent: Inbound, resolved: str | None) -> None:
    assert resolve_choice(sent, OFFERED).payload == resolved


def test_a_payload_that_was_not_offered_is_never_text() -> None:
    """The dispatcher answers such a tap before resolving; should one get here, it is dropped
    and nothing of it becomes words a step would read."""
    result = resolve_choice(inbound(payload="delete:product:9"), OFFERED)
    assert (result.payload, result.text) == (None, "")
    assert not is_offered("delete:product:9", OFFERED)
    assert is_offered("c", OFFERED)


def test_nothing_resolves_when_nothing_was_offered() -> None:
    assert resolve_choice(inbound("1"), ()).payload is None
    assert resolve_choice(inbound(payload="b"), ()).payload is None


def test_ambiguous_labels_do_not_resolve() -> None:
    twins = (Choice("Red", "r1"), Choice("red!", "r2"))
    assert resolve_choice(inbound("red"), twins).payload is None


def test_normalised_labels() -> None:
    assert normalise_label("  Grün  Ständer ✨ ") == "grun stander"


@pytest.mark.parametrize(
    ("hint", "locale"),
    [("sw", "sw"), ("sw-KE", "sw"), ("SW_tz", "sw"), ("en-GB", "en"), ("fr", "en"), (None, "en")],
)
def test_locale_guess(hint: str | None, locale: str) -> None:
    assert choose_locale(hint) == locale


def test_console_rendering() -> None:
    message = Outbound(
        "Bangle — KSh 1,500",
        image=ImageRef(key="products/abc.jpg"),
        choices=(Choice("Buy", "buy:1"), Choice("Back", "back")),
        links=(LinkButton("Pay", "https://pay.example/x"),),
    )
    assert render(message) == (
        "[photo: products/abc.jpg]\nBangle — KSh 1,500\n1. Buy\n2. Back\nPay: https://pay.example/x"
    )
    assert render(Outbound("Hi")) == "Hi"


@pytest.mark.parametrize("typed", ["skip", "Skip", " SKIP! ", "ruka", "Ruka."])
def test_skip_is_read_in_english_and_swahili(typed: str) -> None:
    assert is_skip(typed)


@pytest.mark.parametrize("typed", ["", "skipped", "ruka ruka", "no"])
def test_other_words_are_no_skip(typed: str) -> None:
    assert not is_skip(typed)


YES_NO_EN = (Choice("Yes, cancel it", "y"), Choice("No, keep it", "n"))
YES_NO_SW = (Choice("Ndiyo, ghairi", "y"), Choice("Hapana, usighairi", "n"))


@pytest.mark.parametrize("offered", [YES_NO_EN, YES_NO_SW])
@pytest.mark.parametrize(
    ("typed", "resolved"),
    [("ndiyo", "y"), ("Yes!", "y"), ("NDIO.", "y"), ("hapana", "n"), ("no", "n"), ("ok", None)],
)
def test_a_tap_word_in_either_language_picks_the_button_it_starts(
    offered: tuple[Choice, ...], typed: str, resolved: str | None
) -> None:
    assert resolve_choice(inbound(typed), offered).payload == resolved


def test_a_label_typed_in_the_other_language_picks_its_button() -> None:
    swahili = (Choice("Ndiyo, fungua duka langu", "ok"), Choice("Badilisha kitu", "change"))
    assert resolve_choice(inbound("yes, open my shop"), swahili).payload == "ok"
    assert resolve_choice(inbound("Change something"), swahili).payload == "change"
    english = (Choice("Done", "done"), Choice("Skip", "skip"))
    assert resolve_choice(inbound("tayari"), english).payload == "done"
    assert resolve_choice(inbound("Ruka"), english).payload == "skip"


def test_two_buttons_starting_with_yes_are_not_guessed() -> None:
    twins = (Choice("Yes, approve", "a"), Choice("Yes, and the next", "b"))
    assert resolve_choice(inbound("ndiyo"), twins).payload is None


def test_a_yes_or_no_naming_no_button_is_refused_where_yes_or_no_was_offered() -> None:
    name_known = (Choice("Yes, that's me", "ob:name"),)
    assert refused_yes_no(inbound("hapana"), name_known)
    assert refused_yes_no(inbound("No."), name_known)
    assert not refused_yes_no(inbound("Neema Wairimu"), name_known)
    assert not refused_yes_no(inbound("no"), (Choice("Skip", "skip"),))  # no yes/no asked
    assert not refused_yes_no(inbound("no"), ())


def test_a_menu_number_in_other_digits_is_read() -> None:
    assert resolve_choice(inbound("٢"), OFFERED).payload == "c"
    assert resolve_choice(inbound("３."), OFFERED).payload == "p"
    assert resolve_choice(inbound("²"), OFFERED).payload is None
