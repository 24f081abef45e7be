"""My pieces: an artisan changes price (bad then good) and stock, archives; in both languages."""

from __future__ import annotations

from collections.abc import Callable

from conversations.messages import Choice
from store.models import Artisan, Product, ProductStatus
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop.conftest import BASE_URL
from tests.integration.conversations.shop_support import (
    PHOTO_KEY,
    artisan,
    forge,
    piece,
    product_state,
)

CARD_EN = (
    f"[photo: {PHOTO_KEY}]\nBlue glass necklace\nPrice: {{price}}\nIn stock: {{stock}}\n"
    "Status: {status}\n1. Change price\n2. Change stock\n3. Archive\n4. Back"
)


def card_en(price: str, stock: str, status: str = "Live") -> str:
    return CARD_EN.format(price=price, stock=stock, status=status)


def test_an_artisan_changes_price_and_stock_then_archives_in_english(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    piece(uow_factory, amina, "Old necklace", status=ProductStatus.ARCHIVED)
    bangle = piece(uow_factory, amina, "Red bangle", status=ProductStatus.REJECTED)
    with uow_factory() as uow:
        uow.session.get_one(Product, bangle).rejection_reason = "Photo not clear"
        uow.commit()
    necklace = piece(uow_factory, amina, "Blue glass necklace", stock=3, reserved=2)
    amina.chat.send("menu")

    assert amina.chat.send("My pieces") == [
        "Your pieces. Pick one to change it:\n1. Blue glass necklace — Live\n"
        "2. Red bangle — Not accepted\n3. Share my shop\n4. Back"
    ]
    held = "3 (2 held by orders waiting for payment)"
    assert amina.chat.send("1") == [card_en("Ksh1,500", held)]
    assert amina.chat.send("Change price") == [
        "What is the new price in shillings? For example 1500."
    ]
    assert amina.chat.send("elfu moja") == [
        "Please write the price in digits, for example 1500 (not in words)."
    ]
    assert amina.chat.send("$20") == [
        "Please give the price in Kenyan shillings, for example 1500 or KSh 1,500."
    ]
    assert amina.chat.send("0") == [
        "The price can't be zero. How much is the piece, for example 1500?"
    ]
    assert amina.chat.send("1.8k") == ["Ksh1,800 — right?\n1. Yes\n2. No"]
    assert amina.chat.send("no") == ["OK, type the price again."]
    assert amina.chat.send("Ksh 1,700") == ["Ksh1,700 — right?\n1. Yes\n2. No"]
    assert amina.chat.send("1") == [  # within a fifth of its price: no review again
        "Done: the price is now Ksh1,700.",
        card_en("Ksh1,700", held),
    ]
    assert product_state(uow_factory, necklace).price_minor == 170_000

    assert amina.chat.send("2") == [
        "How many of this piece do you have now? Send a number, for example 3."
    ]
    assert amina.chat.send("many") == ["Please send a number, for example 3."]
    assert amina.chat.send("1") == [
        "Sorry, 2 of these are held by orders waiting for payment, so you can't have fewer "
        "than 2. Send 2 or more."
    ]
    assert product_state(uow_factory, necklace).stock_on_hand == 3
    assert amina.chat.send("2") == [
        "Done: you have 2 in stock.",
        card_en("Ksh1,700", "2 (2 held by orders waiting for payment)", status="Sold out"),
    ]
    assert product_state(uow_factory, necklace).status is ProductStatus.SOLD_OUT

    assert amina.chat.send("Archive") == [
        "Archive Blue glass necklace? Buyers will not see it any more. This can't be undone."
        "\n1. Yes\n2. No"
    ]
    assert amina.chat.send("no") == [
        "OK, nothing changed.",
        card_en("Ksh1,700", "2 (2 held by orders waiting for payment)", status="Sold out"),
    ]
    amina.chat.send("3")
    assert amina.chat.send("yes") == [
        "Archived: Blue glass necklace.",
        "Your pieces. Pick one to change it:\n1. Red bangle — Not accepted\n2. Share my shop\n"
        "3. Back",
    ]
    assert product_state(uow_factory, necklace).status is ProductStatus.ARCHIVED
    rejected = amina.chat.send("1")[0]
    assert "Status: Not accepted: Photo not clear" in rejected
    assert "1. Continue in List a piece" in rejected


def test_an_artisan_changes_her_price_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru = artisan(new_chat, uow_factory, "Wanjiru Kamau", locale="sw")
    bangle = piece(uow_factory, wanjiru, "Bangili ya shaba", status=ProductStatus.PENDING_REVIEW)
    wanjiru.chat.send("menyu")
    assert wanjiru.chat.send("Bidhaa zangu") == [
        "Bidhaa zako. Chagua moja kuibadilisha:\n1. Bangili ya shaba — Inasubiri kukaguliwa"
        "\n2. Shiriki duka langu\n3. Rudi"
    ]
    card = wanjiru.chat.send("1")[0].replace("\xa0", " ")
    assert card == (
        f"[photo: {PHOTO_KEY}]\nBangili ya shaba\nBei: Ksh 1,500\nIdadi iliyopo: 1\n"
        "Hali: Inasubiri kukaguliwa\n1. Badilisha bei\n2. Badilisha idadi\n3. Futa\n4. Rudi"
    )
    assert wanjiru.chat.send("1") == ["Bei mpya ni shilingi ngapi? Mfano 1500."]
    assert wanjiru.chat.send("elfu mbili") == [
        "Tafadhali andika bei kwa tarakimu, mfano 1500 (si kwa maneno)."
    ]
    assert [a.replace("\xa0", " ") for a in wanjiru.chat.send("2,500/=")] == [
        "Ksh 2,500 — sawa?\n1. Ndiyo\n2. Hapana"
    ]
    answers = [a.replace("\xa0", " ") for a in wanjiru.chat.send("ndiyo")]
    assert answers[0] == "Sawa: bei sasa ni Ksh 2,500."
    assert product_state(uow_factory, bangle).price_minor == 250_000
    assert wanjiru.chat.send("2") == [
        "Una vipande vingapi vya bidhaa hii sasa? Tuma namba, mfano 3."
    ]
    assert wanjiru.chat.send("4")[0] == "Sawa: sasa una vipande 4."


def test_a_draft_points_to_the_listing_flow(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    with uow_factory() as uow:
        uow.session.add(Product(artisan_id=amina.artisan_id, currency="KES"))
        uow.commit()
    amina.chat.send("menu")
    assert amina.chat.send("My pieces") == [
        "Your pieces. Pick one to change it:\n1. Untitled draft — Draft\n2. Share my shop\n3. Back"
    ]
    assert amina.chat.send("1") == [
        "Untitled draft\nPrice: not set\nIn stock: 1\nStatus: Draft\n"
        "This piece is not finished. Continue it in “List a piece”.\n"
        "1. Continue in List a piece\n2. Archive\n3. Back"
    ]
    # The listing flow takes over with this very draft.
    assert amina.chat.send("1")[0] == "Let's go on."


def test_an_artisan_without_pieces_is_told_how_to_add_one(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    amina.chat.send("menu")
    assert amina.chat.send("My pieces") == [
        "You have no pieces yet. Choose “List a piece” in the menu to add one."
    ]


def test_a_forged_payload_to_edit_another_artisans_piece_is_refused(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    hers = piece(uow_factory, joy, "Joy's necklace")
    piece(uow_factory, amina, "Amina's bracelet")
    amina.chat.send("menu")
    amina.chat.send("My pieces")
    # Not offered, and not hers: nothing opens; her list is shown again.
    assert amina.chat.tap(f"mp:{hers}") == [
        "That button is from an earlier message.",
        "Your pieces. Pick one to change it:\n1. Amina's bracelet — Live\n2. Share my shop\n"
        "3. Back",
    ]
    # Past the engine (a crafted state): the catalog service still says no.
    forge(
        amina.chat,
        uow_factory,
        amina.user_id,
        flow="my_products",
        step="list",
        data={"page": 0},
        offered=[Choice("Joy's necklace", f"mp:{hers}")],
    )
    assert amina.chat.tap(f"mp:{hers}") == ["Sorry, you can't do that."]
    forge(
        amina.chat,
        uow_factory,
        amina.user_id,
        flow="my_products",
        step="price_confirm",
        data={"product_id": hers, "new_price": 100},
        offered=[Choice("Yes", "yes")],
    )
    assert amina.chat.tap("yes") == ["Sorry, you can't do that."]
    assert product_state(uow_factory, hers).price_minor == 150_000


def test_an_artisan_shares_her_shop_page(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru = artisan(new_chat, uow_factory, "Wanjiru Kamau", locale="sw")
    piece(uow_factory, wanjiru, "Bangili ya shaba")
    with uow_factory(read_only=True) as uow:
        slug = uow.session.get_one(Artisan, wanjiru.artisan_id).slug
    wanjiru.chat.send("menyu")
    wanjiru.chat.send("Bidhaa zangu")
    url = f"{BASE_URL}/a/{slug}"
    assert wanjiru.chat.send("Shiriki duka langu") == [
        f"Shiriki duka lako kwa kiungo hiki:\n{url}\n1. Rudi\nFungua ukurasa: {url}"
    ]
    assert wanjiru.chat.send("1") == [
        "Bidhaa zako. Chagua moja kuibadilisha:\n1. Bangili ya shaba — Iko sokoni"
        "\n2. Shiriki duka langu\n3. Rudi"
    ]
