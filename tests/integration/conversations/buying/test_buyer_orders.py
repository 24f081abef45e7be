"""My orders transcripts: statuses, cancelling before shipping, and a forged cancel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from conversations.state import SqlStateStore
from handlers.telegram.invoices import PaymentReceived, complete_telegram_payment
from payments.telegram_invoice import TelegramInvoices
from store.models import Channel, Identity, Order, OrderStatus, PaymentEvent, Role
from store.money import Money
from store.services import ledger, refunds_owed
from store.uow import UnitOfWorkFactory
from tests.factories import make_user
from tests.integration.conversations.buying_support import (
    COLLAR_USD,
    TO_KENYA_USD,
    TO_KENYA_USD_SW,
    hello,
    open_menu_entry,
    product,
    seed_maker,
    seed_product,
    told,
    user_id_of,
)
from tests.integration.conversations.conftest import Chat


def place(chat: Chat, product_id: int, *, pay: bool) -> Order:
    chat.send(f"/start p-{product_id}")
    chat.tap(f"pc:buy:{product_id}")
    chat.send("Amina Otieno")
    chat.send("Moi Avenue 1, Mombasa")
    chat.send("Kenya")
    chat.tap("place")
    if pay:
        chat.tap(f"pay:{latest_order(chat).id}")
    return latest_order(chat)


def latest_order(chat: Chat) -> Order:
    buyer = user_id_of(chat.uow_factory, chat)
    with chat.uow_factory() as uow:
        order = uow.session.scalars(
            select(Order).where(Order.buyer_user_id == buyer).order_by(Order.id.desc())
        ).first()
        assert order is not None
        uow.session.expunge_all()
        return order


def test_cancel_an_unpaid_order_releases_the_piece(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("buyer")
    hello(chat)
    assert open_menu_entry(chat, "purchases") == ["You have no orders yet.\n1. Keep shopping"]
    order = place(chat, collar, pay=False)
    assert product(uow_factory, collar).stock_reserved == 1

    assert open_menu_entry(chat, "purchases") == [
        f"Your orders:\n1. {order.code} — Waiting for payment — {TO_KENYA_USD}"
    ]
    assert chat.send("1") == [
        f"Order {order.code}: Waiting for payment\n1 × Maasai collar — {COLLAR_USD}\n"
        f"Shipping to Kenya: US$4\nTotal: {TO_KENYA_USD}\n"
        "Ship to: Amina Otieno, Moi Avenue 1, Mombasa, Kenya\n"
        "1. Pay now (demo card)\n2. Cancel order\n3. Back\n"
        f"Pay {TO_KENYA_USD}: https://soko.test/pay/demo/{order.code}"
    ]
    assert chat.send("Cancel order") == [
        f"Cancel order {order.code}?\n1. Yes, cancel it\n2. No, keep it"
    ]
    assert chat.send("Yes, cancel it") == [
        f"Order {order.code} is cancelled.",
        f"Your orders:\n1. {order.code} — Cancelled — {TO_KENYA_USD}",
    ]
    piece = product(uow_factory, collar)
    assert (piece.stock_on_hand, piece.stock_reserved) == (1, 0)
    assert latest_order(chat).status == OrderStatus.CANCELLED
    # She never heard of an unpaid order, so she is not told it is off.
    assert told(uow_factory, maker.user_id) == []


def test_cancel_a_paid_order_in_swahili_tells_the_artisan(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    order = place(chat, collar, pay=True)
    assert order.status == OrderStatus.PAID

    assert open_menu_entry(chat, "purchases") == [
        f"Oda zako:\n1. {order.code} — Imelipwa — {TO_KENYA_USD_SW}"
    ]
    detail = chat.send("1")[0]
    assert detail.startswith(f"Oda {order.code}: Imelipwa\n")
    assert detail.endswith("1. Ghairi oda\n2. Rudi")
    chat.send("Ghairi oda")
    assert chat.send("Ndiyo, ghairi") == [
        f"Oda {order.code} imeghairiwa.",
        f"Malipo yako ya {TO_KENYA_USD_SW} yatarudishwa.",
        f"Oda zako:\n1. {order.code} — Imeghairiwa — {TO_KENYA_USD_SW}",
    ]
    piece = product(uow_factory, collar)
    assert (piece.stock_on_hand, piece.stock_reserved, piece.status.value) == (1, 0, "active")
    assert told(uow_factory, maker.user_id)[-1] == (
        f"Oda {order.code} imeghairiwa: 1 × Maasai collar. Tafadhali usiitume."
    )
    with uow_factory() as uow:  # her cancellation reversed the sale (payments' event handler)
        assert ledger.artisan_balance(uow.session, maker.artisan_id) == Money.zero("KES")
        cancelled = uow.session.get(Order, order.id)
        assert cancelled is not None
        assert [ledger.refunded_on_line(uow.session, line).amount for line in cancelled.lines] == [
            line.line_total_minor for line in cancelled.lines
        ]


def test_a_forged_cancel_by_another_buyer_is_refused(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    owner, intruder = new_chat("owner"), new_chat("intruder")
    hello(owner)
    hello(intruder)
    order = place(owner, collar, pay=False)

    # A payload that was never offered is not obeyed: nothing is cancelled.
    open_menu_entry(intruder, "purchases")
    assert intruder.tap(f"cx:{order.id}")[0] == "That button is from an earlier message."
    assert latest_order(owner).status == OrderStatus.PENDING_PAYMENT
    # Nor does she get to see the order: "open order <id>" re-checks that it is hers.
    answers = intruder.tap(f"bo:{order.id}")
    assert answers[0] == "That button is from an earlier message."
    assert answers[1] == "Choose from the menu above, or send “menu”."
    assert order.code not in "\n".join(answers)

    # Even with the choice smuggled into her saved conversation, the service says no.
    intruder_id = user_id_of(uow_factory, intruder)
    _smuggle(uow_factory, intruder_id, "cancel", f"cx:{order.id}")
    assert intruder.send("Yes, cancel it") == ["Sorry, you can't do that."]
    _smuggle(uow_factory, intruder_id, "list", f"bo:{order.id}")
    assert intruder.send("1") == ["Sorry, you can't do that."]  # not her order to see
    assert latest_order(owner).status == OrderStatus.PENDING_PAYMENT
    assert product(uow_factory, collar).stock_reserved == 1


def _smuggle(uow_factory: UnitOfWorkFactory, user_id: int, step: str, payload: str) -> None:
    """Put a choice into someone's saved conversation, as a tampering client might."""
    with uow_factory() as uow:
        states = SqlStateStore(uow.session)
        loaded = states.load(user_id)
        data = {**loaded.data, "offered": [{"label": "Yes, cancel it", "payload": payload}]}
        states.save(user_id, replace(loaded, flow="purchases", step=step, data=data))
        uow.commit()


