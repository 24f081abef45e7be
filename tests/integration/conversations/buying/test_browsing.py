"""Browsing transcripts: categories page by page, a collection, search, a piece's card."""

from __future__ import annotations

from collections.abc import Callable

from store.models import Artisan, Category
from store.uow import UnitOfWorkFactory
from tests.factories import make_collection
from tests.integration.conversations.buying.conftest import BASE_URL, BOT_USERNAME
from tests.integration.conversations.buying_support import (
    COLLAR_USD,
    COLLAR_USD_SW,
    hello,
    open_menu_entry,
    seed_maker,
    seed_product,
)
from tests.integration.conversations.conftest import Chat

HOME_EN = (
    "What would you like to see?\n1. Necklaces\n2. Bracelets\n3. Earrings\n4. Rings\n"
    "5. Anklets\n6. Other pieces\n7. Search"
)
HOME_SW = (
    "Ungependa kuona nini?\n1. Mikufu\n2. Bangili\n3. Hereni\n4. Pete\n5. Vikuku vya mguu\n"
    "6. Vitu vingine\n7. Tafuta"
)


def test_browse_a_category_page_by_page(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    for n in range(1, 8):
        seed_product(uow_factory, maker, f"Collar {n}")
    seed_product(uow_factory, maker, "Brass bangle", category=Category.BRACELET)
    chat = new_chat("buyer")
    hello(chat)

    assert open_menu_entry(chat, "browse") == [HOME_EN]
    first = "\n".join(f"{n}. Collar {8 - n} — {COLLAR_USD}" for n in range(1, 6))
    assert chat.send("Necklaces") == [f"Choose a piece to see it:\n{first}\n6. More\n7. Back"]
    assert chat.send("more") == [
        f"Choose a piece to see it:\n1. Collar 2 — {COLLAR_USD}\n2. Collar 1 — {COLLAR_USD}\n"
        "3. Back"
    ]
    assert chat.send("3") == [HOME_EN]
    assert chat.tap("cat:bracelet") == [
        f"Choose a piece to see it:\n1. Brass bangle — {COLLAR_USD}\n2. Back"
    ]
    assert chat.send("back") == [HOME_EN]
    assert chat.tap("cat:ring") == ["Nothing here right now. New pieces come every week!\n1. Back"]


def test_browse_in_swahili(new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory) -> None:
    maker = seed_maker(uow_factory)
    for n in range(1, 7):
        seed_product(uow_factory, maker, f"Mkufu {n}")
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")

    assert open_menu_entry(chat, "browse") == [HOME_SW]
    answer = chat.send("mikufu")
    assert answer[0].startswith(f"Chagua kipande ukione:\n1. Mkufu 6 — {COLLAR_USD_SW}\n")
    assert answer[0].endswith("6. Zaidi\n7. Rudi")
    assert chat.send("zaidi") == [f"Chagua kipande ukione:\n1. Mkufu 1 — {COLLAR_USD_SW}\n2. Rudi"]


def test_a_curated_collection_keeps_its_order(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    first = seed_product(uow_factory, maker, "Horn pendant")
    second = seed_product(uow_factory, maker, "Glass earrings", category=Category.EARRINGS)
    with uow_factory() as uow:
        from store.models import Product

        products = [uow.session.get(Product, pid) for pid in (second, first)]
        collection = make_collection(uow.session, [p for p in products if p], "Kenya Collection")
        collection.description = "Made in Nairobi"
        collection_slug = collection.slug
        uow.commit()
    chat = new_chat("buyer")
    hello(chat)

    home = open_menu_entry(chat, "browse")
    assert home[0].startswith("What would you like to see?\n1. Kenya Collection\n2. Necklaces")
    assert chat.send("Kenya collection") == [
        f"Kenya Collection\nMade in Nairobi\n1. Glass earrings — {COLLAR_USD}\n"
        f"2. Horn pendant — {COLLAR_USD}\n3. Back\n"
        f"Open the page: {BASE_URL}/c/{collection_slug}"
    ]


def test_search_found_and_nothing_found(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    seed_product(uow_factory, maker, "Maasai collar", materials=["glass beads"])
    seed_product(uow_factory, maker, "Brass ring", category=Category.RING)
    chat = new_chat("buyer")
    hello(chat)

    assert open_menu_entry(chat, "search") == [
        "What are you looking for? Type a word, like “beaded necklace”."
    ]
    assert chat.send("  ") == ["Please type a word to search for."]
    assert chat.send("!!") == ["Please type a word to search for."]
    assert chat.send("maasai") == [
        f"Pieces for “maasai”:\n1. Maasai collar — {COLLAR_USD}\n2. Back"
    ]
    assert chat.send("Back")[0].startswith("What would you like to see?")
    # Typing words anywhere in the shop window searches them.
    assert chat.send("plastic flower") == [
        "Sorry, nothing found for “plastic flower”. Try a simpler word, like beads, brass or "
        "bracelet, or choose a kind of jewelry:\n1. Necklaces\n2. Bracelets\n3. Earrings\n"
        "4. Rings\n5. Anklets\n6. Other pieces\n7. Search again"
    ]
    assert chat.send("rings") == [
        f"Choose a piece to see it:\n1. Brass ring — {COLLAR_USD}\n2. Back"
    ]


def test_a_buyer_finds_a_piece_in_her_own_words_whatever_its_language(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    seed_product(uow_factory, maker, "Mkufu wa Lamu", materials=["shaba"])
    seed_product(uow_factory, maker, "Maasai collar", materials=["glass beads"])
    buyer = new_chat("buyer")
    hello(buyer)
    mnunuzi = new_chat("mnunuzi", locale_hint="sw")
    hello(mnunuzi, "sw")

    open_menu_entry(buyer, "search")
    assert buyer.send("brass necklace") == [
        f"Pieces for “brass necklace”:\n1. Mkufu wa Lamu — {COLLAR_USD}\n2. Back"
    ]
    open_menu_entry(mnunuzi, "search")
    assert mnunuzi.send("mkufu wa shanga za kioo") == [
        f"Vipande vya “mkufu wa shanga za kioo”:\n1. Maasai collar — {COLLAR_USD_SW}\n2. Rudi"
    ]


def test_search_in_swahili_finds_nothing_kindly(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    assert open_menu_entry(chat, "search") == [
        "Unatafuta nini? Andika neno, kama “mkufu wa shanga”."
    ]
    answer = chat.send("pete ya dhahabu")
    assert answer[0].startswith(
        "Samahani, hakuna kilichopatikana kwa “pete ya dhahabu”. Jaribu neno rahisi"
    )
    assert answer[0].endswith("7. Tafuta tena")
    assert (
        chat.send("collar")[0]
        == f"Vipande vya “collar”:\n1. Maasai collar — {COLLAR_USD_SW}\n2. Rudi"
    )


def test_product_card_shows_what_the_artisan_receives(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    seed_product(
        uow_factory, maker, "Maasai collar", stock=3, materials=["glass beads"], photo_key="m1"
    )
    chat = new_chat("buyer")
    hello(chat)
    open_menu_entry(chat, "browse")
    chat.send("Necklaces")
    [card] = chat.send("1")
    photo, title, plain, price, shipping, materials, maker_line, story, receives, left, *choices = (
        card.split("\n")
    )
    assert (photo, title, plain, price, shipping, materials) == (
        "[photo: m1]",
        "Maasai collar",
        "Glass bead necklace",
        COLLAR_USD,
        "+ shipping from US$4",  # where she lives is not known yet: the cheapest zone's fee
        "Made of glass beads",
    )
    assert maker_line == "Made by Wanjiru Beads, Kibera, Nairobi"
    # The story, trimmed for small screens at a word boundary.
    assert story.startswith("“I learnt beadwork from my grandmother. I learnt")
    assert story.endswith(" I…”")
    assert len(story) <= 202
    assert (receives, left) == ("Wanjiru receives Ksh1,800", "Pieces left: 3")
    assert choices == ["1. Add to cart", "2. Buy now", "3. Share", "4. Back"]
    assert chat.send("back")[0].startswith("Choose a piece to see it:\n1. Maasai collar")


def test_an_english_buyer_reads_a_swahili_piece_in_english(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    seed_product(
        uow_factory, maker, "Mkufu wa shaba", materials=["shaba", "shanga za kioo", "sisi"]
    )
    chat = new_chat("buyer")
    hello(chat)
    open_menu_entry(chat, "browse")
    chat.send("Necklaces")

    [card] = chat.send("1")

    # Her title as she wrote it, what it is in English, and her materials in English (a word
    # the vocabulary does not know stays as she typed it).
    assert card.startswith(
        f"Mkufu wa shaba\nBrass and glass bead necklace\n{COLLAR_USD}\n"
        "+ shipping from US$4\nMade of brass, glass beads, sisi\n"
    )


def test_a_map_pin_she_shared_as_her_location_is_not_on_the_card(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    with uow_factory() as uow:  # her private pin, and a place left as a pin by older days
        artisan = uow.session.get(Artisan, maker.artisan_id)
        assert artisan is not None
        artisan.location = "-1.29, 36.82"
        artisan.pin_latitude, artisan.pin_longitude = -1.2921, 36.8219
        uow.commit()
    seed_product(uow_factory, maker, "Maasai collar", materials=["glass beads"])
    chat = new_chat("buyer")
    hello(chat)
    open_menu_entry(chat, "browse")
    chat.send("Necklaces")

    [card] = chat.send("1")

    assert "Made by Wanjiru Beads\n" in card
    assert "36.82" not in card
    assert "-1.29" not in card


def test_product_card_in_swahili_and_share_links(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    product_id = seed_product(uow_factory, maker, "Maasai collar", materials=["shanga"])
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    # The Telegram deep link t.me/<bot>?start=p-<id> opens the card.
    card = chat.send(f"/start p-{product_id}")[0]
    assert card.startswith(
        f"Maasai collar\nMkufu wa shanga\n{COLLAR_USD_SW}\n"
        "+ usafirishaji kuanzia US$\xa04\nMalighafi: shanga\n"
    )
    assert "Wanjiru anapokea Ksh\xa01,800\nVilivyobaki: 1\n" in card
    assert card.endswith("1. Weka kikapuni\n2. Nunua sasa\n3. Shiriki\n4. Rudi")
    share = chat.send("Shiriki")
    assert share == [
        f"Mtumie rafiki kipande hiki:\n{BASE_URL}/p/{_slug(uow_factory, product_id)}\n"
        "1. Weka kikapuni\n2. Rudi\n"
        f"Fungua kwenye Telegram: https://t.me/{BOT_USERNAME}?start=p-{product_id}\n"
        f"Fungua kwenye WhatsApp: https://wa.me/14155238886?text=/start%20p-{product_id}"
    ]


def test_a_deep_link_to_a_piece_no_longer_listed(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    from store.models import ProductStatus

    with uow_factory() as uow:
        from tests.factories import make_artisan, make_product

        gone = make_product(uow.session, make_artisan(uow.session), status=ProductStatus.ARCHIVED)
        gone_id = gone.id
        uow.commit()
    chat = new_chat("buyer")
    hello(chat)
    assert chat.send(f"/start p-{gone_id}") == [
        "Sorry, I couldn't find that piece. It may have been removed.",
        HOME_EN,
    ]


def _slug(uow_factory: UnitOfWorkFactory, product_id: int) -> str:
    from store.models import Product

    with uow_factory() as uow:
        found = uow.session.get(Product, product_id)
        assert found is not None
        assert found.slug
        return found.slug


def test_a_menu_entry_s_name_at_the_search_opens_it(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    """Her menu's "My cart" typed at the search or in the shop window opens her cart; a
    piece's words are still searched for."""
    seed_product(uow_factory, seed_maker(uow_factory), "Maasai collar")
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    open_menu_entry(chat, "search")
    assert chat.send("Kikapu changu")[0].startswith("Kikapu chako ni tupu")
    open_menu_entry(chat, "browse")
    assert chat.send("my cart")[0].startswith("Kikapu chako ni tupu")
    open_menu_entry(chat, "search")
    assert chat.send("collar")[0].startswith("Vipande vya “collar”")
