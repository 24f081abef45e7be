"""Cart and checkout transcripts: quantities, changes, the sold-out race, a sale paid with the
demo provider and what the artisan is told, in her language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from payments.demo import DemoPayments
from store.models import Order, OrderStatus, ProductStatus
from store.money import Money
from store.services import ledger, orders
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying.conftest import BASE_URL
from tests.integration.conversations.buying_support import (
    COLLAR_USD,
    COLLAR_USD_SW,
    hello,
    open_menu_entry,
    product,
    seed_maker,
    seed_product,
    told,
    user_id_of,
)
from tests.integration.conversations.conftest import Chat

ADDED_CHOICES = "1. My cart\n2. Checkout\n3. Keep shopping"
WITH_SHIPPING = "US$31.40"  # the collar and a parcel of one to Germany (Europe: US$12)


def open_card(chat: Chat, product_id: int) -> list[str]:
    return chat.send(f"/start p-{product_id}")


def test_add_with_a_quantity_then_change_and_remove(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar", stock=3)
    chat = new_chat("buyer")
    hello(chat)
    open_card(chat, collar)

    assert chat.send("Add to cart") == ["How many would you like? There are 3. Type a number."]
    assert chat.send("abc") == ["Please type a number, like 2."]
    assert chat.send("5") == [
        "Only 3 available, so I put 3 in your cart.",
        f"Added to your cart: 3 × Maasai collar.\n{ADDED_CHOICES}",
    ]
    total = Money(1940 * 3, "USD").format("en")
    assert chat.send("My cart") == [
        f"Your cart:\n3 × Maasai collar — {total}\nSubtotal: {total}\n"
        "Shipping: US$4 to US$20, by country\n"  # where she lives is not known yet
        "1. Checkout\n2. Change: Maasai collar\n3. Keep shopping"
    ]
    assert chat.send("2") == [
        "Maasai collar: 3 in your cart.\n1. Change quantity\n2. Remove\n3. Back"
    ]
    assert chat.send("Change quantity") == [
        "How many would you like? Type a number (0 removes it)."
    ]
    assert chat.send("1") == [
        f"Your cart:\n1 × Maasai collar — {COLLAR_USD}\nSubtotal: {COLLAR_USD}\n"
        "Shipping: US$4 to US$20, by country\n"
        "1. Checkout\n2. Change: Maasai collar\n3. Keep shopping"
    ]
    chat.send("2")
    assert chat.send("Remove") == [
        "Removed Maasai collar from your cart.",
        "Your cart is empty.\n1. Keep shopping",
    ]
    assert chat.send("1")[0].startswith("What would you like to see?")


def test_cart_in_swahili(new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    assert open_menu_entry(chat, "cart") == ["Kikapu chako ni tupu.\n1. Endelea kununua"]
    open_card(chat, collar)
    assert chat.send("Weka kikapuni") == [
        "Nimeweka kikapuni: 1 × Maasai collar.\n1. Kikapu changu\n2. Kamilisha ununuzi\n"
        "3. Endelea kununua"
    ]
    assert chat.send("Kikapu changu") == [
        f"Kikapu chako:\n1 × Maasai collar — {COLLAR_USD_SW}\nJumla ndogo: {COLLAR_USD_SW}\n"
        "Usafirishaji: US$\xa04 hadi US$\xa020, kulingana na nchi\n"
        "1. Kamilisha ununuzi\n2. Badilisha: Maasai collar\n3. Endelea kununua"
    ]


def test_buying_the_last_piece_someone_just_took(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    bangle = seed_product(uow_factory, maker, "Brass bangle")
    first, second = new_chat("first"), new_chat("second")
    hello(first)
    hello(second)
    open_card(first, collar)
    open_card(second, collar)
    first.send("Buy now")
    first.send("Amina")
    first.send("Nairobi road 1")
    first.send("Kenya")
    assert first.send("Place order")[0].startswith("Order SK-")

    # The second buyer still sees the card she opened before; her tap finds it gone.
    assert second.send("Add to cart") == [
        "Sorry, that piece just sold out.",
        f"You may like these:\n1. Brass bangle — {COLLAR_USD}\n2. Keep shopping",
    ]
    assert second.send("1")[0].startswith("Brass bangle\n")
    assert product(uow_factory, bangle).stock_reserved == 0


def test_checkout_finds_the_piece_sold_meanwhile(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    first, second = new_chat("first"), new_chat("second", locale_hint="sw")
    hello(first)
    hello(second, "sw")
    for chat, add in ((first, "Add to cart"), (second, "Weka kikapuni")):
        open_card(chat, collar)
        chat.send(add)
        chat.send("2")  # Checkout
        chat.send("Amina")
        chat.send("Moi Avenue 1, Mombasa")
        chat.send("KE")
    assert first.send("Place order")[0].startswith("Order SK-")
    assert second.send("Weka oda") == [
        "Samahani, kipande hicho kimeisha sasa hivi.",
        "Kikapu chako:\n1 × Maasai collar — kipande hiki kimeisha\nJumla ndogo: US$\xa00\n"
        "Tafadhali badilisha au ondoa vipande vilivyowekwa alama kabla ya kulipa.\n"
        "1. Badilisha: Maasai collar\n2. Endelea kununua",
    ]
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 1


def test_a_sale_paid_with_the_demo_card(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)  # she speaks Swahili
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    open_card(chat, collar)
    assert chat.send("Buy now") == ["Who should we send it to? Please type the full name."]
    assert chat.send("   ") == ["Please type a name (at most 120 letters)."]
    assert chat.send("Anna  Schmidt") == [
        "Please type the delivery address: street, town, postcode."
    ]
    assert chat.send("Hauptstr. 1\n10115 Berlin") == [
        "Which country? Type its name, like Germany, or its code, like DE."
    ]
    assert chat.send("Narnia") == [
        "Sorry, I don't know the country “Narnia”. Please type its name or code."
    ]
    assert chat.send("germany") == [
        f"Please check your order:\n1 × Maasai collar — {COLLAR_USD}\n"
        f"Subtotal: {COLLAR_USD}\nShipping to Germany: US$12\nTotal: {WITH_SHIPPING}\n"
        "Delivery to Germany: 5 to 10 days after it ships.\n"
        "Ship to: Anna Schmidt, Hauptstr. 1 10115 Berlin, Germany\n"
        "1. Place order\n2. Change details"
    ]
    placed = chat.send("Place order")
    code = _only_order(uow_factory).code
    assert placed == [
        f"Order {code} is placed. We hold these pieces for 30 minutes.",
        "Please pay with the link below.\n1. Pay now (demo card)\n"
        f"Pay {WITH_SHIPPING}: {BASE_URL}/pay/demo/{code}",
    ]
    # A double tap on "Place order" places nothing more: the order waits for payment.
    assert chat.tap("place")[:2] == [
        "That button is from an earlier message.",
        f"Order {code} is waiting for your payment.",
    ]
    assert product(uow_factory, collar).stock_reserved == 1

    assert chat.send("Pay now (demo card)") == [
        f"Payment received for {code}. Thank you!",
        "Thank you! We'll tell you when your pieces are on their way.\n1. My orders",
    ]
    order = _only_order(uow_factory)
    assert (order.status, order.payment_provider, order.payment_ref) == (
        OrderStatus.PAID,
        "demo",
        f"demo_{code}",
    )
    piece = product(uow_factory, collar)
    assert (piece.stock_on_hand, piece.stock_reserved, piece.status) == (
        0,
        0,
        ProductStatus.SOLD_OUT,
    )
    assert told(uow_factory, maker.user_id) == [
        f"Oda mpya {code}: 1 × Maasai collar, itumwe nchini Ujerumani; utapokea Ksh\xa01,800.\n"
        "Hakuna tena sokoni: Maasai collar.\n"
        "Chagua “Kubali” kama unaweza kuitengeneza; kisha “Weka imetumwa” ukishatuma.\n"
        "1. Kubali"
    ]
    with uow_factory() as uow:
        share = ledger.pending_balance(uow.session, maker.artisan_id)  # until it arrives
    assert share == Money(180_000, "KES")

    # The provider's confirmation delivered again: no second effect.
    with uow_factory() as uow:
        again = DemoPayments(BASE_URL).confirm(uow.session, code, order.paid_at or order.created_at)
        uow.commit()
    assert (again.newly_paid, again.duplicate) == (False, True)
    assert len(told(uow_factory, maker.user_id)) == 1
    with uow_factory() as uow:
        assert ledger.pending_balance(uow.session, maker.artisan_id) == share
    assert chat.send("My orders")[0] == f"Your orders:\n1. {code} — Paid — {WITH_SHIPPING}"


def test_checkout_in_swahili_with_the_country_named_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory, locale="en")
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    open_card(chat, collar)
    assert chat.send("Nunua sasa") == ["Tumtumie nani? Tafadhali andika jina kamili."]
    assert chat.send("Baraka Otieno") == [
        "Tafadhali andika anwani ya kupeleka: mtaa, mji, postikodi."
    ]
    chat.send("Hauptstr. 1, Berlin")
    assert chat.send("Ujerumani") == [
        f"Tafadhali angalia oda yako:\n1 × Maasai collar — {COLLAR_USD_SW}\n"
        f"Jumla ndogo: {COLLAR_USD_SW}\nUsafirishaji hadi Ujerumani: US$\xa012\n"
        "Jumla: US$\xa031.40\nKufika Ujerumani: siku 5 hadi 10 baada ya kutumwa.\n"
        "Tuma kwa: Baraka Otieno, Hauptstr. 1, Berlin, Ujerumani\n"
        "1. Weka oda\n2. Badilisha maelezo"
    ]
    placed = chat.send("1")
    code = _only_order(uow_factory).code
    assert placed[0] == f"Oda {code} imewekwa. Tunakushikia vipande hivi kwa dakika 30."
    assert placed[1].startswith("Tafadhali lipa kupitia kiungo hiki.\n1. Lipa sasa (kadi ya")
    assert chat.send("1") == [
        f"Malipo ya {code} yamepokelewa. Asante!",
        "Asante! Tutakujulisha vipande vyako vikitumwa.\n1. Nilivyonunua",
    ]
    # This artisan reads English.
    assert told(uow_factory, maker.user_id) == [
        f"New order {code}: 1 × Maasai collar, ship to Germany; you receive Ksh1,800.\n"
        "Now sold out: Maasai collar.\n"
        "Choose “Accept” if you can make it; then “Mark shipped” once it is sent.\n"
        "1. Accept"
    ]
    assert user_id_of(uow_factory, chat) == _only_order(uow_factory).buyer_user_id


def _only_order(uow_factory: UnitOfWorkFactory) -> Order:
    with uow_factory() as uow:
        order = uow.session.scalars(select(Order)).one()
        uow.session.expunge_all()
        return order


def test_the_pay_step_knows_when_the_order_was_paid_or_let_go_meanwhile(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    open_card(chat, collar)
    for answer in ("Buy now", "Anna Schmidt", "Hauptstr. 1, Berlin", "DE", "Place order"):
        chat.send(answer)
    code = _only_order(uow_factory).code
    with uow_factory() as uow:  # she paid on the provider's page, outside the chat
        DemoPayments(BASE_URL).confirm(uow.session, code, datetime.now(UTC))
        uow.commit()
    assert (
        chat.send("did it work?")[-1] == f"Order {code} is already paid. Thank you!\n1. My orders"
    )


def test_the_pay_step_says_when_the_order_expired_meanwhile(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    open_card(chat, collar)
    for answer in ("Buy now", "Anna Schmidt", "Hauptstr. 1, Berlin", "DE", "Place order"):
        chat.send(answer)
    code = _only_order(uow_factory).code
    with uow_factory() as uow:
        orders.expire_due_orders(uow.session, datetime.now(UTC) + timedelta(days=1))
        uow.commit()
    answers = chat.send("hello?")
    assert answers[0] == f"Order {code} is no longer waiting for payment."
    assert answers[1].startswith("What would you like to do?")


def test_once_her_country_is_known_the_card_and_cart_show_the_fee_there(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    bangle = seed_product(uow_factory, maker, "Brass bangle", stock=2)
    chat = new_chat("buyer")
    hello(chat)
    open_card(chat, collar)
    chat.send("Buy now")
    chat.send("Anna Schmidt")
    chat.send("Hauptstr. 1, Berlin")
    chat.send("Germany")
    chat.send("Place order")

    card = open_card(chat, bangle)[-1]
    assert f"{COLLAR_USD}\n+ US$12 shipping to Germany (5–10 days)\n" in card
    chat.send("Add to cart")
    chat.send("2")
    assert chat.send("My cart") == [
        "Your cart:\n2 × Brass bangle — US$38.80\nSubtotal: US$38.80\n"
        # A parcel of two to Europe: US$12, and US$3 for the second piece.
        "Shipping to Germany: US$15\nTotal with shipping: US$53.80\n"
        "1. Checkout\n2. Change: Brass bangle\n3. Keep shopping"
    ]
