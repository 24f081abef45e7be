"""Page turns replace the tapped message: the engine hands the flow the id of the message whose
button was tapped, and a page turn's reply names it in `replaces` (channels that can edit show
the page there). A new list, a typed answer, or a listing shown as several messages is new."""

from __future__ import annotations

from collections.abc import Callable

from conversations.messages import Outbound
from store.models import ProductStatus, Role
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying_support import hello, seed_maker, seed_product
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import artisan, person, piece


def answer(chat: Chat, payload: str, *, on: str | None) -> list[Outbound]:
    before = chat.last_outbox_id()
    chat.tap(payload, on=on)
    return chat.outbounds_since(before)


def payload_of(chat: Chat, label: str) -> str:
    last = chat.outbounds_since(chat.last_outbox_id() - 1)[-1]
    return next(choice.payload for choice in last.choices if choice.label == label)


def test_a_tapped_more_in_a_category_replaces_the_tapped_list(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    for n in range(1, 8):
        seed_product(uow_factory, maker, f"Collar {n}")
    chat = new_chat("buyer")
    hello(chat)
    chat.tap("menu:browse", on="40")
    [page_one] = answer(chat, "cat:necklace", on="41")
    assert page_one.replaces == ""  # a new list is a new message
    [page_two] = answer(chat, payload_of(chat, "More"), on="42")
    assert page_two.replaces == "42"
    labels = [choice.label.split(" — ")[0] for choice in page_two.choices]
    assert labels == ["Collar 2", "Collar 1", "Back"]
    [home] = answer(chat, "home", on="42")
    assert home.replaces == ""


def test_a_typed_more_has_no_message_to_replace(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    for n in range(1, 8):
        seed_product(uow_factory, maker, f"Collar {n}")
    chat = new_chat("buyer")
    hello(chat)
    chat.tap("menu:browse")
    chat.send("Necklaces")
    before = chat.last_outbox_id()
    chat.send("more")
    [page_two] = chat.outbounds_since(before)
    assert page_two.replaces == ""
    assert page_two.choices[0].label.startswith("Collar 2")


def test_an_artisans_next_page_of_pieces_replaces_the_tapped_list(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    for n in range(9):  # a page holds 8
        piece(uow_factory, amina, f"Necklace {n}")
    amina.chat.send("menu")
    amina.chat.send("My pieces")
    [page_two] = answer(amina.chat, payload_of(amina.chat, "More pieces"), on="7")
    assert page_two.replaces == "7"
    assert [choice.label for choice in page_two.choices] == [
        "Necklace 0 — Live",
        "Share my shop",
        "Back",
    ]


def test_a_skipped_listing_is_replaced_by_the_next_when_each_is_one_message(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Grace Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    waiting = ProductStatus.PENDING_REVIEW
    first = piece(uow_factory, joy, "Red bangle", status=waiting)
    piece(uow_factory, joy, "Blue necklace", status=waiting)
    piece(uow_factory, joy, "Green anklet", status=waiting, photos=2)
    manager.chat.send("menu")
    manager.chat.send("Review listings")

    [second] = answer(manager.chat, f"rv:skip:{first}", on="90")
    assert second.replaces == "90"
    assert second.image is not None
    assert "Blue necklace" in second.text
    # The next has two photos, its second sent first: it cannot sit in one message.
    shown = answer(manager.chat, payload_of(manager.chat, "Skip"), on="91")
    assert [outbound.replaces for outbound in shown] == ["", ""]
    assert "Green anklet" in shown[-1].text
