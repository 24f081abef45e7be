"""Buttons from earlier messages while a buyer types words, as transcripts: a search, a name,
an address never take a payload for words; an old list's piece opens from anywhere, but only a
piece a buyer may see."""

from __future__ import annotations

from collections.abc import Callable

from store.models import Artisan, ProductStatus
from store.uow import UnitOfWorkFactory
from tests.factories import make_product
from tests.integration.conversations.buying_support import (
    COLLAR_USD,
    TO_GERMANY_USD,
    hello,
    open_menu_entry,
    seed_maker,
    seed_product,
)
from tests.integration.conversations.conftest import Chat

EARLIER = "That button is from an earlier message."
LOOKING_FOR = "What are you looking for? Type a word, like “beaded necklace”."
ASK_NAME = "Who should we send it to? Please type the full name."
ASK_ADDRESS = "Please type the delivery address: street, town, postcode."
ASK_COUNTRY = "Which country? Type its name, like Germany, or its code, like DE."


def test_old_buttons_while_she_types_a_search_a_name_and_an_address(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    collar = seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    open_menu_entry(chat, "browse")
    assert chat.send("Search") == [LOOKING_FOR]
    # "Necklaces" from the shop window above: not a word to search for.
    assert chat.tap("cat:necklace") == [EARLIER, LOOKING_FOR]
    assert chat.send("collar") == [
        f"Pieces for “collar”:\n1. Maasai collar — {COLLAR_USD}\n2. Back"
    ]
    assert chat.send("1")[0].startswith("Maasai collar\n")  # the number, typed
    assert chat.send("add to cart")[0].startswith("Added to your cart")  # the label, typed
    assert chat.send("Checkout") == [ASK_NAME]
    assert chat.tap(f"pc:add:{collar}") == [EARLIER, ASK_NAME]
    assert chat.send("Anna Schmidt") == [ASK_ADDRESS]
    assert chat.tap("go:checkout") == [EARLIER, ASK_ADDRESS]
    assert chat.send("Hauptstr. 1, 10115 Berlin") == [ASK_COUNTRY]
    assert chat.tap("home") == [EARLIER, ASK_COUNTRY]
    summary = chat.send("Germany")
    assert summary == [
        f"Please check your order:\n1 × Maasai collar — {COLLAR_USD}\nSubtotal: {COLLAR_USD}\n"
        f"Shipping to Germany: US$12\nTotal: {TO_GERMANY_USD}\n"
        "Delivery to Germany: 5 to 10 days after it ships.\n"
        "Ship to: Anna Schmidt, Hauptstr. 1, 10115 Berlin, Germany\n"
        "1. Place order\n2. Change details"
    ]


def test_a_piece_from_an_old_list_opens_from_checkout_but_only_one_she_may_see(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    with uow_factory() as uow:
        artisan = uow.session.get(Artisan, maker.artisan_id)
        assert artisan is not None
        waiting = make_product(
            uow.session, artisan, title="Unreviewed anklet", status=ProductStatus.PENDING_REVIEW
        ).id
        uow.commit()
    chat = new_chat("buyer")
    hello(chat)
    open_menu_entry(chat, "browse")
    assert chat.send("Necklaces") == [
        f"Choose a piece to see it:\n1. Maasai collar — {COLLAR_USD}\n2. Back"
    ]
    chat.send("1")
    chat.send("Add to cart")
    assert chat.send("Checkout") == [ASK_NAME]
    # The list's "Maasai collar", tapped while checkout asks her name: its card opens.
    card = chat.tap(f"p:{collar}", on="list")
    assert card[0].startswith("Maasai collar\n")
    assert card[0].endswith("1. Add to cart\n2. Buy now\n3. Share\n4. Back")
    # A piece nobody may buy yet, forged the same way: not opened, not even named.
    for forged in (f"p:{waiting}", f"mp:{waiting}", f"pc:buy:{waiting}", "bo:1", "ao:1"):
        answers = chat.tap(forged)
        assert answers == [EARLIER, card[0]], forged
    assert "Unreviewed anklet" not in "\n".join(chat.send("Buy now"))
