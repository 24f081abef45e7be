"""Onboarding transcripts on both databases: recruits arriving by deep link and by "JIUNGE"
text, in English and Swahili, and the bad days (a wrong M-Pesa number, cancel half-way, a
code that doesn't work, her own code)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from conversations.flows.listing import PHOTO_FROM_NON_SELLER
from conversations.i18n import Translator
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
from tests.integration.conversations.listing_support import photo, products_of

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
    chat = new_chat("wanjiku")  # her app speaks English: not asked which language
    assert chat.send(f"/start ref-{mentor.code}") == [
        "Welcome to Soko! Buy and sell handmade jewelry.",
        "Let's open your shop on Soko! Just a few short questions.\n"
        f"Your mentor's code: {grouped(mentor.code)}.\n{ASK_SHOP_EN}",
    ]
    assert chat.send("Wanjiku's Shanga") == [ASK_LOCATION_EN]
    assert chat.send("Kibera, Nairobi") == [ASK_MPESA_EN]
    assert chat.send("12345") == [
        "Sorry, that is not a Kenyan M-Pesa number. Please type it like this: 0712 345 678\n"
        "[share your phone number]"
    ]
    # Her name is her app's; no story is asked: both can be changed on the card.
    assert chat.send("0712 345 678") == [
        "Please check your details:\n"
        "Name: Wanjiku\nShop: Wanjiku's Shanga\nPlace: Kibera, Nairobi\nM-Pesa: 0712 345678\n"
        f"Mentor code: {grouped(mentor.code)}\n"
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
    chat = new_chat("achieng", locale_hint=None)  # no app language: "jiunge" tells it
    assert chat.send(f"JIUNGE {grouped(mentor.code).lower()}") == [
        "Karibu Soko! Nunua na uuze vito vilivyotengenezwa kwa mikono.",
        "Tufungue duka lako kwenye Soko! Ni maswali machache mafupi tu.\n"
        f"Msimbo wa mlezi wako: {grouped(mentor.code)}.\n"
        "Duka lako linaitwaje? Kwa mfano: Mama Shanga Beads.",
    ]
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
    card = chat.send("+254 722 000 111")
    assert card[0].endswith("\n1. Ndiyo, fungua duka langu\n2. Badilisha kitu")
    # Her name and her story, from the card.
    assert chat.send("Badilisha kitu")[0].startswith("Unataka kubadilisha nini?")
    assert chat.send("Jina") == ["Jina lako ni nani?"]
    assert chat.send("A") == ["Tafadhali andika jina lako (herufi 2 hadi 80)."]
    assert chat.send("Achieng Otieno")[0].startswith("Tafadhali angalia maelezo yako:")
    chat.send("Badilisha kitu")
    assert chat.send("Hadithi") == [
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
    assert artisan.story == "Natengeneza shanga kwa mifupa na pembe."
    assert (artisan.location, artisan.pin_latitude, artisan.pin_longitude) == (
        "Kibera, Nairobi",
        -1.3133,
        36.7876,
    )
    assert messages_to(uow_factory, mentor.user_id)[-1] == MENTOR_TOLD_SW.format(
        name="Achieng Otieno", shop="Shanga za Achieng"
    )


def test_a_link_with_no_language_told_still_asks_it(
    new_chat: Callable[..., Chat], mentor: Seller
) -> None:
    chat = new_chat("baraka", locale_hint=None)
    assert chat.send(f"/start ref-{mentor.code}") == [
        "Welcome to Soko! Buy and sell handmade jewelry.",
        "We'll chat in English. Or choose a language:\n1. English\n2. Kiswahili",
    ]
    assert chat.send("Kiswahili")[1].startswith("Tufungue duka lako kwenye Soko!")


def test_join_text_from_someone_already_chatting_starts_onboarding(
    new_chat: Callable[..., Chat], mentor: Seller
) -> None:
    chat = new_chat("neema")
    chat.send("Hi")
    assert "Sell your jewelry" in chat.send("1")[1]
    assert chat.send(f"JOIN {grouped(mentor.code)}") == [
        "Let's open your shop on Soko! Just a few short questions.\n"
        f"Your mentor's code: {grouped(mentor.code)}.\n{ASK_SHOP_EN}"
    ]


def test_cancel_half_way_then_resume_from_the_menu(new_chat: Callable[..., Chat]) -> None:
    chat = new_chat("zawadi")
    chat.send("Hi")
    chat.send("1")
    assert chat.send("Sell your jewelry") == [
        f"Let's open your shop on Soko! Just a few short questions.\n{ASK_SHOP_EN}"
    ]
    assert chat.send("Zawadi Crafts") == [ASK_LOCATION_EN]
    cancelled = chat.send("cancel")
    assert cancelled[0] == "Cancelled."
    assert cancelled[1].startswith("What would you like to do?")
    # Back again: her answers are kept and she goes on with the next question.
    assert chat.send("Sell your jewelry") == [
        f"Welcome back! Let's carry on where you stopped.\n{ASK_LOCATION_EN}"
    ]
    chat.send("Gikomba")
    assert chat.send("0733 123 456")[0].endswith(
        "M-Pesa: 0733 123456\n1. Yes, open my shop\n2. Change something"
    )
    assert chat.send("Change something")[0].startswith("What do you want to change?")
    assert chat.send("Name") == ["What is your name?"]
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
    chat.send("Amina Two")
    chat.send("Kariobangi")
    chat.send(mentor_phone)
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
    for answer in ("Faith Beads", "Kisumu", "0711 222 333"):
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
    chat.send("Mwende Shop")
    assert chat.send("Machakos") == [
        "Which M-Pesa number should receive your money? For example: 0712 345 678\n"
        "1. Use 0712 999888"
    ]
    assert chat.send("1")[0].endswith(
        "M-Pesa: 0712 999888\n1. Yes, open my shop\n2. Change something"
    )
    chat.send("1")
    artisan = artisan_of(uow_factory, "whatsapp:+254712999888")
    assert artisan is not None
    assert artisan.mpesa_phone == "+254712999888"


def test_a_newcomer_who_sends_a_photo_first_starts_her_shop_with_it(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    chat = new_chat("rehema", locale_hint="sw")
    assert chat.send("Mkufu wa shaba, Sh. 1,500/=", photos=(photo(7),)) == [
        "Karibu Soko! Nunua na uuze vito vilivyotengenezwa kwa mikono.",
        Translator("sw")._(PHOTO_FROM_NON_SELLER) + "\n1. Fungua duka langu\n2. Si sasa",
    ]
    chat.send("ndiyo")
    chat.send("Shanga za Rehema")
    chat.send("Kibera, Nairobi")
    chat.send("0722 000 333")
    answers = chat.send("1")
    assert answers[0] == "Hongera! Duka lako Shanga za Rehema limefunguliwa."
    # Her photo and its caption were kept: the listing goes on without asking them again.
    assert answers[1:3] == [
        "Sasa tuweke bidhaa yako ya kwanza, kwa picha ulizotuma.",
        "Picha imepokelewa (1 kati ya 5).",
    ]
    assert "Mkufu wa shaba\nBei: Ksh\xa01,500\n" in answers[3]
    assert "Aina: Mkufu\nMalighafi: shaba\n" in answers[3]
    assert chat.send("1")[0].startswith("Asante! Msimamizi wa jamii ataikagua")
    [product] = products_of(chat)
    assert (product.title, product.price_minor, len(product.photos)) == (
        "Mkufu wa shaba",
        150_000,
        1,
    )


def test_her_story_is_told_later_from_the_menu(
    chat_as: Callable[[Seller], Chat], uow_factory: UnitOfWorkFactory
) -> None:
    seller = seed_seller(uow_factory, "Pendo", locale="sw")
    chat = chat_as(seller)
    assert "Hadithi yangu" not in chat.send("menyu")[0]  # told once: not on the first page
    assert "91. Hadithi yangu" in chat.send("Zaidi")[0]
    asked = chat.send("91")[0]
    assert asked.startswith("Hadithi yako, kama wanunuzi wanavyoisoma:\n")
    assert chat.send("ruka")[0] == "Sawa, hadithi yako inabaki ilivyo."
    chat.send("Hadithi yangu")
    assert chat.send("Natengeneza hereni kwa shaba iliyotumika tena.")[0] == (
        "Asante! Sasa wanunuzi wanasoma hadithi yako kwenye ukurasa wa duka lako."
    )
    artisan = artisan_of(uow_factory, seller.platform_user_id)
    assert artisan is not None
    assert artisan.story == "Natengeneza hereni kwa shaba iliyotumika tena."


def test_a_newcomers_first_album_is_asked_about_once_and_kept_whole(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("mwanaisha", locale_hint="sw")
    first, second = (
        replace(chat.inbound(photos=(photo(seed),)), media_group_id="album-1") for seed in (8, 9)
    )
    assert chat.deliver(first)[-1].endswith("\n1. Fungua duka langu\n2. Si sasa")
    assert chat.deliver(second) == []  # the rest of the album: kept, not asked again
    for answer in ("1", "Shanga za Mwanaisha", "Kibera", "0722 000 444"):
        chat.send(answer)
    answers = chat.send("1")
    assert "Picha imepokelewa (2 kati ya 5)." in answers
    [product] = products_of(chat)
    assert len(product.photos) == 2


def test_a_profile_name_too_short_to_be_a_name_is_asked_for(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("initial")
    answers = chat.deliver(replace(chat.inbound(text="/start ref-ZZZZZZ"), profile_name="A"))
    assert answers[-1].endswith("\nWhat is your name?")
    assert chat.send("Akinyi Odhiambo") == [
        "What is your shop called? For example: Mama Shanga Beads."
    ]


def test_a_newcomers_album_of_more_than_five_is_cut_with_a_word(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("zuhura", locale_hint="sw")
    album = [
        replace(chat.inbound(photos=(photo(seed),)), media_group_id="album-7")
        for seed in range(20, 27)
    ]
    chat.deliver(album[0])
    told = [answer for update in album[1:] for answer in chat.deliver(update)]
    assert told == ["Nimechukua picha 5 za kwanza — ndizo nyingi zaidi kwa bidhaa moja."]
    for answer in ("1", "Shanga za Zuhura", "Kibera", "0722 000 555"):
        chat.send(answer)
    chat.send("1")
    [product] = products_of(chat)
    assert len(product.photos) == 5
