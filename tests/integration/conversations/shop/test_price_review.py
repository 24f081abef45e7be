"""An approved piece whose price she changes by more than PRICE_CHANGE_REVIEW_SHARE (a fifth
by default) goes back to the review queue: she is told in her language, buyers no longer see
it, and a community manager sees it, with its new price, in "Review listings". A smaller
change keeps it in the shop."""

from __future__ import annotations

from collections.abc import Callable

from store.models import ProductStatus, Role
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import (
    PHOTO_KEY,
    artisan,
    outbox_texts,
    person,
    piece,
    product_state,
)


def card(price: str, status: str) -> str:
    return (
        f"[photo: {PHOTO_KEY}]\nBlue glass necklace\nPrice: {price}\nIn stock: 1\n"
        f"Status: {status}\n1. Change price\n2. Change stock\n3. Archive\n4. Back"
    )


def test_a_big_price_change_goes_back_to_review_in_english(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    necklace = piece(uow_factory, amina, "Blue glass necklace")  # Live at Ksh1,500
    amina.chat.send("menu")
    amina.chat.send("My pieces")
    amina.chat.send("1")

    amina.chat.send("Change price")
    amina.chat.send("1700")  # 13% more: no review
    assert amina.chat.send("yes") == [
        "Done: the price is now Ksh1,700.",
        card("Ksh1,700", "Live"),
    ]
    assert product_state(uow_factory, necklace).status is ProductStatus.ACTIVE

    amina.chat.send("Change price")
    amina.chat.send("3000")  # 76% more
    assert amina.chat.send("yes") == [
        "Done: the price is now Ksh3,000. A community manager checks a big price change"
        " before buyers see the piece again; I will tell you when it is back in the shop.",
        card("Ksh3,000", "Waiting for review"),
    ]
    assert product_state(uow_factory, necklace).status is ProductStatus.PENDING_REVIEW

    manager.chat.send("menu")
    queue = manager.chat.send("Review listings")
    assert queue[0] == "Listings waiting for review: 1"
    assert "“Blue glass necklace” from Amina Beads\nArtisan’s price: Ksh3,000" in queue[1]
    assert manager.chat.send("approve")[0] == (
        "Approved: Blue glass necklace. The artisan has been told."
    )
    assert product_state(uow_factory, necklace).status is ProductStatus.ACTIVE
    assert "Blue glass necklace" in outbox_texts(uow_factory, amina.user_id)[-1]


def test_a_big_price_drop_goes_back_to_review_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru = artisan(new_chat, uow_factory, "Wanjiru Kamau", locale="sw")
    bangle = piece(uow_factory, wanjiru, "Bangili ya shaba", status=ProductStatus.SOLD_OUT)
    wanjiru.chat.send("menyu")
    wanjiru.chat.send("Bidhaa zangu")
    wanjiru.chat.send("1")
    wanjiru.chat.send("Badilisha bei")
    wanjiru.chat.send("500")
    answers = [a.replace("\xa0", " ") for a in wanjiru.chat.send("ndiyo")]
    assert answers[0] == (
        "Sawa: bei sasa ni Ksh 500. Msimamizi wa jamii hukagua mabadiliko makubwa ya bei kabla"
        " wanunuzi hawajaiona bidhaa tena; nitakuambia ikirudi sokoni."
    )
    assert "Hali: Inasubiri kukaguliwa" in answers[1]
    assert product_state(uow_factory, bangle).status is ProductStatus.PENDING_REVIEW


def test_small_steps_that_add_up_to_a_big_change_go_back_to_review(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    necklace = piece(uow_factory, amina, "Blue glass necklace")  # approved at Ksh1,500
    amina.chat.send("menu")
    amina.chat.send("My pieces")
    amina.chat.send("1")

    amina.chat.send("Change price")
    amina.chat.send("1700")  # 13% above the approved price: no review
    assert amina.chat.send("yes")[-1] == card("Ksh1,700", "Live")

    amina.chat.send("Change price")
    amina.chat.send("1900")  # 12% above the last price, 27% above the approved one
    assert amina.chat.send("yes")[-1] == card("Ksh1,900", "Waiting for review")
    assert product_state(uow_factory, necklace).status is ProductStatus.PENDING_REVIEW
