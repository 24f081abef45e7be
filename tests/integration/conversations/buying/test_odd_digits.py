"""Numbers typed with other digits at "How many?" (issue 19: "²" failed the update): any
script's decimal digits are understood, anything else is refused kindly, in English and
Swahili."""

from __future__ import annotations

from collections.abc import Callable

from conversations.engine import Outcome
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying_support import hello, seed_maker, seed_product
from tests.integration.conversations.conftest import Chat

ADDED_CHOICES_EN = "1. My cart\n2. Checkout\n3. Keep shopping"
ADDED_CHOICES_SW = "1. Kikapu changu\n2. Kamilisha ununuzi\n3. Endelea kununua"


def test_a_superscript_is_refused_kindly_and_arabic_indic_digits_are_read(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar", stock=3)
    chat = new_chat("buyer")
    hello(chat)
    chat.send(f"/start p-{collar}")

    assert chat.send("Add to cart") == ["How many would you like? There are 3. Type a number."]
    assert chat.send("²") == ["Please type a number, like 2."]
    assert chat.send("٢") == [f"Added to your cart: 2 × Maasai collar.\n{ADDED_CHOICES_EN}"]
    chat.send("My cart")
    chat.send("٢")  # the second choice, "Change: Maasai collar", typed in Arabic-Indic digits
    assert chat.send("Change quantity") == [
        "How many would you like? Type a number (0 removes it)."
    ]
    assert chat.send("³") == ["Please type a number, like 2."]
    assert chat.send("１")[0].startswith("Your cart:\n1 × Maasai collar")
    assert all(result.outcome is Outcome.HANDLED for result in chat.results)


def test_in_swahili_devanagari_digits_are_read_and_a_superscript_refused(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar", stock=3)
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    chat.send(f"/start p-{collar}")

    assert chat.send("Weka kikapuni") == ["Unataka ngapi? Vipo 3. Andika namba."]
    assert chat.send("²") == ["Tafadhali andika namba, kama 2."]
    assert chat.send("३") == [f"Nimeweka kikapuni: 3 × Maasai collar.\n{ADDED_CHOICES_SW}"]
    assert all(result.outcome is Outcome.HANDLED for result in chat.results)
