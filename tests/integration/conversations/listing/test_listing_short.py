"""The short listing on the odd days: what a caption gives and what it leaves to ask, a price
that looks wrong, other scripts' digits, "ndiyo" to the card, photos sent while the card is
shown, and leaving half-way (her answers kept). Transcripts, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from store.models import Category, ProductStatus
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.listing_support import (
    photo,
    products_of,
    seller,
    without_photo_refs,
)

ASK_PRICE_SW = "Bei ya kipande kimoja ni shilingi ngapi? Mfano: 1500"
CATEGORIES_SW = (
    "Bidhaa hii ni ya aina gani?\n1. Mkufu\n2. Bangili\n3. Hereni\n4. Pete\n"
    "5. Kikuku cha mguu\n6. Nyingine"
)
ASK_MATERIALS_SW = "Imetengenezwa kwa nini? Mfano: shanga za kioo, waya wa shaba"
CARD_CHOICES_SW = "1. Tuma ikaguliwe\n2. Badilisha kitu\n3. Hifadhi kama rasimu"


def started(new_chat: Callable[..., Chat], name: str) -> Chat:
    chat = seller(new_chat, name, swahili=True)
    chat.send("Weka bidhaa mpya")
    return chat


def test_a_caption_without_a_price_keeps_the_name_and_asks_only_the_price(
    new_chat: Callable[..., Chat],
) -> None:
    chat = started(new_chat, "neema")
    assert chat.send("Mkufu wa shaba", photos=(photo(11),)) == [
        "Picha imepokelewa (1 kati ya 5).",
        ASK_PRICE_SW,
    ]
    # The name says the kind and the material: not asked, shown on the card.
    assert "\nAina: Mkufu\nMalighafi: shaba\n" in chat.send("1500")[0]
    [product] = products_of(chat)
    assert (product.title, product.price_minor) == ("Mkufu wa shaba", 150_000)
    assert (product.category, product.materials) == (Category.NECKLACE, ["shaba"])


def test_a_price_that_looks_wrong_is_asked_about_and_can_be_changed(
    new_chat: Callable[..., Chat],
) -> None:
    chat = started(new_chat, "pendo")
    assert chat.send("Bangili 15", photos=(photo(12),)) == [
        "Picha imepokelewa (1 kati ya 5).",
        "Ksh\xa015 — sawa?\n1. Ndiyo, sawa\n2. Hapana, badilisha",
    ]
    assert chat.send("Hapana, badilisha") == ["Sawa — bei ni ngapi? Mfano: 1500"]
    assert chat.send("1,500") == [ASK_MATERIALS_SW]  # looks right: no question; a bracelet
    [product] = products_of(chat)
    assert (product.title, product.price_minor) == ("Bangili", 150_000)


def test_a_price_refused_in_the_caption_is_asked_again_kindly(
    new_chat: Callable[..., Chat],
) -> None:
    chat = started(new_chat, "zuhura")
    answers = chat.send("Hereni $20", photos=(photo(13),))
    assert answers[1] == ("Tafadhali andika bei kwa shilingi za Kenya, mfano 1500 au KSh 1,500."), (
        answers
    )
    assert chat.send("2000") == [ASK_MATERIALS_SW]
    [product] = products_of(chat)
    assert (product.title, product.price_minor) == ("Hereni", 200_000)


def test_a_price_in_arabic_indic_digits(new_chat: Callable[..., Chat]) -> None:
    chat = started(new_chat, "salma")
    answers = chat.send("Kito cha Salma ١٥٠٠", photos=(photo(14),))
    assert answers == ["Picha imepokelewa (1 kati ya 5).", CATEGORIES_SW]
    [product] = products_of(chat)
    assert (product.title, product.price_minor) == ("Kito cha Salma", 150_000)


def test_name_and_price_in_one_answer_after_photos_without_a_caption(
    new_chat: Callable[..., Chat],
) -> None:
    chat = started(new_chat, "wairimu")
    chat.send(photos=(photo(15),))
    assert chat.send("zawadi ya Wairimu bei 1200") == [CATEGORIES_SW]
    [product] = products_of(chat)
    assert (product.title, product.price_minor) == ("zawadi ya Wairimu", 120_000)


def test_ndiyo_to_the_card_sends_it_for_review(new_chat: Callable[..., Chat]) -> None:
    chat = started(new_chat, "imani")
    card = chat.send("hereni za shanga bei 1200", photos=(photo(16),))
    assert without_photo_refs(card)[1].endswith(CARD_CHOICES_SW)
    answers = chat.send("ndiyo")
    assert answers[0] == "Asante! Msimamizi wa jamii ataikagua; tutakuambia ikiwa sokoni."
    [product] = products_of(chat)
    assert product.status == ProductStatus.PENDING_REVIEW


def test_a_second_album_while_the_card_is_shown_joins_the_piece(
    new_chat: Callable[..., Chat],
) -> None:
    chat = started(new_chat, "mumbi")
    chat.send("Mkufu wa shaba 1500", photos=(photo(17),))  # all a card needs
    first, second = (
        replace(chat.inbound(photos=(photo(seed),)), media_group_id="album-2") for seed in (18, 19)
    )
    answers = without_photo_refs(chat.deliver(first))
    assert answers[0] == "Picha imepokelewa (2 kati ya 5)."
    assert answers[1].startswith("[photo]\nMkufu wa shaba\n")
    assert answers[1].endswith(CARD_CHOICES_SW)
    # The rest of the album only counts; the card's choices still answer.
    assert chat.deliver(second) == ["Picha imepokelewa (3 kati ya 5)."]
    assert chat.send("1")[0].startswith("Asante!")
    [product] = products_of(chat)
    assert (product.status, len(product.photos)) == (ProductStatus.PENDING_REVIEW, 3)


def test_leaving_half_way_and_coming_back_keeps_her_answers(
    new_chat: Callable[..., Chat],
) -> None:
    chat = started(new_chat, "nafula")
    assert chat.send("Bangili 1500", photos=(photo(20),))[1] == ASK_MATERIALS_SW
    assert chat.send("ghairi")[0] == "Imeghairiwa."
    assert chat.send("Weka bidhaa mpya") == [
        'Una bidhaa ambayo hukumaliza kuiweka.\n1. Endelea na rasimu "Bangili"\n2. Anza bidhaa mpya'
    ]
    assert chat.send("1") == ["Tuendelee.", ASK_MATERIALS_SW]
    card = without_photo_refs(chat.send("shaba"))[0]
    assert "Bangili\nBei: Ksh\xa01,500\n" in card
    assert "Aina: Bangili\nMalighafi: shaba\nIdadi: 1\n" in card
    [product] = products_of(chat)
    assert (product.category, product.materials) == (Category.BRACELET, ["shaba"])
