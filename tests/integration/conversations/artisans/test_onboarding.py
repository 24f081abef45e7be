"""Onboarding transcripts on both databases: recruits arriving by deep link and by "JIUNGE"
text, in English and Swahili, and the bad days (a wrong M-Pesa number, cancel half-way, a
code that doesn't work, her own code)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from conversations.messages import Location
from store.models import Artisan, Channel
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans_support import (
    Seller,
    artisan_of,
    messages_to,
    seed_seller,
)
from tests.integration.conversations.conftest import Chat

ASK_SHOP_EN = "What is your shop called? For example: Mama Shanga Beads."
ASK_LOCATION_EN = (
    "Where do you work? Type the place, for example: Kibera, Nairobi. Or share your location."
)
ASK_MPESA_EN = (
    "Which M-Pesa number should receive your money? For example: 0712 345 678\n"
    "[share your phone number]"
)
ASK_STORY_EN = (
    "Tell buyers your story in a few sentences: who you are and how you make your jewelry. "
    "Or send skip.\n1. Skip"
)
NEXT_STEP_EN = "Next step: send 1 to 5 photos of one piece of jewelry to list it for sale."
MENTOR_TOLD_SW = (
    "Habari njema! {name} ({shop}) amejiunga na Soko kwa msimbo wako. "
    "Msaidie kutuma picha za bidhaa yake ya kwanza."
)


def grouped(code: str) -> str:
    return f"{code[:3]}-{code[3:]}"


def test_recruit_by_deep_link_in_english_and_the_mentor_told_in_swahili(
    new_chat: Callable[..., Chat], mentor: Seller, uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("wanjiku")
    assert chat.send(f"/start ref-{mentor.code}")[0].startswith("Welcome to Soko!")
    assert chat.send("English") == [
        "OK, we'll chat in English.",
        "Let's open your shop on Soko! I'll ask 5 short questions.",
        f"Your mentor's code: {grouped(mentor.code)}.",
        "Are you Wanjiku? Tap yes, or type your name.\n1. Yes, that's me",
    ]
    assert chat.send("1") == [ASK_SHOP_EN]
    assert chat.send("Wanjiku's Shanga") == [ASK_LOCATION_EN]
    assert chat.send("Kibera, Nairobi") == [ASK_MPESA_EN]
    assert chat.send("12345") == [
        "Sorry, that is not a Kenyan M-Pesa number. Please type it like this: 0712 345 678\n"
        "[share your phone number]"
    ]
    assert chat.send("0712 345 678") == [ASK_STORY_EN]
    assert chat.send("skip") == [
        "Please check your details:\n"
        "Name: Wanjiku\nShop: Wanjiku's Shanga\nPlace: Kibera, Nairobi\nM-Pesa: 0712 345678\n"
        f"Story: (none)\nMentor code: {grouped(mentor.code)}\n"
        "1. Yes, open my shop\n2. Change something"
    ]
    before = len(messages_to(uow_factory, mentor.user_id))
    answers = chat.send("1")
    assert answers[:3] == [
        "Congratulations! Your shop Wanjiku's Shanga is open.",
        "Your mentor Mama Amina will help you. We have told her you joined.",
        NEXT_STEP_EN,
    ]
    assert answers[3].startswith("What would you like to do?")
    assert "Sell your jewelry" not in answers[3]

    artisan = artisan_of(uow_factory, "wanjiku")
    assert artisan is not None
    assert (artisan.mentor_id, artisan.referral_code) == (mentor.artisan_id, mentor.code)
    assert (artisan.mpesa_phone, artisan.story, artisan.location) == (
        "+254712345678",
        "",
        "Kibera, Nairobi",
    )
    told = messages_to(uow_factory, mentor.user_id)[before:]
    assert told == [MENTOR_TOLD_SW.format(name="Wanjiku", shop="Wanjiku's Shanga")]


def test_recruit_by_jiunge_text_entirely_in_swahili(
    new_chat: Callable[..., Chat], mentor: Seller, uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("achieng", locale_hint="sw-KE")
    assert chat.send(f"JIUNGE {grouped(mentor.code).lower()}")[0] == (
        "Karibu Soko! Nunua na uuze vito vilivyotengenezwa kwa mikono."
    )
    assert chat.send("Kiswahili") == [
        "Sawa, tutaongea kwa Kiswahili.",
        "Tufungue duka lako kwenye Soko! Nitakuuliza maswali 5 mafupi.",
        f"Msimbo wa mlezi wako: {grouped(mentor.code)}.",
        "Wewe ni Wanjiku? Jibu ndiyo, au andika jina lako.\n1. Ndiyo, ni mimi",
    ]
    assert chat.send("A") == ["Tafadhali andika jina lako (herufi 2 hadi 80)."]
    assert chat.send("Achieng Otieno") == ["Duka lako linaitwaje? Kwa mfano: Mama Shanga Beads."]
    assert chat.send("Shanga za Achieng") == [
        "Unafanyia kazi wapi? Andika mahali, kwa mfano: Kibera, Nairobi. "
        "Au tuma eneo lako (location)."
    ]
    pin = replace(chat.inbound(), location=Location(-1.3133, 36.7876))
    assert chat.deliver(pin) == [
        "Asante! Ni timu ya Soko tu itakayoona pini yako, ili ikutembelee; wanunuzi hawaioni. "
        "Sasa andika jina la mahali unapofanyia kazi, litakaloonekana kwa wanunuzi, "
        "kwa mfano: Kibera, Nairobi."
    ]
    assert chat.send("Kibera, Nairobi") == [
        "Pesa zako zitumwe kwa namba gani ya M-Pesa? Kwa mfano: 0712 345 678\n"
        "[share your phone number]"
    ]
    assert chat.send("hamna") == [
        "Samahani, hiyo si namba ya M-Pesa ya Kenya. Tafadhali iandike hivi: 0712 345 678\n"
        "[share your phone number]"
    ]
    assert chat.send("+254 722 000 111") == [
        "Waambie wanunuzi hadithi yako kwa sentensi chache: wewe ni nani na unatengenezaje "
        "vito vyako. Au tuma ruka.\n1. Ruka"
    ]
    assert chat.send("Natengeneza shanga kwa mifupa na pembe.") == [
        "Tafadhali angalia maelezo yako:\n"
        "Jina: Achieng Otieno\nDuka: Shanga za Achieng\nMahali: Kibera, Nairobi\n"
        "M-Pesa: 0722 000111\nHadithi: Natengeneza shanga kwa mifupa na pembe.\n"
        f"Msimbo wa mlezi: {grouped(mentor.code)}\n"
        "1. Ndiyo, fungua duka langu\n2. Badilisha kitu"
    ]
    answers = chat.send("Ndiyo, fungua duka langu")
    assert answers[:3] == [
        "Hongera! Duka lako Shanga za Achieng limefunguliwa.",
        "Mlezi wako Mama Amina atakusaidia. Tumemwambia umejiunga.",
        "Hatua inayofuata: tuma picha 1 hadi 5 za bidhaa moja ili uiweke sokoni.",
    ]
    assert answers[3].startswith("Ungependa kufanya nini?")
    artisan = artisan_of(uow_factory, "achieng")
    assert artisan is not None
    assert artisan.mentor_id == mentor.artisan_id
    assert (artisan.location, artisan.pin_latitude, artisan.pin_longitude) == (
        "Kibera, Nairobi",
        -1.3133,
        36.7876,
    )
    assert messages_to(uow_factory, mentor.user_id)[-1] == MENTOR_TOLD_SW.format(
        name="Achieng Otieno", shop="Shanga za Achieng"
    )


def test_join_text_from_someone_already_chatting_starts_onboarding(
    new_chat: Callable[..., Chat], mentor: Seller
) -> None:
    chat = new_chat("neema")
    chat.send("Hi")
    assert "Sell your jewelry" in chat.send("1")[1]
    assert chat.send(f"JOIN {grouped(mentor.code)}")[:2] == [
        "Let's open your shop on Soko! I'll ask 5 short questions.",
        f"Your mentor's code: {grouped(mentor.code)}.",
    ]


def test_cancel_half_way_then_resume_from_the_menu(new_chat: Callable[..., Chat]) -> None:
    chat = new_chat("zawadi")
    chat.send("Hi")
    chat.send("1")
    assert chat.send("Sell your jewelry") == [
        "Let's open your shop on Soko! I'll ask 5 short questions.",
        "Are you Wanjiku? Tap yes, or type your name.\n1. Yes, that's me",
    ]
    assert chat.send("Zawadi") == [ASK_SHOP_EN]
    assert chat.send("Zawadi Crafts") == [ASK_LOCATION_EN]
    cancelled = chat.send("cancel")
    assert cancelled[0] == "Cancelled."
    assert cancelled[1].startswith("What would you like to do?")
    # Back again: her answers are kept and she goes on with the next question.
    assert chat.send("Sell your jewelry") == [
        "Welcome back! Let's carry on where you stopped.",
        ASK_LOCATION_EN,
    ]
    chat.send("Gikomba")
    chat.send("0733 123 456")
    assert chat.send("ruka")[0].endswith("Story: (none)\n1. Yes, open my shop\n2. Change something")
    assert chat.send("Change something")[0].startswith("What do you want to change?")
    assert chat.send("Name") == ["Are you Wanjiku? Tap yes, or type your name.\n1. Yes, that's me"]
    assert chat.send("Zawadi Mwende")[0].startswith(
        "Please check your details:\nName: Zawadi Mwende"
    )
    answers = chat.send("1")
    # No code was given: nothing to explain about one.
    assert answers[:2] == ["Congratulations! Your shop Zawadi Crafts is open.", NEXT_STEP_EN]


def test_her_own_code_is_refused_kindly_and_the_shop_still_opens(
    new_chat: Callable[..., Chat], mentor: Seller, uow_factory: UnitOfWorkFactory
) -> None:
    # The same M-Pesa number as the mentor's: the same person on a second account.
    with uow_factory() as uow:
        boss = uow.session.get(Artisan, mentor.artisan_id)
        assert boss is not None
        mentor_phone = boss.mpesa_phone
    assert mentor_phone is not None
    chat = new_chat("amina-2")
    chat.send(f"/start ref-{mentor.code}")
    chat.send("1")
    chat.send("1")
    chat.send("Amina Two")
    chat.send("Kariobangi")
    chat.send(mentor_phone)
    chat.send("skip")
    before = len(messages_to(uow_factory, mentor.user_id))
    answers = chat.send("1")
    assert answers[:3] == [
        "Congratulations! Your shop Amina Two is open.",
        "You can't use your own code, but that's fine: your shop is open and you can sell.",
        NEXT_STEP_EN,
    ]
    artisan = artisan_of(uow_factory, "amina-2")
    assert artisan is not None
    assert artisan.mentor_id is None
    assert len(messages_to(uow_factory, mentor.user_id)) == before


def test_a_code_that_does_not_work_still_opens_the_shop(new_chat: Callable[..., Chat]) -> None:
    chat = new_chat("faith")
    chat.send("/start ref-ZZZZZZ")
    chat.send("1")
    for answer in ("1", "Faith Beads", "Kisumu", "0711 222 333", "skip"):
        chat.send(answer)
    assert chat.send("1")[:3] == [
        "Congratulations! Your shop Faith Beads is open.",
        "That code didn't work, but you can still sell. Ask your mentor for a new code.",
        NEXT_STEP_EN,
    ]


def test_an_artisan_following_a_referral_link_is_told_she_has_a_shop(
    chat_as: Callable[[Seller], Chat], mentor: Seller, uow_factory: UnitOfWorkFactory
) -> None:
    seller = seed_seller(uow_factory, "Pendo", locale="en")
    chat = chat_as(seller)
    answers = chat.send(f"JOIN {grouped(mentor.code)}")
    assert answers[0] == "You already have a shop: Pendo's beads."
    assert answers[1].startswith("What would you like to do?")
    assert "Sell your jewelry" not in answers[1]
    # Forging the hidden menu entry's payload does not start it either.
    forged = chat.tap("menu:sell")
    assert forged[0] == "That button is from an earlier message."
    assert "Sell your jewelry" not in forged[1]


def test_on_whatsapp_she_can_use_the_number_she_writes_from(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("whatsapp:+254712999888", channel=Channel.WHATSAPP)
    chat.send("Hi")
    chat.send("1")
    chat.send("Sell your jewelry")
    chat.send("1")
    chat.send("Mwende Shop")
    assert chat.send("Machakos") == [
        "Which M-Pesa number should receive your money? For example: 0712 345 678\n"
        "1. Use 0712 999888"
    ]
    assert chat.send("1") == [ASK_STORY_EN]
    chat.send("skip")
    chat.send("1")
    artisan = artisan_of(uow_factory, "whatsapp:+254712999888")
    assert artisan is not None
    assert artisan.mpesa_phone == "+254712999888"
