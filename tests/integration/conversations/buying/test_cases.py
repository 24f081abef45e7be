"""Cases in the chat: the buyer reports her parcel damaged (with a photo) or not arrived,
typed or tapped, in English and Swahili; a community manager closes the case with a refund
in part, a reshipment or a note, and the buyer hears how it ended. Odd turns: nothing
shipped, an old button, a second report, too much refunded, a case closed twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from conversations.payloads import CaseAction, CaseStep, ReportParcel
from payments.completion import complete_payment
from store.models import (
    CaseKind,
    CaseOutcome,
    Channel,
    Identity,
    Order,
    OrderCase,
    PaymentEvent,
    Role,
)
from store.money import Money
from store.services import ledger, roles
from store.services.audit import Actor
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.buying.test_buyer_orders import latest_order, place
from tests.integration.conversations.buying.test_parcel_received import ship
from tests.integration.conversations.buying_support import (
    hello,
    open_menu_entry,
    seed_maker,
    seed_product,
    told,
    user_id_of,
)
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.listing_support import photo


def manager_chat(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory, locale: str = "en"
) -> tuple[Chat, int]:
    """A community manager who has talked to the bot (her chat, her user id)."""
    chat = new_chat("grace", locale_hint=locale)
    hello(chat, locale)
    grace = user_id_of(uow_factory, chat)
    with uow_factory() as uow:
        roles.grant(uow.session, Actor.operator(), grace, Role.COMMUNITY_MANAGER, datetime.now(UTC))
        uow.commit()
    return chat, grace


def paid_by_card(uow_factory: UnitOfWorkFactory, chat: Chat, product_id: int) -> Order:
    """She ordered and paid with Stripe (the card checkout), the sale in the ledger."""
    order = place(chat, product_id, pay=False)
    with uow_factory() as uow:
        complete_payment(
            uow.session,
            provider="stripe",
            event_id=f"evt_{order.code}",
            event_type="checkout.session.completed",
            payment_ref=f"pi_{order.code}",
            order_code=order.code,
            now=datetime.now(UTC),
        )
        uow.commit()
    return latest_order(chat)


def case_of(uow_factory: UnitOfWorkFactory, order: Order) -> OrderCase:
    with uow_factory() as uow:
        case = uow.session.scalars(
            select(OrderCase).where(OrderCase.order_id == order.id).order_by(OrderCase.id.desc())
        ).first()
        assert case is not None
        uow.session.expunge(case)
        return case


def test_damaged_with_a_photo_refunded_in_part(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager, grace = manager_chat(new_chat, uow_factory)
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    buyer = new_chat("buyer")
    hello(buyer)
    order = paid_by_card(uow_factory, buyer, collar)
    ship(uow_factory, maker, order)
    total = Money(order.subtotal_minor, order.currency)

    assert buyer.send("damaged") == [
        f"Sorry that order {order.code} came damaged. Tell us in a few words what is wrong, "
        "and send a photo of it if you can."
    ]
    assert buyer.send("The clasp came off", photos=(photo(4),)) == [
        f"Thank you. We have told the community managers about order {order.code}; they will "
        "look into it and write to you here."
    ]
    case = case_of(uow_factory, order)
    assert case.photo_ref is not None
    assert case.note == "The clasp came off"
    assert told(uow_factory, grace)[-1] == (
        f"[photo: {case.photo_ref}]\n"
        f"The buyer Amina Otieno says order {order.code} came damaged: 1 × Maasai collar, "
        "shipped to Kenya.\nHer words: “The clasp came off”\n"
        "1. Refund\n2. Send again\n3. Close with a note"
    )

    assert manager.tap(CaseAction(CaseStep.REFUND, case.id).encode()) == [
        f"How much do we give back on order {order.code}? Up to {total.format('en')}. "
        "Send the amount, or “all”."
    ]
    assert manager.send("500") == [
        f"At most {total.format('en')} is left to give back on order {order.code}. "
        "Send an amount up to that."
    ]
    assert manager.send("5") == [
        f"Giving back US$5 on order {order.code}. The case is closed and the buyer is told."
    ]
    assert told(uow_factory, user_id_of(uow_factory, buyer))[-1] == (
        f"About your report on order {order.code}: we are giving you back US$5. "
        "We will tell you when the money is on its way."
    )
    with uow_factory() as uow:  # the ledger reversal and the Stripe request, with the close
        line = uow.session.get_one(Order, order.id).lines[0]
        assert ledger.refunded_on_line(uow.session, line) == Money(500, "USD")
        asked = uow.session.scalars(
            select(PaymentEvent.payload).where(PaymentEvent.event_type == "soko.refund_request")
        ).all()
        assert [(p["amount_minor"], p["currency"]) for p in asked] == [(500, "USD")]
    assert case_of(uow_factory, order).outcome == CaseOutcome.REFUND

    assert manager.tap(CaseAction(CaseStep.RESHIP, case.id).encode()) == [  # her old notice
        f"The case on order {order.code} is closed already.",
        "There are no open cases.",
    ]


def test_swahili_not_arrived_sent_again_then_damaged_closed_with_a_note(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager, grace = manager_chat(new_chat, uow_factory, "sw")
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    buyer = new_chat("mnunuzi", locale_hint="sw")
    hello(buyer, "sw")
    order = place(buyer, collar, pay=True)
    ship(uow_factory, maker, order)

    open_menu_entry(buyer, "purchases")
    page = buyer.send("1")[0]
    assert page.endswith("1. Nimepokea\n2. Haijafika\n3. Imeharibika\n4. Rudi")
    assert buyer.send("Haijafika") == [
        f"Pole, oda {order.code} haijafika. Tuambie kwa maneno machache unachojua "
        "(ulipopata habari zake mara ya mwisho, chochote posta ilikuambia)."
    ]
    buyer.send("Posta wanasema hawajaiona")
    case = case_of(uow_factory, order)
    assert told(uow_factory, grace)[-1] == (
        f"Mnunuzi Amina Otieno anasema oda {order.code} haijafika: 1 × Maasai collar, "
        "imetumwa Kenya.\nManeno yake: “Posta wanasema hawajaiona”\n"
        "1. Rudisha pesa\n2. Tuma tena\n3. Funga kwa ujumbe"
    )
    assert buyer.send("bado haijafika") == [  # a second report goes to the same case
        f"Tayari umetuambia kuhusu oda {order.code}. Utakachotuma sasa kitaongezwa kwenye "
        "ripoti hiyo."
    ]
    assert buyer.send("Nimesubiri wiki tatu") == [
        f"Asante. Tumeongeza hili kwenye ripoti yako ya oda {order.code}."
    ]
    assert case_of(uow_factory, order).note == ("Posta wanasema hawajaiona\nNimesubiri wiki tatu")

    assert open_menu_entry(manager, "cases") == [f"Ripoti zilizo wazi:\n1. {order.code}: haijafika"]
    shown = manager.send("1")
    assert shown[-1].endswith("1. Rudisha pesa\n2. Tuma tena\n3. Funga kwa ujumbe")
    assert manager.send("Tuma tena") == [
        f"Oda {order.code} itatumwa tena: ripoti imefungwa na mnunuzi amejulishwa. "
        "Tafadhali tuma kifurushi chake tena."
    ]
    assert told(uow_factory, user_id_of(uow_factory, buyer))[-1] == (
        f"Kuhusu ripoti yako ya oda {order.code}: tunakutumia oda yako tena."
    )

    assert buyer.send("imeharibika") == [
        f"Pole, oda {order.code} imefika ikiwa imeharibika. Tuambie kwa maneno machache "
        "kilichoharibika, na utume picha yake ukiweza."
    ]
    buyer.send(photos=(photo(5),))  # a photo alone is enough
    case = case_of(uow_factory, order)
    assert (case.kind.value, case.note, case.photo_ref is not None) == ("damaged", "", True)
    manager.tap(CaseAction(CaseStep.NOTE, case.id).encode())
    assert manager.send("Tutakupigia simu kesho") == [
        f"Ripoti ya oda {order.code} imefungwa na mnunuzi amejulishwa."
    ]
    assert told(uow_factory, user_id_of(uow_factory, buyer))[-1] == (
        f"Kuhusu ripoti yako ya oda {order.code}, kutoka kwa msimamizi wa jamii:\n"
        "Tutakupigia simu kesho"
    )


def test_nothing_shipped_an_old_button_and_a_stranger(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    buyer = new_chat("buyer")
    hello(buyer)
    assert buyer.send("not arrived") == [
        "None of your orders has been shipped to you lately, so there is nothing to report "
        "yet. Send menu to see your orders."
    ]
    order = place(buyer, collar, pay=True)
    assert buyer.tap(ReportParcel(CaseKind.DAMAGED, order.id).encode()) == [
        f"Order {order.code} has not been shipped to you lately, so it cannot be reported. "
        "Send menu to see your orders."
    ]
    ship(uow_factory, maker, order)
    stranger = new_chat("stranger")
    hello(stranger)
    assert stranger.tap(ReportParcel(CaseKind.DAMAGED, order.id).encode())[0] == (
        "That button is from an earlier message."
    )
    assert stranger.tap(CaseAction(CaseStep.REFUND, 1).encode())[0] == (
        "That button is from an earlier message."
    )
    with uow_factory() as uow:
        assert uow.session.scalars(select(OrderCase)).all() == []


def test_an_order_the_chat_cannot_refund_keeps_its_case_open(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager, _ = manager_chat(new_chat, uow_factory)
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    buyer = new_chat("buyer")
    hello(buyer)
    order = place(buyer, collar, pay=True)  # the demo card: no refund path
    ship(uow_factory, maker, order)
    buyer.send("damaged")
    buyer.send("Broken in two")
    case = case_of(uow_factory, order)
    manager.tap(CaseAction(CaseStep.REFUND, case.id).encode())
    answer = manager.send("all")
    assert answer[0] == (
        f"Order {order.code} cannot be refunded from the chat. Close the case with a note instead."
    )
    assert case_of(uow_factory, order).closed_at is None
    with uow_factory() as uow:
        line = uow.session.get_one(Order, order.id).lines[0]
        assert ledger.refunded_on_line(uow.session, line).amount == 0


def test_a_telegram_paid_order_refunded_in_full_is_owed_by_hand(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager, _ = manager_chat(new_chat, uow_factory)
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    buyer = new_chat("buyer")
    hello(buyer)
    order = place(buyer, collar, pay=False)
    buyer_id = user_id_of(uow_factory, buyer)
    with uow_factory() as uow:
        complete_payment(
            uow.session,
            provider="telegram",
            event_id=f"tg_{order.code}",
            event_type="successful_payment",
            payment_ref=f"tg_ch_{order.code}",
            order_code=order.code,
            now=datetime.now(UTC),
        )
        uow.session.add(
            Identity(user_id=buyer_id, channel=Channel.TELEGRAM, platform_user_id="8201")
        )
        uow.commit()
    ship(uow_factory, maker, order)
    buyer.send("damaged")
    buyer.send("Broken in two")
    case = case_of(uow_factory, order)
    manager.tap(CaseAction(CaseStep.REFUND, case.id).encode())
    total = Money(order.total_minor, order.currency)
    assert manager.send("all") == [
        f"Soko alert: {total.format('en')} paid for order {order.code} must be sent back by "
        "hand: a community manager decided to refund it. Refund it in the payment provider's "
        f"dashboard, then the operator runs: soko admin refund {order.code} --manual REFERENCE",
        f"Giving back {total.format('en')} on order {order.code}. The case is closed and the "
        "buyer is told.",
    ]
    with uow_factory() as uow:
        owed = uow.session.scalars(
            select(PaymentEvent.payload).where(PaymentEvent.event_type == "soko.refund_owed")
        ).all()
        assert [p["amount_minor"] for p in owed] == [order.total_minor]
