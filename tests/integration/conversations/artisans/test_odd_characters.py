"""Odd characters in what she types about herself (issue 19): control characters and NUL are
gone before anything is recorded, and the bidi overrides that could make her name or shop
read as something else are gone from everything shown under her name."""

from __future__ import annotations

from collections.abc import Callable

from store.models import User
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans_support import artisan_of
from tests.integration.conversations.conftest import Chat

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"


def test_names_and_story_are_kept_without_bidi_overrides_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("achieng", locale_hint="sw-KE")
    chat.send("Habari")
    chat.send("Kiswahili")
    chat.send("Uza vito vyako")
    chat.send(f"Achieng{RLO} Otieno\x00")
    chat.send(f"{LRI}Shanga za Achieng{PDI}\x07")
    chat.send(f"Kibera{RLO}")
    chat.send("0722 000 111")
    assert chat.send(f"Natengeneza\x00 shanga.\n{RLO}Asanteni.")[0].startswith(
        "Tafadhali angalia maelezo yako:\n"
        "Jina: Achieng Otieno\nDuka: Shanga za Achieng\nMahali: Kibera\n"
        "M-Pesa: 0722 000111\nHadithi: Natengeneza shanga.\nAsanteni.\n"
    )
    chat.send("ndiyo")

    artisan = artisan_of(uow_factory, "achieng")
    assert artisan is not None
    assert (artisan.shop_name, artisan.location, artisan.story) == (
        "Shanga za Achieng",
        "Kibera",
        "Natengeneza shanga.\nAsanteni.",
    )
    with uow_factory() as uow:
        user = uow.session.get(User, artisan.user_id)
        assert user is not None
        assert user.display_name == "Achieng Otieno"


def test_a_shop_name_too_long_is_refused_kindly_in_english(new_chat: Callable[..., Chat]) -> None:
    chat = new_chat("zawadi")
    chat.send("Hi")
    chat.send("English")
    chat.send("Sell your jewelry")
    chat.send("Zawadi")
    assert chat.send("Shanga " * 20) == [
        "Please type a shop name of 2 to 80 letters.",
    ]
