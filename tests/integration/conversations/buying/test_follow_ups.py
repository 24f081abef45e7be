"""Follow-ups on stuck orders: an accepted piece not sent (its artisan reminded once, then the
managers told once), and a shipped order past its time (the buyer asked once whether it
arrived, and her answer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from conversations.hub_rules import HubRules, parse_hours
from conversations.jobs.follow_ups import ask_if_arrived, remind_unsent
from conversations.payloads import ParcelNotArrived, ParcelReceived
from store.models import Order, OrderStatus, Role
from store.services import fulfilment
from store.shipping_zones import zone_for
from store.uow import UnitOfWorkFactory
from tests.factories import make_user
from tests.integration.conversations.buying.test_buyer_orders import place
from tests.integration.conversations.buying.test_parcel_received import SHIPPED_AT, ship, status
from tests.integration.conversations.buying_support import (
    hello,
    seed_maker,
    seed_product,
    told,
    user_id_of,
)
from tests.integration.conversations.conftest import Chat

ACCEPTED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
THREE_DAYS = timedelta(days=3)


def zone_days(country: str) -> timedelta:
    return timedelta(days=zone_for(country).delivery_days[1])


def manager(uow_factory: UnitOfWorkFactory) -> int:
    with uow_factory() as uow:
        grace = make_user(uow.session, "Grace", roles=(Role.COMMUNITY_MANAGER,)).id
        uow.commit()
    return grace


def test_a_piece_accepted_and_not_sent_reminds_her_then_the_managers(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    grace = manager(uow_factory)
    maker = seed_maker(uow_factory)  # Swahili
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    order = place(chat, collar, pay=True)
    with uow_factory() as uow:
        line = uow.session.get_one(Order, order.id).lines[0].id
        fulfilment.accept_line(uow.session, maker.user_id, line, ACCEPTED_AT)
        uow.commit()
    heard_before = len(told(uow_factory, maker.user_id))

    def day(n: float) -> int:
        return remind_unsent(uow_factory, ACCEPTED_AT + timedelta(days=n), THREE_DAYS)

    assert day(2.9) == 0
    assert day(3) == 1
    assert told(uow_factory, maker.user_id)[heard_before:] == [
        f"Oda {order.code}: siku 3 zilizopita ulikubali 1 × Maasai collar, na mnunuzi bado "
        "anasubiri. Tafadhali tuma bidhaa hiyo hivi karibuni, au mwambie msimamizi wa jamii kama "
        "kuna tatizo."
    ]
    assert day(4) == 0  # once
    assert day(5.9) == 0  # her reminder is not three days old
    assert day(6) == 1
    assert told(uow_factory, grace) == [
        f"Order {order.code}: Wanjiru Beads accepted 1 × Maasai collar 6 days ago and has not "
        "sent it yet, though she was reminded. Please check with her."
    ]
    assert day(9) == 0


def test_in_hub_mode_the_reminder_tells_her_to_bring_it_to_the_hub(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    hub = HubRules(address="Soko hub, Kenyatta Avenue", hours=parse_hours("Mon-Fri 09:00-17:00"))
    maker = seed_maker(uow_factory)  # Swahili
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    order = place(chat, collar, pay=True)
    with uow_factory() as uow:
        line = uow.session.get_one(Order, order.id).lines[0].id
        fulfilment.accept_line(uow.session, maker.user_id, line, ACCEPTED_AT)
        uow.commit()
    heard_before = len(told(uow_factory, maker.user_id))
    assert remind_unsent(uow_factory, ACCEPTED_AT + THREE_DAYS, THREE_DAYS, hub) == 1
    assert told(uow_factory, maker.user_id)[heard_before:] == [
        f"Oda {order.code}: siku 3 zilizopita ulikubali 1 × Maasai collar, na mnunuzi bado "
        "anasubiri. Tafadhali leta bidhaa hiyo hivi karibuni hapa: Soko hub, Kenyatta Avenue. "
        "Ofisi ya Soko ndiyo inayoituma kwa mnunuzi.\nSaa za kazi: Jumatatu–Ijumaa 09:00–17:00."
    ]


def test_past_its_time_the_buyer_is_asked_once_and_says_not_yet(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    grace = manager(uow_factory)
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    order = place(chat, collar, pay=True)
    ship(uow_factory, maker, order)
    buyer = user_id_of(uow_factory, chat)

    days = zone_for("KE").delivery_days[1]  # she lives in Mombasa
    assert ask_if_arrived(uow_factory, SHIPPED_AT + timedelta(days=days - 1), zone_days) == []
    assert ask_if_arrived(uow_factory, SHIPPED_AT + timedelta(days=days), zone_days) == [order.code]
    assert told(uow_factory, buyer)[-1] == (
        f"Has order {order.code} arrived? It was shipped {days} days ago.\n1. Received\n2. Not yet"
    )
    assert ask_if_arrived(uow_factory, SHIPPED_AT + timedelta(days=days + 1), zone_days) == []

    assert chat.tap(ParcelNotArrived(order.id).encode()) == [  # a "not arrived" case
        f"Sorry that order {order.code} has not arrived. Tell us in a few words what you know "
        "(when you last heard of it, anything the post told you)."
    ]
    assert chat.send("The post office says nothing came") == [
        f"Thank you. We have told the community managers about order {order.code}; they will "
        "look into it and write to you here."
    ]
    assert told(uow_factory, grace) == [
        f"The buyer Amina Otieno says order {order.code} has not arrived: "
        "1 × Maasai collar, shipped to Kenya.\n"
        "Her words: “The post office says nothing came”\n"
        "1. Refund\n2. Send again\n3. Close with a note"
    ]
    assert status(uow_factory, order) == OrderStatus.SHIPPED
    assert chat.tap(ParcelReceived(order.id).encode()) == [  # then it comes
        f"Thank you for telling us! Order {order.code} has arrived. We hope you love it."
    ]
    assert chat.tap(ParcelNotArrived(order.id).encode()) == [  # the old "Not yet"
        f"You have already told us about order {order.code}. What you send now is added to "
        "that report."
    ]
