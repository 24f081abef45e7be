"""The Nairobi hub, as its people live it: an artisan accepts and is told where and by when to
bring her piece; a community manager receives it (from the notice, or by the order code),
passes or returns it with a reason, and ships the order's parcel with its tracking number;
the buyer gets the link. In English and Swahili, with the odd things people do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conversations.engine import ChatEngine
from conversations.flow import FlowRegistry
from conversations.hub_rules import HubRules
from conversations.jobs.reminders import remind_artisans
from conversations.messages import Choice
from conversations.photos import PhotoIntake
from store.models import LineStatus, Order, Role
from store.services import fulfilment
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat, Clock
from tests.integration.conversations.shop_support import (
    Person,
    artisan,
    forge,
    line_ids,
    line_state,
    outbox_texts,
    paid_order,
    person,
    piece,
)
from tests.market_support import make_market

HUB = HubRules(address="Soko hub, Biashara Street, Nairobi")
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
HOURS_EN = "Monday–Friday 09:00–17:00, Saturday 09:00–13:00"
HOURS_SW = "Jumatatu–Ijumaa 09:00–17:00, Jumamosi 09:00–13:00"


@pytest.fixture
def soko(
    uow_factory: UnitOfWorkFactory, intake: PhotoIntake, registry: FlowRegistry, tmp_path: Path
) -> ChatEngine:
    return ChatEngine(uow_factory, registry, make_market(tmp_path / "media", hub=HUB), Clock())


def _shop(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory, manager_locale: str = "en"
) -> tuple[Person, Person, Person, Person, Order]:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    wanjiru = artisan(new_chat, uow_factory, "Wanjiru Kamau", locale="sw")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    grace = person(
        new_chat,
        uow_factory,
        "Grace Manager",
        locale=manager_locale,
        roles=(Role.COMMUNITY_MANAGER,),
    )
    order = paid_order(
        uow_factory,
        tom,
        [
            piece(uow_factory, amina, "Blue glass necklace"),
            piece(uow_factory, wanjiru, "Hereni za shaba"),
        ],
    )
    for someone in (amina, wanjiru, grace):
        someone.chat.send("menu")
    return amina, wanjiru, tom, grace, order


def test_accepted_at_the_hub_passed_and_shipped_with_tracking(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina, wanjiru, tom, grace, order = _shop(new_chat, uow_factory)
    necklace, earrings = line_ids(uow_factory, order.id)
    code = order.code

    shown = amina.chat.send("Orders to send")[0]
    assert shown.endswith("1. Accept\n2. Back")
    before = grace.chat.last_outbox_id()
    assert amina.chat.send("Accept")[0] == (
        "Accepted: Blue glass necklace. Please bring it to Soko hub, Biashara Street, Nairobi "
        f"by Tuesday 4 Mar.\nOpen: {HOURS_EN}."
    )
    assert grace.chat.answers_since(before) == [
        f"Order {code}: Amina Beads will bring Blue glass necklace to the hub by Tuesday 4 Mar.\n"
        "1. Received: Blue glass necklace\n2. Open the order"
    ]
    # In hub mode she has nothing to mark shipped: the hub does that.
    assert "Mark shipped" not in amina.chat.send("menu")[0]

    wanjiru.chat.send("Oda za wateja")
    assert wanjiru.chat.send("Kubali")[0] == (
        "Umekubali: Hereni za shaba. Tafadhali leta bidhaa hii kufikia Jumanne 4 Mac hapa: "
        f"Soko hub, Biashara Street, Nairobi.\nSaa za kazi: {HOURS_SW}."
    )

    # Grace receives the necklace from its notice: the order's card follows.
    card = grace.chat.tap(f"hub:in:{necklace}")
    assert card == [
        "Received at the hub: Blue glass necklace.",
        f"Order {code} · to United Kingdom\n"
        "• Blue glass necklace × 1 from Amina Beads — at the hub, to check\n"
        "• Hereni za shaba × 1 from Wanjiru Beads — accepted, not brought yet\n"
        "1. Pass: Blue glass necklace\n2. Return: Blue glass necklace\n"
        "3. Received: Hereni za shaba\n4. Another order\n5. Back",
    ]
    grace.chat.send("3")  # the earrings, brought in
    passed = grace.chat.send("Pass: Blue glass necklace")
    assert passed[0] == "Passed: Blue glass necklace."
    assert outbox_texts(uow_factory, amina.user_id)[-1] == (
        f"Good news: your Blue glass necklace (order {code}) passed the check at the hub. "
        "We will send it to the buyer."
    )
    # A double tap on the button of the card before: passed once, said so.
    assert grace.chat.tap(f"hub:ok:{necklace}")[0] == "Blue glass necklace has already passed."
    answers = grace.chat.send("Pass: Hereni za shaba")
    assert answers[-1].endswith("1. Ship the parcel\n2. Another order\n3. Back")

    assert grace.chat.send("Ship the parcel") == [
        "Which carrier is taking it? Pick one, or type its name:\n1. DHL\n2. FedEx\n3. UPS\n"
        "4. Posta Kenya\n5. G4S\n6. Another carrier"
    ]
    assert grace.chat.send("dhl express") == ["Type the DHL tracking number:"]
    shipped = grace.chat.send(" 1234 567 890 ")
    assert shipped[0] == (
        f"Shipped: the parcel of order {code} with DHL, number 1234 567 890. "
        "The buyer has been told."
    )
    assert line_state(uow_factory, necklace).status is LineStatus.SHIPPED
    assert line_state(uow_factory, earrings).status is LineStatus.SHIPPED
    assert outbox_texts(uow_factory, tom.user_id)[-1] == (
        f"Your parcel from order {code} is on its way: Blue glass necklace, Hereni za shaba.\n"
        "DHL tracking number: 1234 567 890\nFollow it here: "
        "https://www.dhl.com/ke-en/home/tracking.html?tracking-id=1234%20567%20890\n"
        f"Everything in order {code} is on its way. Thank you for buying handmade!\n"
        "When it arrives, or if something is wrong, let us know:\n"
        "1. Received\n2. Not arrived\n3. Damaged"
    )
    assert outbox_texts(uow_factory, wanjiru.user_id)[-1] == (
        f"Bidhaa yako “Hereni za shaba” (oda {code}) imetoka ofisini kwenda kwa mnunuzi. Asante!"
    )
    # Her "Received" on that notice marks the order delivered.
    assert tom.chat.tap(f"rcv:{order.id}") == [
        f"Thank you for telling us! Order {code} has arrived. We hope you love it."
    ]


def test_a_manager_returns_a_piece_in_swahili_and_it_is_brought_again(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    _amina, wanjiru, tom, neema, order = _shop(new_chat, uow_factory, manager_locale="sw")
    _, earrings = line_ids(uow_factory, order.id)
    code = order.code
    wanjiru.chat.send("Oda za wateja")
    wanjiru.chat.send("Kubali")

    assert neema.chat.send("Ofisi: vipande vilivyoletwa") == [
        "Andika msimbo wa oda (kwa mfano SK-7KQ2XM):"
    ]
    card = neema.chat.send(code.lower())
    assert card[0].startswith(f"Oda {code} · kwenda Ufalme wa Muungano\n")
    neema.chat.send("Nimepokea: Hereni za shaba")
    assert neema.chat.send("Rudisha: Hereni za shaba") == [
        "Kwa nini bidhaa “Hereni za shaba” inarudishwa kwa Wanjiru Beads? Mwandikie sababu:"
    ]
    returned = neema.chat.send("Kufuli imevunjika")
    assert returned[0] == ("Umerudisha: Hereni za shaba. Wanjiru Beads na mnunuzi wameambiwa.")
    assert line_state(uow_factory, earrings).status is LineStatus.RETURNED
    assert outbox_texts(uow_factory, wanjiru.user_id)[-1] == (
        f"Bidhaa yako “Hereni za shaba” (oda {code}) imerudishwa kwako kwenye ofisi ya Soko.\n"
        "Sababu: Kufuli imevunjika\nTafadhali uilete tena ikishakuwa sawa."
    )
    assert outbox_texts(uow_factory, tom.user_id)[-1] == (
        f"Your order {code}: Hereni za shaba needs a little more work before it leaves. "
        "We will tell you when it is on its way."
    )
    # Her orders to send show it back with her, to bring again.
    wanjiru.chat.send("menyu")
    assert (
        "umerudishiwa ofisini: rekebisha kisha ulete tena" in wanjiru.chat.send("Oda za wateja")[0]
    )
    # Brought again: received and passed.
    neema.chat.send("menyu")
    neema.chat.send("Ofisi: vipande vilivyoletwa")
    neema.chat.send(code)
    neema.chat.send("Nimepokea: Hereni za shaba")
    assert neema.chat.send("Pitisha: Hereni za shaba")[0] == "Umepitisha: Hereni za shaba."
    assert line_state(uow_factory, earrings).status is LineStatus.PASSED


def test_odd_things_at_the_hub_desk(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina, _wanjiru, tom, grace, order = _shop(new_chat, uow_factory)
    necklace, _ = line_ids(uow_factory, order.id)
    other = paid_order(uow_factory, tom, [piece(uow_factory, amina, "Red bangle")])
    (other_line,) = line_ids(uow_factory, other.id)
    amina.chat.send("Orders to send")

    grace.chat.send("Hub: pieces brought in")
    assert grace.chat.send("SK-ZZZZZZ") == [
        "No order has the code SK-ZZZZZZ. Check it and type it again, or send menu."
    ]
    card = grace.chat.send(f" {order.code.lower()} ")
    assert card[0].startswith(f"Order {order.code} · to United Kingdom")
    # Not yet accepted: nothing to receive, and a forged "Received" is refused kindly.
    assert "Received:" not in card[0]
    forge(
        grace.chat,
        uow_factory,
        grace.user_id,
        flow="hub",
        step="card",
        data={"order_id": order.id},
        offered=[Choice("Received", f"hub:in:{other_line}")],
    )
    assert grace.chat.tap(f"hub:in:{other_line}")[0] == (
        f"That piece is not in order {order.code}."
    )
    assert line_state(uow_factory, other_line).status is LineStatus.PAID
    # An old "Received" for a piece nobody accepted yet: said where it stands.
    assert grace.chat.tap(f"hub:in:{necklace}")[0] == (
        "Blue glass necklace: not accepted yet. Nothing to do for it here."
    )
    # Someone who is not a manager taps the hub's button: an earlier message, nothing done.
    assert tom.chat.tap(f"hub:in:{necklace}")[0] == "That button is from an earlier message."
    # A parcel with nothing passed in it is not shipped.
    forge(
        grace.chat,
        uow_factory,
        grace.user_id,
        flow="hub",
        step="card",
        data={"order_id": order.id},
        offered=[Choice("Ship the parcel", f"hubs:{order.id}")],
    )
    assert grace.chat.tap(f"hubs:{order.id}")[0] == (
        f"No passed piece is waiting to ship in order {order.code}."
    )


def test_the_morning_reminder_offers_no_shipping_at_the_hub(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    order = paid_order(
        uow_factory,
        tom,
        [piece(uow_factory, amina, "Red bangle"), piece(uow_factory, amina, "Blue anklet")],
    )
    _, accepted = line_ids(uow_factory, order.id)
    with uow_factory() as uow:
        fulfilment.accept_line(uow.session, amina.user_id, accepted, NOW)
        uow.commit()
    amina.chat.send("menu")
    since = amina.chat.last_outbox_id()
    later = NOW + timedelta(days=1)
    assert remind_artisans(uow_factory, later, ZoneInfo("Africa/Nairobi"), at_hub=True)
    [reminder] = amina.chat.outbounds_since(since)
    assert [choice.label for choice in reminder.choices] == ["Accept: Red bangle"]
