"""Orders to send: accept → ready → shipped; the buyer, the mentor and the seller are told."""

from __future__ import annotations

from collections.abc import Callable

from conversations.messages import Choice
from store.models import Artisan, ArtisanStatus, LineStatus, Role
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import (
    artisan,
    forge,
    line_ids,
    line_state,
    outbox_texts,
    paid_order,
    person,
    piece,
)

QUALIFIED_SW = (
    "Hongera! Amina Otieno (Amina Beads) amefuzu: sasa anauza peke yake. Asante kwa kumwongoza."
)


def test_a_recruit_sends_an_order_and_qualifies(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    mama = artisan(
        new_chat, uow_factory, "Mama Njeri", locale="sw", status=ArtisanStatus.INDEPENDENT
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en", mentor_id=mama.artisan_id)
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    necklace = piece(uow_factory, amina, "Blue glass necklace")
    piece(uow_factory, amina, "Red bangle")
    piece(uow_factory, amina, "Brass earrings")
    order = paid_order(uow_factory, tom, [necklace])
    (line,) = line_ids(uow_factory, order.id)
    amina.chat.send("menu")

    head = f"Order {order.code} · paid 1 Mar, 12:00"
    ship_to = "Send to:\nJane Doe\n10 Downing Street, London\nUnited Kingdom"
    assert amina.chat.send("Orders to send") == [
        f"{head}\n• Blue glass necklace × 1 — new, please accept\n{ship_to}\n1. Accept\n2. Back"
    ]
    assert amina.chat.send("Accept") == [
        "Accepted: Blue glass necklace. Mark it shipped when you have sent it.",
        f"{head}\n• Blue glass necklace × 1 — accepted\n{ship_to}\n"
        "1. Mark shipped\n2. Mark ready\n3. Back",
    ]
    assert amina.chat.send("2") == [
        "Ready: Blue glass necklace. Mark it shipped when you have sent it.",
        f"{head}\n• Blue glass necklace × 1 — ready to send\n{ship_to}\n1. Mark shipped\n2. Back",
    ]
    assert amina.chat.send("mark shipped")[0].startswith("Which carrier is taking it?")
    assert amina.chat.send("No tracking number") == [
        "Shipped: Blue glass necklace. We have told the buyer. Thank you!",
        f"Nothing more to send for order {order.code}.",
        "No orders to send right now. We'll tell you when someone buys.",
    ]
    assert line_state(uow_factory, line).status is LineStatus.SHIPPED
    assert outbox_texts(uow_factory, tom.user_id) == [
        f"Your order {order.code}: Blue glass necklace has been shipped.\n"
        f"Everything in order {order.code} is on its way. Thank you for buying handmade!"
    ]
    assert outbox_texts(uow_factory, mama.user_id) == [QUALIFIED_SW]
    with uow_factory() as uow:
        assert uow.session.get_one(Artisan, amina.artisan_id).status is ArtisanStatus.INDEPENDENT


def test_orders_in_swahili_and_the_buyer_told_in_his_language(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru = artisan(new_chat, uow_factory, "Wanjiru Kamau", locale="sw")
    baraka = person(new_chat, uow_factory, "Baraka Mnunuzi", locale="sw")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    first = piece(uow_factory, wanjiru, "Hereni za shaba")
    second = piece(uow_factory, wanjiru, "Bangili ya pembe")
    one = paid_order(
        uow_factory, baraka, [first], name="Baraka", address="Moi Avenue", country="KE"
    )
    two = paid_order(uow_factory, tom, [second])
    wanjiru.chat.send("menyu")
    assert wanjiru.chat.send("Oda za wateja") == [
        f"Oda za wateja za kutuma. Chagua moja:\n1. {one.code} · kipande 1\n"
        f"2. {two.code} · kipande 1\n3. Rudi"
    ]
    assert wanjiru.chat.send("1") == [
        f"Oda {one.code} · imelipwa 1 Mac, 12:00\n"
        "• Hereni za shaba × 1 — oda mpya, tafadhali ikubali\n"
        "Tuma kwa:\nBaraka\nMoi Avenue\nKenya\n1. Kubali\n2. Rudi"
    ]
    wanjiru.chat.send("1")  # accept
    wanjiru.chat.send("1")  # sent: ready on the way, the carrier asked
    answers = wanjiru.chat.send("7")  # no tracking number
    assert answers[:2] == [
        "Umetuma: Hereni za shaba. Tumemwambia mnunuzi. Asante!",
        f"Hakuna zaidi cha kutuma kwa oda {one.code}.",
    ]
    assert answers[2].startswith(f"Oda {two.code}")  # the only order left opens straight away
    assert outbox_texts(uow_factory, baraka.user_id) == [
        f"Oda yako {one.code}: fundi ametuma Hereni za shaba.\n"
        f"Kila kitu katika oda {one.code} kiko njiani. Asante kwa kununua kazi za mikono!"
    ]
    assert outbox_texts(uow_factory, tom.user_id) == []


def test_she_sees_only_her_lines_and_a_forged_payload_on_another_artisans_line_is_refused(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    mine = piece(uow_factory, amina, "Blue glass necklace")
    hers = piece(uow_factory, joy, "Joy's bangle")
    order = paid_order(uow_factory, tom, [mine, hers])
    my_line, her_line = line_ids(uow_factory, order.id)
    amina.chat.send("menu")
    shown = amina.chat.send("Orders to send")[0]
    assert "Blue glass necklace" in shown
    assert "Joy's bangle" not in shown
    # A payload that was not offered: never acted on; her order is shown again.
    assert amina.chat.tap(f"l:acc:{her_line}")[0] == "That button is from an earlier message."
    forge(
        amina.chat,
        uow_factory,
        amina.user_id,
        flow="my_orders",
        step="order",
        data={"order_id": order.id, "order_code": order.code},
        offered=[Choice("Accept", f"l:acc:{her_line}"), Choice("Ship", f"l:shp:{her_line}")],
    )
    assert amina.chat.tap(f"l:acc:{her_line}") == ["Sorry, you can't do that."]
    assert line_state(uow_factory, her_line).status is LineStatus.PAID
    assert line_state(uow_factory, my_line).status is LineStatus.PAID
    assert outbox_texts(uow_factory, joy.user_id) == []


def test_a_seller_who_reaches_the_threshold_is_offered_mentorship_once(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    joy = artisan(
        new_chat, uow_factory, "Joy Wambui", locale="en", status=ArtisanStatus.INDEPENDENT
    )
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    pieces = [piece(uow_factory, joy, f"Bangle {n}") for n in range(3)]
    orders = [paid_order(uow_factory, tom, [product]) for product in pieces]
    joy.chat.send("menu")
    joy.chat.send("Orders to send")

    def ship_next() -> list[str]:
        if joy.chat.send("1")[0].startswith("Order "):  # picked from the list, else accepted
            joy.chat.send("1")  # accept
        joy.chat.send("1")  # shipped (ready on the way): the carrier asked
        return joy.chat.send("No tracking number")

    offer = (
        "Well done, Joy Wambui! You have shipped many orders. You can now become a mentor and "
        "invite new artisans. Send menu and choose “Become a mentor”."
    )
    assert offer not in ship_next()
    second = ship_next()
    assert offer in second
    assert offer not in ship_next()
    assert outbox_texts(uow_factory, joy.user_id).count(offer) == 1
    shipped = [line_state(uow_factory, line_ids(uow_factory, o.id)[0]).status for o in orders]
    assert shipped == [LineStatus.SHIPPED] * 3
    with uow_factory() as uow:
        joy_user = uow.session.get_one(Artisan, joy.artisan_id).user
        assert not joy_user.has_role(Role.MENTOR)
