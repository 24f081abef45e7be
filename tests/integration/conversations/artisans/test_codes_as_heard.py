"""A mentor's code as a recruit types what she heard over the phone: spaced, any case, no
hyphen, no digit, a look-alike she could not tell; and a shop called "Jiunge Shanga" that is
no code at all."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from store.models import Channel, ReferralCode
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans_support import Seller, artisan_of
from tests.integration.conversations.conftest import Chat

LETTERS = "KQMXAB"  # a code the alphabet may well give: no digit in it
WITH_DIGIT = "KQ7M2X"


@pytest.fixture
def heard(uow_factory: UnitOfWorkFactory, mentor: Seller) -> Seller:
    """Mama Amina, who reads her codes to recruits over the phone."""
    with uow_factory() as uow:
        for code in (LETTERS, WITH_DIGIT):
            uow.session.add(ReferralCode(code=code, mentor_id=mentor.artisan_id, active=True))
        uow.commit()
    return mentor


def open_shop_in_swahili(chat: Chat) -> list[str]:
    """Her answers to the onboarding questions; what the last one was answered."""
    chat.send("Shanga za Achieng")  # her name is her app's; her story is not asked
    chat.send("Kibera, Nairobi")
    chat.send("0722 000111")
    return chat.send("Ndiyo, fungua duka langu")


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("jiunge kqm xab", "KQM-XAB"),
        ("JIUNGE KQMXAB", "KQM-XAB"),
        ("Jiunge: kqmxab.", "KQM-XAB"),
        ("jiunge k q 7 m 2 x", "KQ7-M2X"),
        ("JIUNGE KQ0 M2X", "KQ7-M2X"),  # she heard "zero" where Mama Amina said "seven"
    ],
)
def test_a_code_typed_as_heard_links_her_to_her_mentor(
    new_chat: Callable[..., Chat],
    heard: Seller,
    uow_factory: UnitOfWorkFactory,
    typed: str,
    shown: str,
) -> None:
    chat = new_chat("achieng", channel=Channel.WHATSAPP, locale_hint="sw-KE")
    # "jiunge" tells her language: not asked, straight on to her shop, her code noted.
    assert any(f"Msimbo wa mlezi wako: {shown}." in answer for answer in chat.send(typed))
    assert "Mlezi wako Mama Amina atakusaidia. Tumemwambia umejiunga." in open_shop_in_swahili(chat)
    artisan = artisan_of(uow_factory, "achieng")
    assert artisan is not None
    assert artisan.mentor_id == heard.artisan_id
    assert artisan.referral_code == shown.replace("-", "")


def test_a_code_she_types_in_the_middle_of_opening_her_shop_counts_too(
    new_chat: Callable[..., Chat], heard: Seller
) -> None:
    chat = new_chat("neema", locale_hint="sw-KE")
    chat.send("Habari")
    chat.send("Kiswahili")
    chat.send("menyu")
    chat.send("Uza vito vyako")
    assert any("Msimbo wa mlezi wako: KQM-XAB." in a for a in chat.send("JIUNGE KQM XAB"))


def test_a_shop_called_jiunge_shanga_is_her_shops_name_not_a_code(
    new_chat: Callable[..., Chat], heard: Seller, uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("zawadi", locale_hint="sw-KE")
    chat.send("Habari")
    chat.send("Kiswahili")
    chat.send("menyu")
    chat.send("Uza vito vyako")
    assert chat.send("Jiunge Shanga") == [
        "Unafanyia kazi wapi? Andika mahali, kwa mfano: Kibera, Nairobi. "
        "Au tuma eneo lako (location)."
    ]
    chat.send("Kibera, Nairobi")
    chat.send("0722 000222")
    chat.send("Ndiyo, fungua duka langu")
    artisan = artisan_of(uow_factory, "zawadi")
    assert artisan is not None
    assert (artisan.shop_name, artisan.mentor_id) == ("Jiunge Shanga", None)


UNREADABLE = {
    "sw": (
        "Tufungue duka lako kwenye Soko! Ni maswali machache mafupi tu.\n"
        "Hatukuweza kusoma msimbo huo, lakini bado unaweza kufungua duka lako. "
        "Muombe mlezi wako akutumie msimbo wake au kiungo chake tena.\n"
        "Duka lako linaitwaje? Kwa mfano: Mama Shanga Beads."
    ),
    "en": (
        "Let's open your shop on Soko! Just a few short questions.\n"
        "We couldn't read that code, but you can still open your shop. "
        "Ask your mentor to send you her code or link again.\n"
        "What is your shop called? For example: Mama Shanga Beads."
    ),
}


@pytest.mark.parametrize(
    ("channel", "app_language", "typed", "language"),
    [
        (Channel.WHATSAPP, "sw-KE", "jiunge 8dj-5x", "sw"),  # a character missing
        (Channel.TELEGRAM, "sw", "JIUNGE KQ7 M2XX", "sw"),  # one too many
        (Channel.WHATSAPP, None, "JOIN KQ7M2XX", "en"),
        (Channel.TELEGRAM, "en", "join 8dj-5x", "en"),
    ],
)
def test_a_code_of_the_wrong_length_opens_her_shop_and_says_it_could_not_be_read(
    new_chat: Callable[..., Chat],
    heard: Seller,
    uow_factory: UnitOfWorkFactory,
    channel: Channel,
    app_language: str | None,
    typed: str,
    language: str,
) -> None:
    chat = new_chat("wairimu", channel=channel, locale_hint=app_language)
    # She clearly wants to join: not the language question and the menu, but her shop.
    assert chat.send(typed)[-1] == UNREADABLE[language]
    chat.send("Shanga za Wairimu")
    chat.send("Kibera, Nairobi")
    chat.send("0722 000333")
    opened = chat.send("1")
    assert not any("didn't work" in a or "haukufanya kazi" in a for a in opened)  # said once
    artisan = artisan_of(uow_factory, "wairimu")
    assert artisan is not None
    assert (artisan.shop_name, artisan.mentor_id) == ("Shanga za Wairimu", None)
