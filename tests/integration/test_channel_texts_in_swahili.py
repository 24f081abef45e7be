"""A Swahili speaker reads the Telegram adapter's own messages in Swahili: why a payment is
refused (answering the pre-checkout query) and why a photo cannot be used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from telegram import Bot, PreCheckoutQuery, Update

from conversations.outbox import outbound_of
from handlers.telegram import invoices
from handlers.telegram.photos import PhotoProblem
from handlers.telegram.receiver import Receiver, Recorded, received
from handlers.telegram.updates import MAX_DOWNLOAD_BYTES, read_update
from payments.telegram_invoice import TelegramInvoices
from store.models import Channel, Identity, Order, OrderStatus, OutboxMessage
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user
from tests.fakes.telegram_api import TOKEN, document, pre_checkout_query, user

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
BOT = Bot(TOKEN)
AMINA = user(8301, "Amina", "sw")
INVOICES = TelegramInvoices("284685063:TEST:provider-token")


def _update(content: dict[str, Any], update_id: int = 1) -> Update:
    update = Update.de_json({"update_id": update_id, **content}, BOT)
    assert update is not None
    return update


def _query(payload: str, currency: str, amount: int, sender: dict[str, Any] = AMINA) -> Any:
    query = _update(pre_checkout_query(sender, payload, currency, amount)).pre_checkout_query
    assert isinstance(query, PreCheckoutQuery)
    return query


def seed_swahili_buyer(uow_factory: UnitOfWorkFactory, *, order: bool) -> str:
    """Amina (Swahili, Telegram id 8301), with an order waiting for payment; its code."""
    with uow_factory() as uow:
        session = uow.session
        buyer = make_user(session, "Amina", locale="sw", channel=Channel.TELEGRAM)
        identity = session.scalars(select(Identity).where(Identity.user_id == buyer.id)).one()
        identity.platform_user_id = str(AMINA["id"])
        code = ""
        if order:
            piece = make_product(session, make_artisan(session, "Naliaka"), price_minor=120_000)
            placed = make_paid_order(session, buyer, [(piece, 1)])
            placed.status = OrderStatus.PENDING_PAYMENT
            placed.channel = Channel.TELEGRAM
            placed.reserved_until = NOW + timedelta(minutes=20)
            code = placed.code
        uow.commit()
        return code


def answer(uow_factory: UnitOfWorkFactory, query: Any, now: datetime = NOW) -> str | None:
    with uow_factory(read_only=True) as uow:
        result = invoices.check_pre_checkout(uow.session, INVOICES, query, now)
    assert result.ok is False
    return result.error_message


def test_a_refused_payment_is_explained_in_swahili(uow_factory: UnitOfWorkFactory) -> None:
    code = seed_swahili_buyer(uow_factory, order=True)
    with uow_factory(read_only=True) as uow:
        order = uow.session.scalars(select(Order).where(Order.code == code)).one()
        currency, total = order.currency, order.total_minor
    payload = INVOICES.payload(code)

    assert answer(uow_factory, _query(payload, currency, total + 1)) == (
        f"Samahani, ankara hii hailingani tena na oda {code}. Tafadhali fungua oda tena."
    )
    assert answer(uow_factory, _query(payload, currency, total), NOW + timedelta(hours=1)) == (
        f"Samahani, muda wa kulipia oda {code} umeisha. Tafadhali agiza tena."
    )
    forged = payload.replace(code, "SK-OTHER", 1)
    assert answer(uow_factory, _query(forged, currency, total)) == (
        "Samahani, hatuipati oda hii. Tafadhali agiza tena kwenye gumzo."
    )
    with uow_factory() as uow:
        order = uow.session.scalars(select(Order).where(Order.code == code)).one()
        order.status = OrderStatus.PAID
        uow.commit()
    assert answer(uow_factory, _query(payload, currency, total)) == (
        f"Oda {code} haiwezi kulipiwa tena. Hujakatwa pesa."
    )


def test_someone_unknown_is_answered_in_their_telegram_language(
    uow_factory: UnitOfWorkFactory,
) -> None:
    stranger = user(8399, "Baraka", "sw-KE")
    expected = "Samahani, hatuipati oda hii. Tafadhali agiza tena kwenye gumzo."
    assert answer(uow_factory, _query(INVOICES.payload("SK-NONE1"), "KES", 100, stranger)) == (
        expected
    )
    refused = invoices.refuse_unknown(_query("anything", "KES", 100, stranger))
    assert (refused.ok, refused.error_message) == (False, expected)
    english = invoices.refuse_unknown(_query("anything", "KES", 100, user(8398, "Amy", "en")))
    assert english.error_message == invoices.UNKNOWN


def test_a_photo_that_cannot_be_used_is_explained_in_swahili(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seed_swahili_buyer(uow_factory, order=False)
    receiver = Receiver(BOT, uow_factory, "7000001", clock=lambda: NOW)
    huge = read_update(_update(document(AMINA, "doc-1", MAX_DOWNLOAD_BYTES + 1), 1), "7000001")
    assert huge is not None
    too_large = received(huge)  # refused before any download
    assert too_large.photo_problem is PhotoProblem.TOO_LARGE

    assert receiver.record([too_large]) == Recorded()
    with uow_factory(read_only=True) as uow:
        rows = uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        said = [outbound_of(row).text for row in rows]
    assert said == [
        "Picha hiyo ni kubwa mno, siwezi kuifungua (zaidi ya MB 20). Tafadhali itume tena kama "
        "picha ya kawaida, si kama faili.",
    ]
