"""The photo step's good and bad days: albums, non-photos, dark photos, the same photo twice."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.listing_support import (
    dark_photo,
    photo,
    photo_rows,
    products_of,
    seller,
    send_album,
)
from tests.unit.media.hostile import REFUSED

ASK_NAME = (
    "What is the piece called, and its price in shillings? For example: Blue glass bead necklace "
    "1500"
)
NOT_A_PHOTO = "That file isn't a photo — please send a picture of the piece."
TEXT_FILE = b"Shopping list:\n- beads\n- brass wire\n"


def test_an_album_of_three_across_three_messages_is_one_step(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    answers = send_album(chat, [photo(11), photo(12), photo(13)], group="album-1")
    assert answers == [
        ["Photo received (1 of 5).", ASK_NAME],
        ["Photo received (2 of 5)."],
        ["Photo received (3 of 5)."],
    ]
    # The question asked at the first photo still holds.
    assert chat.send("Zawadi's gift 1200")[0].startswith("What kind of piece is it?")
    [product] = products_of(chat)
    assert [row.position for row in photo_rows(chat, product.id)] == [0, 1, 2]


def test_three_photos_in_one_message(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    assert chat.send(photos=(photo(21), photo(22), photo(23))) == [
        "Photo received (3 of 5).",
        ASK_NAME,
    ]
    [product] = products_of(chat)
    assert len(photo_rows(chat, product.id)) == 3


def test_a_second_album_asks_again(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    send_album(chat, [photo(31), photo(32)], group="a")
    assert send_album(chat, [photo(33)], group="b") == [["Photo received (3 of 5).", ASK_NAME]]


def test_more_than_five_photos_keeps_the_first_five(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    assert chat.send(photos=tuple(photo(40 + n) for n in range(6))) == [
        "I kept the first 5 photos — that's the most for one piece.",
        "Photo received (5 of 5).",
        ASK_NAME,
    ]
    assert chat.send(photos=(photo(50),)) == [
        "I kept the first 5 photos — that's the most for one piece.",
        ASK_NAME,
    ]
    [product] = products_of(chat)
    assert len(photo_rows(chat, product.id)) == 5


def test_a_text_file_sent_as_a_photo_is_refused_kindly(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    assert chat.send(photos=(TEXT_FILE,)) == [NOT_A_PHOTO]
    assert products_of(chat) == []  # no draft until a photo is accepted
    # A good photo and a bad one together: the good one is kept.
    assert chat.send(photos=(TEXT_FILE, photo(51))) == [
        NOT_A_PHOTO,
        "Photo received (1 of 5).",
        ASK_NAME,
    ]


def test_a_text_file_sent_as_a_photo_in_swahili(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "achieng", swahili=True)
    chat.send("Weka bidhaa mpya")
    assert chat.send(photos=(TEXT_FILE,)) == [
        "Faili hiyo si picha — tafadhali tuma picha ya bidhaa."
    ]


def test_text_where_a_photo_is_expected(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    assert chat.send("a necklace") == ["Please send a photo of the piece."]
    assert chat.send("done") == ["First send at least one photo of the piece."]
    chat.send(photos=(photo(61),))
    # "Done" out of habit is no name: the question again.
    assert chat.send("tayari") == [ASK_NAME]
    assert chat.send("done") == [ASK_NAME]


def test_a_dark_photo_gets_a_tip(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    assert chat.send(photos=(dark_photo(71),)) == [
        "Tip: the photo is dark — try near a window.",
        "Photo received (1 of 5).",
        ASK_NAME,
    ]


def test_a_dark_photo_gets_a_tip_in_swahili(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "achieng", swahili=True)
    chat.send("Weka bidhaa mpya")
    answers = chat.send(photos=(dark_photo(72),))
    assert answers[0] == "Ushauri: picha ina giza — jaribu karibu na dirisha."


def test_the_same_photo_listed_twice_is_noticed(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    bangle = photo(81)
    chat.send("List a piece")
    chat.send(photos=(bangle,))
    chat.send("Horn bangle 1200")  # a bracelet of horn: straight to the card
    chat.send("Submit for review")

    chat.send("List a piece")
    assert chat.send(photos=(bangle,)) == [
        'This looks like the photo of "Horn bangle" you listed before. '
        "If it is the same piece, you can change its quantity instead.",
        "Photo received (1 of 5).",
        ASK_NAME,
    ]
    # The same photo again in the same listing is not added twice.
    assert chat.send(photos=(bangle,)) == ["You already sent this photo for this piece.", ASK_NAME]
    first, second = products_of(chat)
    assert len(photo_rows(chat, second.id)) == 1
    assert photo_rows(chat, first.id)[0].sha256 == photo_rows(chat, second.id)[0].sha256


def test_a_photo_where_words_are_expected_joins_the_piece(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    chat.send(photos=(photo(91),))
    assert chat.send("Zawadi's gift 1200")[0].startswith("What kind of piece is it?")
    assert chat.send(photos=(photo(92),)) == [
        "Photo received (2 of 5).",
        "What kind of piece is it?\n1. Necklace\n2. Bracelet\n3. Earrings\n4. Ring\n"
        "5. Anklet\n6. Other",
    ]
    [product] = products_of(chat)
    assert len(photo_rows(chat, product.id)) == 2


TOO_UNUSUAL = (
    "That picture is too large or unusual to open. "
    "Please send it as a normal photo from your phone's camera."
)


def test_a_decompression_bomb_is_refused_kindly(new_chat: Callable[..., Chat]) -> None:
    # 1.6 KB of lossless WebP that claims 16383x2441: decoding it took 658 MB.
    bomb = REFUSED["webp_lossless_16383x2441"]()
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    assert chat.send(photos=(bomb,)) == [TOO_UNUSUAL]
    assert products_of(chat) == []
    assert chat.send(photos=(photo(95),)) == ["Photo received (1 of 5).", ASK_NAME]


def test_a_decompression_bomb_is_refused_kindly_in_swahili(new_chat: Callable[..., Chat]) -> None:
    bomb = REFUSED["png_6324x6324"]()  # 132 KB of PNG that took 538 MB
    chat = seller(new_chat, "achieng", swahili=True)
    chat.send("Weka bidhaa mpya")
    assert chat.send(photos=(bomb,)) == [
        "Picha hiyo ni kubwa mno au si ya kawaida, siwezi kuifungua. "
        "Tafadhali itume kama picha ya kawaida kutoka kamera ya simu yako."
    ]
