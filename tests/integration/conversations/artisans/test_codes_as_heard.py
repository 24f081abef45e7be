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
    chat.send("Achieng Otieno")
    chat.send("Shanga za Achieng")
    chat.send("Kibera, Nairobi")
    chat.send("0722 000111")
    chat.send("ruka")
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
    chat.send(typed)
    assert f"Msimbo wa mlezi wako: {shown}." in chat.send("Kiswahili")
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
    assert "Msimbo wa mlezi wako: KQM-XAB." in chat.send("JIUNGE KQM XAB")


def test_a_shop_called_jiunge_shanga_is_her_shops_name_not_a_code(
    new_chat: Callable[..., Chat], heard: Seller, uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("zawadi", locale_hint="sw-KE")
    chat.send("Habari")
    chat.send("Kiswahili")
    chat.send("menyu")
    chat.send("Uza vito vyako")
    chat.send("Zawadi Mwende")
    assert chat.send("Jiunge Shanga") == [
        "Unafanyia kazi wapi? Andika mahali, kwa mfano: Kibera, Nairobi. "
        "Au tuma eneo lako (location)."
    ]
    chat.send("Kibera, Nairobi")
    chat.send("0722 000222")
    chat.send("ruka")
    chat.send("Ndiyo, fungua duka langu")
    artisan = artisan_of(uow_factory, "zawadi")
    assert artisan is not None
    assert (artisan.shop_name, artisan.mentor_id) == ("Jiunge Shanga", None)
