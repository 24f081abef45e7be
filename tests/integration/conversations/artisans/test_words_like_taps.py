"""Typing the word a button says works like tapping it, in English and Swahili, whichever
language the buttons are in; a yes or no typed where the question offered yes is never kept
as her answer (issue 19: a name saved as "ndiyo")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from conversations.messages import Location
from store.models import Artisan, Channel, User
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans.test_onboarding import (
    ASK_LOCATION_EN,
    ASK_MPESA_EN,
    ASK_SHOP_EN,
    ASK_STORY_EN,
)
from tests.integration.conversations.artisans_support import artisan_of
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.listing_support import photo

ASK_NAME_EN = "Are you Wanjiku? Tap yes, or type your name.\n1. Yes, that's me"
ASK_NAME_SW = "Wewe ni Wanjiku? Jibu ndiyo, au andika jina lako.\n1. Ndiyo, ni mimi"
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


# --- buttons whose label does not start with the word: the flow declares what they mean -------

PIN_EN = (
    "Thank you! Only the Soko team sees your pin, to visit you; buyers do not see it. Now type"
    " the area buyers will see, for example: Kibera, Nairobi."
)
PIN_SW = (
    "Asante! Ni timu ya Soko tu itakayoona pini yako, ili ikutembelee; wanunuzi hawaioni. Sasa"
    " andika jina la mahali unapofanyia kazi, litakaloonekana kwa wanunuzi, kwa mfano: Kibera,"
    " Nairobi."
)
NOT_AN_AREA_EN = (
    "Please type the name of your area, not a pin or a map link: buyers do not see those."
    " For example: Kibera, Nairobi."
)
NOT_AN_AREA_SW = (
    "Tafadhali andika jina la mahali unapofanyia kazi, si pini wala kiungo cha ramani: wanunuzi"
    " hawavioni. Kwa mfano: Kibera, Nairobi."
)
ASK_MPESA_SW = (
    "Pesa zako zitumwe kwa namba gani ya M-Pesa? Kwa mfano: 0712 345 678\n[share your phone number]"
)


def share_pin(chat: Chat) -> list[str]:
    return chat.deliver(replace(chat.inbound(), location=Location(-1.3133, 36.7876)))


def place_asked_in_summary(chat: Chat, skip: str) -> str:
    """Her place as the summary before the shop opens shows it."""
    chat.send("0733 123 456")
    summary = chat.send(skip)[0]
    return next(line for line in summary.splitlines() if line.startswith(("Place:", "Mahali:")))


def test_typed_yes_or_no_after_a_pin_is_never_her_place_in_english(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("zawadi")
    start_selling(chat, "English", "Sell your jewelry")
    chat.send("Yes")
    chat.send("Zawadi Crafts")
    assert share_pin(chat) == [PIN_EN]
    assert chat.send("no") == [NOT_AN_AREA_EN]
    assert chat.send("Yes") == [NOT_AN_AREA_EN]
    assert chat.send("Kisumu") == [ASK_MPESA_EN]
    assert place_asked_in_summary(chat, "skip") == "Place: Kisumu"


def test_typed_ndiyo_or_hapana_after_a_pin_is_never_her_place_in_swahili(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("achieng", locale_hint="sw-KE")
    start_selling(chat, "Kiswahili", "Uza vito vyako")
    chat.send("Ndiyo")
    chat.send("Shanga za Achieng")
    assert share_pin(chat) == [PIN_SW]
    assert chat.send("Hapana") == [NOT_AN_AREA_SW]
    assert chat.send("ndiyo") == [NOT_AN_AREA_SW]
    assert chat.send("Kibera, Nairobi") == [ASK_MPESA_SW]
    assert place_asked_in_summary(chat, "ruka") == "Mahali: Kibera, Nairobi"


OPEN_A_SHOP_EN = (
    "Would you like to sell your jewelry on Soko? First open your shop — it takes a few "
    "questions.\n1. Open my shop\n2. Not now"
)
OPEN_A_SHOP_SW_BUTTONS = "\n1. Fungua duka langu\n2. Si sasa"


@pytest.mark.parametrize("yes", ["yes", "ndiyo"])
def test_typed_yes_to_open_a_shop_opens_it(yes: str, new_chat: Callable[..., Chat]) -> None:
    chat = new_chat("baraka")
    chat.send("Hi")
    chat.send("English")
    assert chat.send(photos=(photo(3),)) == [OPEN_A_SHOP_EN]
    assert chat.send(yes)[-1] == ASK_NAME_EN


@pytest.mark.parametrize("no", ["hapana", "No."])
def test_typed_no_to_open_a_shop_is_not_now_in_swahili(
    no: str, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat("baraka", locale_hint="sw-KE")
    chat.send("Habari")
    chat.send("Kiswahili")
    assert chat.send(photos=(photo(3),))[0].endswith(OPEN_A_SHOP_SW_BUTTONS)
    assert chat.send(no)[0].startswith("Ungependa kufanya nini?")


def test_a_no_to_her_story_skips_it_and_a_yes_is_never_her_story(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("zawadi")
    start_selling(chat, "English", "Sell your jewelry")
    chat.send("Yes")
    chat.send("Zawadi Crafts")
    chat.send("Gikomba")
    assert chat.send("0733 123 456") == [ASK_STORY_EN]
    assert chat.send("yes") == ["Sorry, “yes” is not one of the answers here.", ASK_STORY_EN]
    summary = chat.send("No")[0]
    assert "Story: (none)" in summary.splitlines()
