"""Transcripts: a community manager records workshop visits in the chat (from the list of
shops due and from a People card), the artisan is told in her language, and the shop's
verification shows on the buyer's card, lapses, and leaves the list of shops due."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from conversations.messages import Location
from tests.integration.conversations.listing_support import photo
from tests.integration.conversations.people.conftest import WhatsAppChat
from tests.integration.conversations.people.menu_support import user_id
from tests.integration.conversations.people.menu_support import AMINA


def test_explore(grace: WhatsAppChat, amina: WhatsAppChat, uow_factory) -> None:
    for said in ("menu", "Shops to visit", "1", "kesho", "hello", "jana", "1", "ndiyo", "Needs work"):
        print(">", said)
        for a in grace.send(said):
            print(a)
    print("> photo")
    for a in grace.send(photos=(photo(1),)):
        print(a)
    for said in ("done", "Follow-up needed", "Passed", "Bead holes are rough; please file them smooth"):
        print(">", said)
        for a in grace.send(said):
            print(a)
    print("AMINA", amina.send("menyu"))
    assert False
