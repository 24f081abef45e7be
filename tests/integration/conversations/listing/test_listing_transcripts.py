"""Listing a piece by sending photos, start to finish, in English and Swahili, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from store.models import Category, OutboxMessage, ProductStatus
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.listing_support import (
    make_manager,
    photo,
    photo_rows,
    products_of,
    seller,
    without_photo_refs,
)

MENU_EN = "What would you like to do?"
MENU_SW = "Ungependa kufanya nini?"
CATEGORIES_EN = (
    "What kind of piece is it?\n1. Necklace\n2. Bracelet\n3. Earrings\n4. Ring\n5. Anklet\n6. Other"
)
CATEGORIES_SW = (
    "Bidhaa hii ni ya aina gani?\n1. Mkufu\n2. Bangili\n3. Hereni\n4. Pete\n"
    "5. Kikuku cha mguu\n6. Nyingine"
)


ASK_NAME_AND_PRICE_EN = (
    "What is the piece called, and its price in shillings? For example: Blue glass bead necklace "
    "1500"
)
ASK_NAME_AND_PRICE_SW = (
    "Bidhaa hii inaitwaje, na bei yake kwa shilingi ni ngapi? Kwa mfano: Mkufu wa shanga za "
    "kioo 1500"
)
CHANGE_EN = (
    "What would you like to change?\n1. Add photos\n2. Name\n3. Price\n4. Category\n"
    "5. Materials\n6. Quantity\n7. Description\n8. Back to the preview"
)


def test_a_full_listing_in_english(new_chat: Callable[..., Chat], tmp_path: Path) -> None:
    manager = new_chat("mama-rose")
    manager.send("Hi")
    manager_id = make_manager(manager)
    chat = seller(new_chat, "wanjiku")

    assert chat.send("List a piece") == [
        "Send 1 to 5 photos of the piece. Several at once is fine."
    ]
    assert chat.send(photos=(photo(1),)) == ["Photo received (1 of 5).", ASK_NAME_AND_PRICE_EN]
    assert chat.send("Grandma's gift 1.5k") == [CATEGORIES_EN]
    assert chat.send("necklace") == ["What is it made of? For example: glass beads, brass wire"]
    card = without_photo_refs(chat.send("glass beads, brass and horn"))
    assert card == [
        "[photo]\n"
        "Grandma's gift\n"
        "Price: Ksh1,500\n"
        "Buyers pay: US$16.17\n"
        "You receive: Ksh1,500 for each piece sold\n"
        "Category: Necklace\n"
        "Made of: glass beads, brass, horn\n"
        "Quantity: 1\n"
        "1. Submit for review\n"
        "2. Change something\n"
        "3. Save as draft"
    ]
    # Quantity and description are changed from the card, not asked.
    assert chat.send("Change something") == [CHANGE_EN]
    assert chat.send("Quantity") == [
        "How many of these do you have ready to sell? Type a number, like 1 or 3."
    ]
    assert "Quantity: 2" in chat.send("2")[0]
    chat.send("Change something")
    assert chat.send("Description") == [
        "Tell buyers a little about the piece: how you made it, its story. Or send skip.\n1. Skip"
    ]
    preview = chat.send("My grandmother's beads, restrung.")
    assert without_photo_refs(preview)[0].endswith(
        "Quantity: 2\nMy grandmother's beads, restrung.\n"
        "1. Submit for review\n2. Change something\n3. Save as draft"
    )
    answers = chat.send("Submit for review")
    assert answers[0] == (
        "Thank you! A community manager will review it; we'll tell you when it's live."
    )
    assert answers[1].startswith(MENU_EN)

    [product] = products_of(chat)
    assert product.status == ProductStatus.PENDING_REVIEW
    assert (product.title, product.price_minor, product.currency) == (
        "Grandma's gift",
        150_000,
        "KES",
    )
    assert product.category == Category.NECKLACE
    assert product.materials == ["glass beads", "brass", "horn"]
    assert (product.stock_on_hand, product.description) == (2, "My grandmother's beads, restrung.")
    [stored] = photo_rows(chat, product.id)
    assert (tmp_path / "media" / stored.keys["large"]).is_file()
    assert f"[photo: {stored.keys['large']}]" in preview[0]

    with chat.uow_factory() as uow:
        told = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == manager_id)
        ).all()
        texts = [row.payload["text"] for row in told]
    head = 'A new listing waits for review: "Grandma\'s gift" from Wanjiku Beads.'
    assert any(text.startswith(head) for text in texts)


def test_a_full_listing_in_swahili_with_name_and_price_in_the_caption(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "achieng", swahili=True)

    assert chat.send("Weka bidhaa mpya") == [
        "Tuma picha 1 hadi 5 za bidhaa. Unaweza kutuma kadhaa pamoja."
    ]
    # The caption names the piece, its kind, its material and its price: nothing is asked.
    assert without_photo_refs(chat.send("Bangili ya shaba, Sh. 800/=", photos=(photo(2),))) == [
        "Picha imepokelewa (1 kati ya 5).",
        "[photo]\n"
        "Bangili ya shaba\n"
        "Bei: Ksh\xa0800\n"
        "Wanunuzi wanalipa: US$\xa08.62\n"
        "Unapokea: Ksh\xa0800 kwa kila kipande kinachouzwa\n"
        "Aina: Bangili\n"
        "Malighafi: shaba\n"
        "Idadi: 1\n"
        "1. Tuma ikaguliwe\n"
        "2. Badilisha kitu\n"
        "3. Hifadhi kama rasimu",
    ]
    # Materials changed from the card, the standard's words kept as she types them.
    chat.send("Badilisha kitu")
    assert chat.send("Malighafi") == [
        "Imetengenezwa kwa nini? Mfano: shanga za kioo, waya wa shaba"
    ]
    assert "Malighafi: shaba, mbao\n" in chat.send("shaba na mbao")[0]
    answers = chat.send("1")
    assert answers[0] == "Asante! Msimamizi wa jamii ataikagua; tutakuambia ikiwa sokoni."
    assert answers[1].startswith(MENU_SW)
    [product] = products_of(chat)
    assert product.status == ProductStatus.PENDING_REVIEW
    assert (product.title, product.price_minor, product.stock_on_hand) == (
        "Bangili ya shaba",
        80_000,
        1,
    )
    assert (product.category, product.materials, product.description) == (
        Category.BRACELET,
        ["shaba", "mbao"],
        "",
    )


def test_a_photo_sent_at_the_menu_starts_a_listing(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "njeri")
    assert chat.send(photos=(photo(3),)) == ["Photo received (1 of 5).", ASK_NAME_AND_PRICE_EN]
    [product] = products_of(chat)
    assert product.status == ProductStatus.DRAFT
    assert len(product.photos) == 1


def test_a_photo_sent_outside_any_flow_starts_a_listing(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "halima")
    chat.send("cancel")  # leaves the menu: she is now outside any flow
    assert chat.send(photos=(photo(4),))[0] == "Photo received (1 of 5)."
    assert len(products_of(chat)) == 1


def test_change_something_from_the_preview_then_save_as_draft(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "akinyi")
    chat.send("List a piece")
    chat.send(photos=(photo(5),))
    for answer in ("Zawadi's gift 700", "Ring", "horn"):
        chat.send(answer)
    assert chat.send("Change something") == [CHANGE_EN]
    assert chat.send("Price") == [
        "What is your price for one piece, in shillings? For example: 1500"
    ]
    preview = without_photo_refs(chat.send("900"))  # straight back to the preview
    assert preview[0].startswith("[photo]\nZawadi's gift\nPrice: Ksh900\n")
    answers = chat.send("Save as draft")
    assert answers[0] == 'Saved as a draft. Choose "List a piece" any time to finish it.'
    [product] = products_of(chat)
    assert (product.status, product.price_minor) == (ProductStatus.DRAFT, 90_000)
