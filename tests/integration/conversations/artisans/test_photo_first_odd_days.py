"""A newcomer who sends a photo before she has a shop, on the odd days: she says "Not now"
(her photos are not kept for later), or sends more photos, with captions, while she answers
the shop's questions (kept for her first piece, never taken as an answer)."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.listing_support import photo, products_of

ASK_LOCATION_SW = (
    "Unafanyia kazi wapi? Andika mahali, kwa mfano: Kibera, Nairobi. Au tuma eneo lako (location)."
)
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


def test_photos_sent_while_she_opens_her_shop_join_her_first_piece_never_an_answer(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("zawadi", locale_hint="sw")
    chat.send("Mkufu wa shaba 1500", photos=(photo(7),))
    chat.send("Fungua duka langu")
    # A second photo at the shop's name, a third with a caption at her place: kept, and the
    # question asked again; the caption is not her place.
    assert chat.send(photos=(photo(8),)) == [
        "Picha imepokelewa (2 kati ya 5).",
        "Duka lako linaitwaje? Kwa mfano: Mama Shanga Beads.",
    ]
    chat.send("Shanga za Zawadi")
    assert chat.send("Bangili 900", photos=(photo(9),)) == [
        "Picha imepokelewa (3 kati ya 5).",
        ASK_LOCATION_SW,
    ]
    chat.send("Kibera, Nairobi")
    card = chat.send("0722 000 333")[0]
    assert "Mahali: Kibera, Nairobi\n" in card
    answers = chat.send("1")
    assert "Picha imepokelewa (3 kati ya 5)." in answers
    [product] = products_of(chat)
    assert (product.title, product.price_minor, len(product.photos)) == (
        "Mkufu wa shaba",
        150_000,
        3,
    )


def test_a_greeting_when_she_comes_back_is_no_shop_name_and_no_place(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("amani", locale_hint="sw")
    chat.send("/start ref-KQMXAB")
    # A day later, at the shop's name: she greets first.
    assert chat.send("Habari") == [
        "Karibu tena! Tuendelee ulipoishia.\nDuka lako linaitwaje? Kwa mfano: Mama Shanga Beads."
    ]
    chat.send("Shanga za Amani")
    assert chat.send("Habari yako, mambo?") == [
        "Karibu tena! Tuendelee ulipoishia.\n" + ASK_LOCATION_SW
    ]
    chat.send("Kibera")
    card = chat.send("0722 000 111")[0]
    assert "Duka: Shanga za Amani\nMahali: Kibera\n" in card


def test_she_greets_first_then_sends_her_photo_it_is_not_lost(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("rehema", locale_hint="sw")
    assert chat.send("Habari")[-1].startswith("Tutaongea kwa Kiswahili. Au chagua lugha:")
    # Her photo instead of a language: kept, and she is asked to open her shop.
    assert chat.send("Mkufu wa shaba 1500", photos=(photo(7),)) == [
        "Ungependa kuuza vito vyako Soko? Kwanza fungua duka lako — ni maswali machache tu."
        "\n1. Fungua duka langu\n2. Si sasa"
    ]
    for answer in ("Fungua duka langu", "Shanga za Rehema", "Kibera, Nairobi", "0722 000 333"):
        chat.send(answer)
    assert chat.send("1")[0] == SHOP_OPEN_SW
    [product] = products_of(chat)
    assert (product.title, product.price_minor, len(product.photos)) == (
        "Mkufu wa shaba",
        150_000,
        1,
    )
