"""A newcomer who sends a photo before she has a shop, on the odd days: she says "Not now"
(her photos are not kept for later), or sends more photos, with captions, while she answers
the shop's questions (kept for her first piece, never taken as an answer)."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.listing_support import photo, products_of

SHOP_OPEN_SW = "Hongera! Duka lako Shanga za Rehema limefunguliwa."


def test_not_now_forgets_her_photos_a_shop_opened_later_starts_without_them(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("rehema", locale_hint="sw")
    chat.send("Mkufu wa shaba 1500", photos=(photo(7),))
    assert chat.send("Si sasa")[0].startswith("Ungependa kufanya nini?\n1. Nunua vito")
    # Weeks later she opens her shop from the menu: that old photo is no piece of hers.
    chat.send("Uza vito vyako")
    for answer in ("Shanga za Rehema", "Kibera, Nairobi", "0722 000 333"):
        chat.send(answer)
    answers = chat.send("1")
    assert answers[0] == SHOP_OPEN_SW
    assert "Sasa tuweke bidhaa yako ya kwanza, kwa picha ulizotuma." not in answers
    assert products_of(chat) == []
