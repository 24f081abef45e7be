"""Transcripts on both databases: anyone can share her number at any time — `/phone` (in
Telegram's command menu) or the words "phone", "my number", "namba yangu", "simu yangu". Where
the chat has a share-contact button (Telegram) she is asked with it; where the chat already
vouches for her number (WhatsApp) she is shown the number we know. In English and Swahili."""

from __future__ import annotations

from collections.abc import Callable

from store.models import Channel
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.people.conftest import TelegramChat, WhatsAppChat
from tests.integration.conversations.people.test_owners_and_numbers import (
    start_with_owners,
    user_of,
)

BUTTON = "[share your phone number]"  # how the share-contact button reads in a transcript
OWNER = "+254711000001"


def chatting_in(chat: TelegramChat, language: str) -> TelegramChat:
    chat.send("Hi")
    chat.send("1" if language == "en" else "2")  # the welcome's language choice
    return chat


def test_on_telegram_phone_asks_with_the_button_and_her_own_contact_is_saved(
    on_telegram: Callable[[str], TelegramChat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = chatting_in(on_telegram("7101"), "en")

    assert amina.send("/phone") == [
        f"Share your number so we know it's you on WhatsApp too: choose the button below.\n{BUTTON}"
    ]
    shared = amina.share_contact("0722 000111")
    assert shared[0] == "Thanks — your number 0722 000111 is saved."
    assert shared[1].startswith("What would you like to do?")
    assert len(shared) == 2
    assert user_of(uow_factory, Channel.TELEGRAM, "7101").phone == "+254722000111"


def test_kwenye_telegram_namba_yangu_inaomba_kwa_kitufe(
    on_telegram: Callable[[str], TelegramChat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiku = chatting_in(on_telegram("7102"), "sw")

    assert wanjiku.send("namba yangu") == [
        "Tuma namba yako ili tujue ni wewe pia kwenye WhatsApp: chagua kitufe hapa chini."
        f"\n{BUTTON}"
    ]
    shared = wanjiku.share_contact("+254722000112")
    assert shared[0] == "Asante — namba yako 0722 000112 imehifadhiwa."
    assert shared[1].startswith("Ungependa kufanya nini?")
    assert user_of(uow_factory, Channel.TELEGRAM, "7102").phone == "+254722000112"


def test_someone_elses_contact_or_a_typed_number_is_asked_again_kindly(
    on_telegram: Callable[[str], TelegramChat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = chatting_in(on_telegram("7103"), "en")
    amina.send("phone")

    assert amina.share_contact("+254733000999", own=False) == [
        f"That is someone else's number. To share yours, choose the button below.\n{BUTTON}"
    ]
    assert amina.send("0722 000 113") == [
        "To share your number, choose the button below, so that we know it is yours. Or send"
        f" “menu” to go back.\n{BUTTON}"
    ]
    assert user_of(uow_factory, Channel.TELEGRAM, "7103").phone is None
    assert amina.send("menu")[0].startswith("What would you like to do?")


def test_swahili_asks_again_in_swahili(on_telegram: Callable[[str], TelegramChat]) -> None:
    wanjiku = chatting_in(on_telegram("7104"), "sw")
    wanjiku.send("simu yangu")

    assert wanjiku.share_contact("+254733000998", own=False) == [
        f"Hiyo ni namba ya mtu mwingine. Kutuma yako, chagua kitufe hapa chini.\n{BUTTON}"
    ]
    assert wanjiku.send("sijui") == [
        "Kutuma namba yako, chagua kitufe hapa chini, ili tujue ni yako. Au tuma “menyu”"
        f" kurudi.\n{BUTTON}"
    ]


def test_on_telegram_a_known_number_is_shown_and_she_may_share_a_new_one(
    on_telegram: Callable[[str], TelegramChat],
) -> None:
    amina = chatting_in(on_telegram("7105"), "en")
    amina.send("phone")
    amina.share_contact("+254722000114")

    assert amina.send("my number") == [
        "Your number with us: 0722 000114.",
        "Share your number so we know it's you on WhatsApp too: choose the button below."
        f"\n{BUTTON}",
    ]


def test_an_owner_sharing_her_number_when_asked_becomes_a_community_manager(
    on_telegram: Callable[[str], TelegramChat], uow_factory: UnitOfWorkFactory
) -> None:
    start_with_owners(uow_factory, OWNER)
    grace = chatting_in(on_telegram("7106"), "en")
    grace.send("/phone")

    shared = grace.share_contact(OWNER)

    assert "Thanks — your number 0711 000001 is saved." in shared
    assert any(line.startswith("You are now one of this shop's owners") for line in shared)
    assert "Review listings" in shared[-1]


def test_on_whatsapp_her_number_is_already_known_and_shown(
    on_whatsapp: Callable[..., WhatsAppChat],
) -> None:
    wanjiku = on_whatsapp("+254722000115")
    wanjiku.send("Hi")
    question = wanjiku.send("1")[-1]  # her menu: a question with numbered choices

    assert wanjiku.send("phone") == [
        "We already know your number: 0722 000115. Use the same number on Telegram and"
        " WhatsApp, and we'll know it's you on both."
    ]
    assert question.startswith("What would you like to do?\n1. Shop jewelry")
    # The question in progress stays open: "1" still answers it.
    assert wanjiku.send("1")[0].startswith("What would you like to see?")


def test_kwenye_whatsapp_namba_yake_inajulikana(
    on_whatsapp: Callable[..., WhatsAppChat],
) -> None:
    wanjiku = on_whatsapp("+254722000116", locale_hint=None)
    wanjiku.send("Habari")  # Swahili from her first words
    wanjiku.send("2")  # Kiswahili, from the welcome's choices

    assert wanjiku.send("simu yangu") == [
        "Tayari tunajua namba yako: 0722 000116. Tumia namba hiyo hiyo kwenye Telegram na"
        " WhatsApp, nasi tutajua ni wewe kwenye zote mbili."
    ]
