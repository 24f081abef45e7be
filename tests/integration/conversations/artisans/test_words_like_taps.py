"""Typing the word a button says works like tapping it, in English and Swahili, whichever
language the buttons are in; a yes or no typed where the question offered yes is never kept
as her answer (issue 19: a name saved as "ndiyo")."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from store.models import Artisan, Channel, User
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans.test_onboarding import (
    ASK_LOCATION_EN,
    ASK_SHOP_EN,
    ASK_STORY_EN,
)
from tests.integration.conversations.artisans_support import artisan_of
from tests.integration.conversations.conftest import Chat

ASK_NAME_EN = "Are you Wanjiku? Tap yes, or type your name.\n1. Yes, that's me"
ASK_NAME_SW = "Wewe ni Wanjiku? Bonyeza ndiyo, au andika jina lako.\n1. Ndiyo, ni mimi"
ASK_SHOP_SW = "Duka lako linaitwaje? Kwa mfano: Mama Shanga Beads."


def start_selling(chat: Chat, language: str, sell: str) -> None:
    chat.send("Habari")
    chat.send(language)
    chat.send(sell)


def display_name(uow_factory: UnitOfWorkFactory, artisan: Artisan) -> str:
    with uow_factory() as uow:
        user = uow.session.get(User, artisan.user_id)
        assert user is not None
        return user.display_name


def test_typed_yes_is_the_tap_and_no_is_never_her_name_in_english(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("zawadi")
    start_selling(chat, "English", "Sell your jewelry")
    assert chat.send("No") == ["Sorry, “No” is not one of the answers here.", ASK_NAME_EN]
    assert chat.send("Yes!") == [ASK_SHOP_EN]
    assert chat.send("Zawadi Crafts") == [ASK_LOCATION_EN]
    chat.send("Gikomba")
    assert chat.send("0733 123 456") == [ASK_STORY_EN]
    assert chat.send("SKIP.")[0].endswith("1. Yes, open my shop\n2. Change something")
    # The Swahili word for the English button.
    assert chat.send("ndiyo")[0] == "Congratulations! Your shop Zawadi Crafts is open."

    artisan = artisan_of(uow_factory, "zawadi")
    assert artisan is not None
    assert display_name(uow_factory, artisan) == "Wanjiku"


def test_typed_ndiyo_is_the_tap_and_hapana_is_never_her_name_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("achieng", locale_hint="sw-KE")
    start_selling(chat, "Kiswahili", "Uza vito vyako")
    assert chat.send("hapana") == ["Samahani, “hapana” si mojawapo ya majibu hapa.", ASK_NAME_SW]
    assert chat.send("Ndiyo.") == [ASK_SHOP_SW]
    chat.send("Shanga za Achieng")
    chat.send("Kibera")
    chat.send("0722 000 111")
    assert chat.send("ruka")[0].endswith("1. Ndiyo, fungua duka langu\n2. Badilisha kitu")
    # The English label of the Swahili button.
    assert chat.send("yes, open my shop")[0] == (
        "Hongera! Duka lako Shanga za Achieng limefunguliwa."
    )

    artisan = artisan_of(uow_factory, "achieng")
    assert artisan is not None
    assert display_name(uow_factory, artisan) == "Wanjiku"


def test_a_name_she_types_instead_is_still_her_name(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("neema", locale_hint="sw-KE")
    start_selling(chat, "Kiswahili", "Uza vito vyako")
    assert chat.send("Neema Wairimu") == [ASK_SHOP_SW]


@pytest.mark.parametrize("channel", [Channel.TELEGRAM, Channel.WHATSAPP, Channel.CONSOLE])
def test_on_every_channel_ndiyo_is_the_tap_and_hapana_is_not_her_name(
    channel: Channel, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat("+254733000444", locale_hint="sw-KE", channel=channel)
    start_selling(chat, "Kiswahili", "Uza vito vyako")
    assert chat.send("HAPANA") == ["Samahani, “HAPANA” si mojawapo ya majibu hapa.", ASK_NAME_SW]
    assert chat.send("ndio") == [ASK_SHOP_SW]
