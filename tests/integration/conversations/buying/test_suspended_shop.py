"""A suspended shop in buyers' chats: her pieces leave the lists and search, a card tap finds
them not for sale, they leave carts (the buyer told when she next looks, or when she taps to
check out) and no order is placed with them; the order she was paid for before is still hers
to send. Reinstated, her pieces are back (not in the carts they left)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.plugins import channel_capabilities
from conversations.flows.cart import PickLine
from conversations.jobs.nudges import nudge_abandoned_carts
from store.models import Channel, Order
from store.services import suspension
from store.services.audit import Actor
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying_support import (
    COLLAR_USD,
    COLLAR_USD_SW,
    Maker,
    hello,
    open_menu_entry,
    seed_maker,
    seed_product,
    told,
    user_id_of,
)
from tests.integration.conversations.conftest import Chat

CHANNELS = channel_capabilities()  # what the registered channel plug-ins can do

NOW = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
NECKLACES = "Choose a piece to see it:\n1. {first} — {price}\n{rest}"
GONE = "Sorry, I couldn't find that piece. It may have been removed."


def suspend(uow_factory: UnitOfWorkFactory, maker: Maker) -> None:
    with uow_factory() as uow:
        suspension.suspend_shop(uow.session, Actor.operator(), maker.artisan_id, NOW, reason="test")
        uow.commit()


def reinstate(uow_factory: UnitOfWorkFactory, maker: Maker) -> None:
    with uow_factory() as uow:
        suspension.reinstate_shop(uow.session, Actor.operator(), maker.artisan_id, NOW)
        uow.commit()


def two_shops(uow_factory: UnitOfWorkFactory) -> tuple[Maker, int, Maker, int]:
    """Wanjiru's Maasai collar (her shop is the one suspended) and Akinyi's glass necklace."""
    wanjiru = seed_maker(uow_factory)
    collar = seed_product(uow_factory, wanjiru, "Maasai collar", stock=2)
    akinyi = seed_maker(uow_factory, "Akinyi Otieno")
    necklace = seed_product(uow_factory, akinyi, "Glass necklace", materials=["glass"])
    return wanjiru, collar, akinyi, necklace


def test_her_pieces_leave_the_lists_search_and_cards_and_come_back(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru, collar, _, _ = two_shops(uow_factory)
    chat = new_chat("buyer")
    hello(chat)
    open_menu_entry(chat, "browse")
    both = (
        f"Choose a piece to see it:\n1. Glass necklace — {COLLAR_USD}\n"
        f"2. Maasai collar — {COLLAR_USD}\n3. Back"
    )
    assert chat.send("Necklaces") == [both]

    suspend(uow_factory, wanjiru)
    assert chat.send("Back")[0].startswith("What would you like to see?")
    assert chat.send("Necklaces") == [
        f"Choose a piece to see it:\n1. Glass necklace — {COLLAR_USD}\n2. Back"
    ]
    assert chat.send("Maasai")[0].startswith("Sorry, nothing found for “maasai”.")
    assert chat.send(f"/start p-{collar}") == [
        GONE,
        "What would you like to see?\n1. Necklaces\n2. Bracelets\n3. Earrings\n4. Rings\n"
        "5. Anklets\n6. Other pieces\n7. Search",
    ]

    reinstate(uow_factory, wanjiru)
    assert chat.send("Necklaces") == [both]
    assert chat.send(f"/start p-{collar}")[0].startswith("Maasai collar\n")


def test_a_card_opened_before_the_suspension_cannot_be_put_in_the_cart(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru, collar, _, _ = two_shops(uow_factory)
    bangle = seed_product(uow_factory, wanjiru, "Brass bangle")  # hers too: not offered
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    assert chat.send(f"/start p-{collar}")[0].startswith("Maasai collar\n")
    assert chat.send("Weka kikapuni") == ["Unataka ngapi? Vipo 2. Andika namba."]

    suspend(uow_factory, wanjiru)
    assert chat.send("1") == [
        "Samahani, kipande hicho hakiwezi kununuliwa kwa sasa.",
        f"Huenda ukapenda hivi:\n1. Glass necklace — {COLLAR_USD_SW}\n2. Endelea kununua",
    ]

    reinstate(uow_factory, wanjiru)
    assert chat.send(f"/start p-{bangle}")[0].startswith("Brass bangle\n")
    suspend(uow_factory, wanjiru)
    assert chat.send("Weka kikapuni")[0] == (
        "Samahani, sikupata kipande hicho. Huenda kimeondolewa."
    )
    assert open_menu_entry(chat, "cart") == ["Kikapu chako ni tupu.\n1. Endelea kununua"]


def test_her_piece_leaves_the_cart_and_the_buyer_is_told_when_she_next_looks(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru, collar, _, necklace = two_shops(uow_factory)
    chat = new_chat("buyer")
    hello(chat)
    for piece in (collar, necklace):
        chat.send(f"/start p-{piece}")
        chat.send("Add to cart")
        chat.send("1")  # how many? (the collar has two)
    whole = (
        f"Your cart:\n1 × Maasai collar — {COLLAR_USD}\n1 × Glass necklace — {COLLAR_USD}\n"
        "Subtotal: US$38.80\nShipping: US$4 to US$20, by country\n"
        "1. Checkout\n2. Change: Maasai collar\n3. Change: Glass necklace\n4. Keep shopping"
    )
    assert open_menu_entry(chat, "cart") == [whole]

    suspend(uow_factory, wanjiru)
    rest = (
        f"Your cart:\n1 × Glass necklace — {COLLAR_USD}\nSubtotal: {COLLAR_USD}\n"
        "Shipping: US$4 to US$20, by country\n"
        "1. Checkout\n2. Change: Glass necklace\n3. Keep shopping"
    )
    taken = (
        "Sorry: we took out of your cart pieces whose shop is no longer selling on Soko: "
        "1 × Maasai collar."
    )
    # An old "Checkout" button: the cart says first what was taken out of it.
    assert chat.tap("checkout") == [f"{taken}\n{rest}"]
    assert open_menu_entry(chat, "cart") == [rest]  # told once
    # An old "Change: Maasai collar" button: the cart as it is.
    assert chat.tap(PickLine(collar).encode()) == ["That button is from an earlier message.", rest]

    reinstate(uow_factory, wanjiru)
    assert open_menu_entry(chat, "cart") == [rest]  # not put back


def test_placing_an_order_after_her_shop_was_suspended_places_nothing(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru, collar, _, _ = two_shops(uow_factory)
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    chat.send(f"/start p-{collar}")
    chat.send("Nunua sasa")
    chat.send("1")  # how many?
    chat.send("Amina")
    chat.send("Moi Avenue 1, Mombasa")
    assert chat.send("KE")[0].startswith("Tafadhali angalia oda yako:")

    suspend(uow_factory, wanjiru)
    # Her piece left the cart with the suspension: the cart says so, and nothing is placed.
    assert chat.send("Weka oda") == [
        "Samahani: tumeondoa kikapuni vipande ambavyo duka lake haliuzi tena kwenye Soko: "
        "1 × Maasai collar.",
        "Kikapu chako ni tupu.\n1. Endelea kununua",
    ]
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 0


def test_an_order_paid_before_the_suspension_is_still_hers_to_send(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru, collar, _, _ = two_shops(uow_factory)
    buyer = new_chat("buyer")
    hello(buyer)
    buyer.send(f"/start p-{collar}")
    buyer.send("Buy now")
    buyer.send("1")
    for answer in ("Anna Schmidt", "Hauptstr. 1, Berlin", "DE", "Place order"):
        buyer.send(answer)
    assert buyer.send("Pay now (demo card)")[0].startswith("Payment received for SK-")

    suspend(uow_factory, wanjiru)
    with uow_factory() as uow:
        code = uow.session.scalars(select(Order.code)).one()
    her = new_chat(wanjiru.platform_user_id, channel=Channel.CONSOLE, locale_hint="sw")
    her.send("menyu")
    assert her.send("Oda za wateja")[0].startswith(
        f"Oda {code} · imelipwa 1 Mac, 12:00\n• Maasai collar × 1 — oda mpya, tafadhali ikubali\n"
    )
    assert (
        her.send("Kubali")[0]
        == "Umekubali: Maasai collar. Ukishatuma mzigo, chagua “Weka imetumwa”."
    )


def test_a_cart_her_pieces_were_taken_out_of_is_not_nudged(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru, collar, _, _ = two_shops(uow_factory)
    chat = new_chat("buyer")
    hello(chat)
    chat.send(f"/start p-{collar}")
    chat.send("Add to cart")
    chat.send("1")
    buyer = user_id_of(uow_factory, chat)
    afternoon = datetime(2025, 3, 1, 15, 0, tzinfo=UTC)

    suspend(uow_factory, wanjiru)
    assert nudge_abandoned_carts(uow_factory, afternoon, CHANNELS) == []
    reinstate(uow_factory, wanjiru)  # her piece is not put back: nothing to remind of
    assert nudge_abandoned_carts(uow_factory, afternoon, CHANNELS) == []
    assert not any(m.startswith("You left") for m in told(uow_factory, buyer))
