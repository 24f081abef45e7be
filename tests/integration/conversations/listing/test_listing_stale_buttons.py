"""Buttons from earlier messages while she lists a piece: never read as its name, price or
materials; the question is asked again."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.listing_support import photo, products_of, seller

EARLIER = "That button is from an earlier message."
ASK_TITLE = (
    "What is the piece called, and its price in shillings? For example: Blue glass bead necklace "
    "1500"
)
ASK_MATERIALS = "What is it made of? For example: glass beads, brass wire"


def test_old_buttons_are_never_a_title_or_materials(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    chat.send(photos=(photo(3),))
    assert chat.send("Done") == [ASK_TITLE]
    assert chat.tap("ph:more") == [EARLIER, ASK_TITLE]  # "Add more" from an older photos question
    assert chat.tap("menu:nonsense") == [EARLIER, ASK_TITLE]
    assert chat.send("Zawadi's gift")[0].startswith("What is your price")
    chat.send("15")
    chat.send("2")  # "No, change it", by its number
    chat.send("15")
    chat.send("Yes, that's right")
    assert chat.send("Necklace") == [ASK_MATERIALS]
    assert chat.tap("lcat:ring") == [EARLIER, ASK_MATERIALS]
    chat.send("glass beads, brass")
    [piece] = products_of(chat)
    assert piece.title == "Zawadi's gift"
    assert piece.materials == ["glass beads", "brass"]
