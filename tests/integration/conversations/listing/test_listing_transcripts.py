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
    "Bidhaa hii ni ya aina gani?\n"
    "1. Mkufu\n2. Bangili\n3. Hereni\n4. Pete\n5. Kikuku cha mguu\n6. Nyingine"
)


def test_a_full_listing_in_english(new_chat: Callable[..., Chat], tmp_path: Path) -> None:
    manager = new_chat("mama-rose")
    manager.send("Hi")
    manager_id = make_manager(manager)
    chat = seller(new_chat, "wanjiku")

    assert chat.send("List a piece") == [
        "Send 1 to 5 photos of the piece. Several at once is fine."
    ]
    assert chat.send(photos=(photo(1),)) == [
        "Photo received (1 of 5).\nMore photos, or done?\n1. Done\n2. Add more"
    ]
    assert chat.send("1") == ["What is the piece called? For example: Blue glass bead necklace"]
    assert chat.send("Blue glass necklace") == [
        "What is your price for one piece, in shillings? For example: 1500"
    ]
    assert chat.send("1.5k") == ["Ksh1,500 — right?\n1. Yes, that's right\n2. No, change it"]
    assert chat.send("1") == [CATEGORIES_EN]
    assert chat.send("necklace") == ["What is it made of? For example: glass beads, brass wire"]
    assert chat.send("glass beads, brass and horn") == [
        "How many of these do you have ready to sell? Type a number, like 1 or 3."
    ]
    assert chat.send("2") == [
        "Tell buyers a little about the piece: how you made it, its story. Or tap Skip.\n1. Skip"
    ]
    preview = chat.send("My grandmother's beads, restrung.")
    assert without_photo_refs(preview) == [
        "[photo]\n"
        "Blue glass necklace\n"
        "Price: Ksh1,500\n"
        "Buyers pay: US$16.17\n"
        "You receive: Ksh1,500 for each piece sold\n"
        "Category: Necklace\n"
        "Made of: glass beads, brass, horn\n"
        "Quantity: 2\n"
        "My grandmother's beads, restrung.\n"
        "1. Submit for review\n"
        "2. Change something\n"
        "3. Save as draft"
    ]
    answers = chat.send("Submit for review")
    assert answers[0] == (
        "Thank you! A community manager will review it; we'll tell you when it's live."
    )
    assert answers[1].startswith(MENU_EN)

    [product] = products_of(chat)
    assert product.status == ProductStatus.PENDING_REVIEW
    assert (product.title, product.price_minor, product.currency) == (
        "Blue glass necklace",
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
    head = 'A new listing waits for review: "Blue glass necklace" from Wanjiku Beads.'
    assert any(text.startswith(head) for text in texts)


def test_a_full_listing_in_swahili(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "achieng", swahili=True)

    assert chat.send("Weka bidhaa mpya") == [
        "Tuma picha 1 hadi 5 za bidhaa. Unaweza kutuma kadhaa pamoja."
    ]
    assert chat.send(photos=(photo(2),)) == [
        "Picha imepokelewa (1 kati ya 5).\nPicha zaidi, au umemaliza?\n"
        "1. Nimemaliza\n2. Ongeza zaidi"
    ]
    assert chat.send("tayari") == ["Bidhaa hii inaitwaje? Mfano: Mkufu wa shanga za kioo za bluu"]
    assert chat.send("Bangili ya shaba") == ["Bei ya kipande kimoja ni shilingi ngapi? Mfano: 1500"]
    assert chat.send("Ksh 800") == ["Ksh\xa0800 — sawa?\n1. Ndiyo, sawa\n2. Hapana, badilisha"]
    assert chat.send("Ndiyo, sawa") == [CATEGORIES_SW]
    assert chat.send("2") == ["Imetengenezwa kwa nini? Mfano: shanga za kioo, waya wa shaba"]
    assert chat.send("shaba na mbao") == [
        "Una vipande vingapi tayari kuuza? Andika namba, mfano 1 au 3."
    ]
    assert chat.send("moja") == [
        "Waambie wanunuzi kidogo kuhusu bidhaa: jinsi ulivyoitengeneza, hadithi yake. "
        "Au chagua Ruka.\n1. Ruka"
    ]
    assert without_photo_refs(chat.send("ruka")) == [
        "[photo]\n"
        "Bangili ya shaba\n"
        "Bei: Ksh\xa0800\n"
        "Wanunuzi wanalipa: US$\xa08.62\n"
        "Unapokea: Ksh\xa0800 kwa kila kipande kinachouzwa\n"
        "Aina: Bangili\n"
        "Malighafi: shaba, mbao\n"
        "Idadi: 1\n"
        "1. Tuma ikaguliwe\n"
        "2. Badilisha kitu\n"
        "3. Hifadhi kama rasimu"
    ]
    answers = chat.send("1")
    assert answers[0] == "Asante! Msimamizi wa jamii ataikagua; tutakuambia ikiwa sokoni."
    assert answers[1].startswith(MENU_SW)
    [product] = products_of(chat)
    assert product.status == ProductStatus.PENDING_REVIEW
    assert (product.category, product.materials, product.description) == (
        Category.BRACELET,
        ["shaba", "mbao"],
        "",
    )


def test_a_photo_sent_at_the_menu_starts_a_listing(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "njeri")
    assert chat.send(photos=(photo(3),)) == [
        "Photo received (1 of 5).\nMore photos, or done?\n1. Done\n2. Add more"
    ]
    [product] = products_of(chat)
    assert product.status == ProductStatus.DRAFT
    assert len(product.photos) == 1


def test_a_photo_sent_outside_any_flow_starts_a_listing(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "halima")
    chat.send("cancel")  # leaves the menu: she is now outside any flow
    assert chat.send(photos=(photo(4),))[-1].startswith("Photo received (1 of 5).")
    assert len(products_of(chat)) == 1


def test_change_something_from_the_preview_then_save_as_draft(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "akinyi")
    chat.send("List a piece")
    chat.send(photos=(photo(5),))
    for answer in ("done", "Ring of horn", "700", "1", "Ring", "horn", "1", "skip"):
        chat.send(answer)
    assert chat.send("Change something") == [
        "What would you like to change?\n1. Add photos\n2. Name\n3. Price\n4. Category\n"
        "5. Materials\n6. Quantity\n7. Description\n8. Back to the preview"
    ]
    assert chat.send("Price") == [
        "What is your price for one piece, in shillings? For example: 1500"
    ]
    chat.send("900")
    preview = without_photo_refs(chat.send("1"))  # yes: straight back to the preview
    assert preview[0].startswith("[photo]\nRing of horn\nPrice: Ksh900\n")
    answers = chat.send("Save as draft")
    assert answers[0] == 'Saved as a draft. Choose "List a piece" any time to finish it.'
    [product] = products_of(chat)
    assert (product.status, product.price_minor) == (ProductStatus.DRAFT, 90_000)