def test_cancelling_an_order_paid_by_telegram_invoice_promises_no_automatic_refund(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    maker = seed_maker(uow_factory)
    collar = seed_product(uow_factory, maker, "Maasai collar")
    chat = new_chat("mnunuzi", locale_hint="sw")
    hello(chat, "sw")
    order = place(chat, collar, pay=False)
    buyer = user_id_of(uow_factory, chat)
    with uow_factory() as uow:  # she paid the invoice Telegram showed her
        uow.session.add(Identity(user_id=buyer, channel=Channel.TELEGRAM, platform_user_id="8201"))
        grace = make_user(uow.session, "Grace", roles=(Role.COMMUNITY_MANAGER,)).id
        invoices = TelegramInvoices("123:bot-token")
        paid = PaymentReceived(
            "8201",
            invoices.payload(order.code),
            order.currency,
            order.total_minor,
            "tg_ch_9",
            "prov_tg_ch_9",
        )
        complete_telegram_payment(uow.session, invoices, paid, datetime.now(UTC))
        uow.commit()
    assert latest_order(chat).status == OrderStatus.PAID

    open_menu_entry(chat, "purchases")
    chat.send("1")
    chat.send("Ghairi oda")
    assert chat.send("Ndiyo, ghairi") == [
        f"Oda {order.code} imeghairiwa.",
        f"Msimamizi wa jamii atakurudishia malipo yako ya {TO_KENYA_USD_SW}, na tutakujulisha"
        " yakisharudishwa.",
        f"Oda zako:\n1. {order.code} — Imeghairiwa — {TO_KENYA_USD_SW}",
    ]
    [alert] = told(uow_factory, grace)
    assert alert.startswith(
        f"Soko alert: {TO_KENYA_USD} paid for order {order.code} must be sent back by hand:"
        " the buyer cancelled the paid order."
    )
    with uow_factory() as uow:
        owed = uow.session.scalars(
            select(PaymentEvent).where(PaymentEvent.event_type == refunds_owed.REFUND_OWED)
        ).one()
        assert (owed.provider, owed.event_id) == ("telegram", "refund-owed:tg_ch_9")
        assert owed.payload["amount_minor"] == order.total_minor
        assert owed.payload["provider_charge_id"] == "prov_tg_ch_9"
        # The sale was reversed at cancellation; her shop is owed nothing for it.
        assert ledger.artisan_balance(uow.session, maker.artisan_id) == Money.zero("KES")
        cancelled = uow.session.get(Order, order.id)
        assert cancelled is not None
        [closed] = refunds_owed.close_by_hand(
            uow.session, cancelled, "re_9", grace, datetime.now(UTC)
        )
        uow.commit()
    assert (closed.reversed_before, closed.reversed_now) == (True, None)
    assert told(uow_factory, buyer)[-1] == (
        f"Tumekurudishia {TO_KENYA_USD_SW} za oda {order.code} (msimbo re_9). Benki yako inaweza"
        " kuchukua siku 5 hadi 10 kuzionyesha."
    )
