"""Telegram payments checked at the door, on both databases: a `successful_payment` pays its
order only when currency, total and payer are the order's; anything else, and money for an
order that can no longer take it, is a refund owed (recorded once per charge, community
managers told in their language, the person who paid told), closed by hand with the
reference of the refund a manager made, the ledger reversed only when the sale was in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.alerts import send_held_alerts
from conversations.jobs.payouts import weekly_payouts_summary
from handlers.telegram.invoices import PaymentReceived, complete_telegram_payment
from payments.telegram_invoice import TelegramInvoices
from store.models import (
    Channel,
    Identity,
    LedgerTransaction,
    Order,
    OrderStatus,
    OutboxMessage,
    PaymentEvent,
    Role,
    TransactionKind,
    User,
)
from store.money import Money
from store.pricing import PricingPolicy
from store.services import carts, ledger, orders, refunds_owed
from store.services.refunds_owed import CloseRefused
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BOT_TOKEN = "123456:bot-token"
PROVIDER_TOKEN = "284685063:TEST:provider-token"
POLICY = PricingPolicy.from_strings("USD", {"KES/USD": "0.0077"}, 4000, 500)
SHIPPING = ShippingDetails("Lena Fischer", "Oranienstraße 25, 10999 Berlin", "DE")
INVOICES = TelegramInvoices(BOT_TOKEN)
ZONE = ZoneInfo("Africa/Nairobi")


@dataclass
class Shop:
    uow_factory: UnitOfWorkFactory
    lena: int  # the buyer, on Telegram as 8201
    grace: int  # community managers: English, Swahili
    juma: int
    piece: int

    def order(self) -> Order:
        """Lena's order of the piece, waiting for her payment."""
        with self.uow_factory() as uow:
            carts.add_to_cart(uow.session, self.lena, self.piece)
            order = orders.place_order(
                uow.session, self.lena, Channel.TELEGRAM, POLICY, SHIPPING, NOW, timedelta(30)
            )
            uow.commit()
            uow.session.expunge(order)
            return order

    def pays(
        self,
        order: Order,
        charge: str,
        *,
        currency: str | None = None,
        total: int | None = None,
        telegram_user: str = "8201",
        invoices: TelegramInvoices = INVOICES,
        at: datetime = NOW,
    ) -> None:
        payment = PaymentReceived(
            telegram_user,
            invoices.payload(order.code),
            currency or order.currency,
            order.total_minor if total is None else total,
            charge,
            f"prov_{charge}",
        )
        with self.uow_factory() as uow:
            complete_telegram_payment(uow.session, INVOICES, payment, at)
            uow.commit()

    def status(self, order: Order) -> OrderStatus:
        with self.uow_factory(read_only=True) as uow:
            found = uow.session.get(Order, order.id)
            assert found is not None
            return found.status

    def owed(self) -> list[dict[str, object]]:
        with self.uow_factory(read_only=True) as uow:
            rows = uow.session.scalars(
                select(PaymentEvent)
                .where(PaymentEvent.event_type == refunds_owed.REFUND_OWED)
                .order_by(PaymentEvent.id)
            )
            return [
                {**row.payload, "closed": row.processed_at is not None, "order": row.order_id}
                for row in rows
            ]

    def texts(self, user_id: int) -> list[str]:
        with self.uow_factory(read_only=True) as uow:
            rows = uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.user_id == user_id)
                .order_by(OutboxMessage.id)
            )
            return [str(row.payload.get("text", "")) for row in rows]

    def close(
        self, order: Order, reference: str, charge: str | None = None
    ) -> list[refunds_owed.Closed]:
        with self.uow_factory() as uow:
            found = uow.session.get(Order, order.id)
            assert found is not None
            closed = refunds_owed.close_by_hand(
                uow.session, found, reference, self.grace, NOW, charge_id=charge
            )
            uow.commit()
            return closed

    def refunds_in_ledger(self) -> int:
        with self.uow_factory(read_only=True) as uow:
            statement = select(func.count()).select_from(LedgerTransaction)
            kind = LedgerTransaction.kind == TransactionKind.REFUND
            return int(uow.session.scalar(statement.where(kind)) or 0)


def telegram(session: Session, user_id: int, telegram_id: str) -> None:
    identity = session.scalars(select(Identity).where(Identity.user_id == user_id)).one()
    identity.channel = Channel.TELEGRAM
    identity.platform_user_id = telegram_id


@pytest.fixture
def shop(uow_factory: UnitOfWorkFactory) -> Shop:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s, "Naliaka")
        lena = make_user(s, "Lena", channel=Channel.TELEGRAM)
        telegram(s, lena.id, "8201")
        other = make_user(s, "Otto", channel=Channel.TELEGRAM)
        telegram(s, other.id, "8299")
        shop = Shop(
            uow_factory,
            lena=lena.id,
            grace=make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,)).id,
            juma=make_user(s, "Juma", locale="sw", roles=(Role.COMMUNITY_MANAGER,)).id,
            piece=make_product(s, artisan, title="Maasai collar", price_minor=150_000, stock=5).id,
        )
        uow.commit()
    return shop


@pytest.mark.parametrize(
    ("change", "reason", "reason_en", "reason_sw"),
    [
        (
            {"currency": "EUR"},
            "currency",
            "it was paid in another currency than the order's",
            "zililipwa kwa sarafu tofauti na ya oda",
        ),
        (
            {"total": 1},
            "total",
            "it was paid another amount than the order's total",
            "kiasi kilicholipwa ni tofauti na jumla ya oda",
        ),
        (
            {"telegram_user": "8299"},
            "payer",
            "it was paid by someone who is not the order's buyer",
            "zililipwa na mtu ambaye si mnunuzi wa oda",
        ),
    ],
)
def test_a_payment_unlike_its_order_is_a_refund_owed_not_a_sale(
    shop: Shop, change: dict[str, str], reason: str, reason_en: str, reason_sw: str
) -> None:
    order = shop.order()
    shop.pays(order, "tg_1", **change)  # type: ignore[arg-type]
    shop.pays(order, "tg_1", **change)  # delivered twice

    assert shop.status(order) is OrderStatus.PENDING_PAYMENT
    [owed] = shop.owed()
    currency = change.get("currency", order.currency)
    total = 1 if "total" in change else order.total_minor
    assert (owed["amount_minor"], owed["currency"], owed["reason"]) == (total, currency, reason)
    assert (owed["charge_id"], owed["provider_charge_id"]) == ("tg_1", "prov_tg_1")
    assert owed["order"] == order.id
    assert not owed["closed"]

    [alert] = shop.texts(shop.grace)
    assert alert.startswith("Soko alert: ")
    assert f"for order {order.code} must be sent back by hand: {reason_en}." in alert
    assert alert.endswith(f"soko admin refund {order.code} --manual REFERENCE")
    [tahadhari] = shop.texts(shop.juma)
    assert tahadhari.startswith("Tahadhari ya Soko: ")
    assert f"kwa oda {order.code} lazima zirudishwe kwa mkono: {reason_sw}." in tahadhari
    with shop.uow_factory(read_only=True) as uow:
        kept = uow.session.scalar(select(func.count()).select_from(LedgerTransaction))
    assert kept == 0


def test_the_payer_is_told_her_money_comes_back_by_hand(shop: Shop) -> None:
    order = shop.order()
    shop.pays(order, "tg_1", total=order.total_minor + 100)
    paid = Money(order.total_minor + 100, order.currency).format("en")
    [told] = shop.texts(shop.lena)
    assert told.startswith(f"We received {paid} for order {order.code} but could not take it")
    assert "A community manager will send it back to you" in told


def test_a_matching_payment_still_pays_once(shop: Shop) -> None:
    order = shop.order()
    shop.pays(order, "tg_1")
    shop.pays(order, "tg_1")
    assert shop.status(order) is OrderStatus.PAID
    assert shop.owed() == []
    assert shop.texts(shop.grace) == []


def test_money_for_an_order_that_cannot_take_it_is_a_refund_owed(shop: Shop) -> None:
    order = shop.order()
    shop.pays(order, "tg_1")
    shop.pays(order, "tg_2")  # a second charge for the paid order
    [owed] = shop.owed()
    assert (owed["charge_id"], owed["reason"]) == ("tg_2", "closed")
    assert shop.texts(shop.grace)[-1].startswith("Soko alert: ")


def test_an_invoice_signed_with_the_provider_token_names_no_order(shop: Shop) -> None:
    order = shop.order()
    old = TelegramInvoices(PROVIDER_TOKEN)
    assert INVOICES.order_code_of(old.payload(order.code)) is None
    assert INVOICES.order_code_of(INVOICES.payload(order.code)) == order.code
    shop.pays(order, "tg_1", invoices=old)
    assert shop.status(order) is OrderStatus.PENDING_PAYMENT


def test_closing_by_hand_a_payment_never_taken_reverses_nothing_and_tells_the_payer(
    shop: Shop,
) -> None:
    order = shop.order()
    shop.pays(order, "tg_1", currency="EUR")
    [closed] = shop.close(order, "re_3PXk")
    assert (closed.newly, closed.reversed_now, closed.reversed_before) == (True, None, False)
    assert shop.refunds_in_ledger() == 0
    [owed] = shop.owed()
    assert (owed["closed"], owed["reference"], owed["closed_by"]) == (True, "re_3PXk", shop.grace)
    euros = Money(order.total_minor, "EUR").format("en")
    assert shop.texts(shop.lena)[-1] == (
        f"We have sent back {euros} for order {order.code} (reference re_3PXk). "
        "Your bank may take 5 to 10 days to show it."
    )

    told = len(shop.texts(shop.lena))
    [again] = shop.close(order, "re_3PXk")
    assert not again.newly
    assert len(shop.texts(shop.lena)) == told
    with pytest.raises(CloseRefused, match="was closed with re_3PXk"):
        shop.close(order, "re_other")


def test_nothing_to_close_is_refused(shop: Shop) -> None:
    order = shop.order()
    with pytest.raises(CloseRefused, match="has no refund owed"):
        shop.close(order, "re_1")


def test_open_refunds_owed_are_in_the_weekly_summary_until_closed(shop: Shop) -> None:
    order = shop.order()
    shop.pays(order, "tg_1", total=1)
    weekly_payouts_summary(shop.uow_factory, NOW, ZONE, currency="KES")
    summary = shop.texts(shop.grace)[-1]
    assert summary.endswith(
        f"Refunds to send back by hand: 1 ({order.code} {Money(1, order.currency).format('en')})."
        " Once sent, close each with: "
        "soko admin refund CODE --manual REFERENCE"
    )
    assert "Pesa za kurudisha kwa mkono: 1" in shop.texts(shop.juma)[-1]

    shop.close(order, "re_1")
    weekly_payouts_summary(shop.uow_factory, NOW + timedelta(days=7), ZONE, currency="KES")
    assert "by hand" not in shop.texts(shop.grace)[-1]


def test_a_refund_owed_inside_the_alert_window_comes_with_the_next_alert(shop: Shop) -> None:
    first, second = shop.order(), shop.order()
    shop.pays(first, "tg_1", total=1)
    shop.pays(second, "tg_2", total=1, at=NOW + timedelta(minutes=5))
    assert len(shop.texts(shop.grace)) == 1  # held back: inside the window

    with shop.uow_factory() as uow:
        send_held_alerts(uow.session, NOW + timedelta(minutes=16))
        uow.commit()
    latest = shop.texts(shop.grace)[-1]
    assert f"for order {second.code} must be sent back by hand" in latest
    assert latest.endswith(
        f"Refunds to send back by hand still open: 2 (orders {second.code}, {first.code})."
    )


def test_a_cancelled_order_owes_back_the_charge_that_paid_it(shop: Shop) -> None:
    order = shop.order()
    shop.pays(order, "tg_wrong", total=1)  # a charge the order did not take
    shop.pays(order, "tg_right")
    with shop.uow_factory() as uow:
        paid = uow.session.get(Order, order.id)
        assert paid is not None
        refunds_owed.record_cancelled(
            uow.session, paid, Money(paid.total_minor, paid.currency), NOW
        )
        uow.commit()
    assert [(owed["charge_id"], owed["reason"]) for owed in shop.owed()] == [
        ("tg_wrong", "total"),
        ("tg_right", "cancelled"),
    ]
    assert shop.owed()[1]["provider_charge_id"] == "prov_tg_right"


def test_two_open_refunds_owed_are_not_closed_under_one_reference(shop: Shop) -> None:
    order = shop.order()
    shop.pays(order, "tg_1")
    shop.pays(order, "tg_2")  # a second charge for the paid order: owed back
    with shop.uow_factory() as uow:
        paid = uow.session.get(Order, order.id)
        assert paid is not None
        refunds_owed.record_cancelled(
            uow.session, paid, Money(paid.total_minor, paid.currency), NOW
        )  # then she cancels: the first charge is owed back too
        uow.commit()
    told = len(shop.texts(shop.lena))
    each = Money(order.total_minor, order.currency)

    with pytest.raises(refunds_owed.SeveralOpen) as refused:
        shop.close(order, "re_1")
    assert [(o.charge_id, o.amount, o.reason) for o in refused.value.open] == [
        ("tg_2", each, "closed"),
        ("tg_1", each, "cancelled"),
    ]
    assert "tg_2" in str(refused.value)
    assert "tg_1" in str(refused.value)
    assert [owed["closed"] for owed in shop.owed()] == [False, False]

    [closed] = shop.close(order, "re_1", charge="tg_2")
    assert (closed.newly, closed.amount) == (True, each)
    assert [owed["closed"] for owed in shop.owed()] == [True, False]
    assert len(shop.texts(shop.lena)) == told + 1
    [again] = shop.close(order, "re_1")  # the same reference again: nothing more
    assert not again.newly
    assert [owed["closed"] for owed in shop.owed()] == [True, False]

    [last] = shop.close(order, "re_2")  # one left open: closed without --charge
    assert (last.newly, last.reversed_before) == (True, True)
    assert [owed.get("reference") for owed in shop.owed()] == ["re_1", "re_2"]
    assert len(shop.texts(shop.lena)) == told + 2
    with pytest.raises(CloseRefused, match="no refund owed for charge tg_9"):
        shop.close(order, "re_3", charge="tg_9")


def manager_decides(
    shop: Shop, order: Order, line: int | None = None, amount: Money | None = None
) -> refunds_owed.Recorded:
    with shop.uow_factory() as uow:
        found = uow.session.get(Order, order.id)
        assert found is not None
        line_id = None if line is None else found.lines[line - 1].id
        recorded = refunds_owed.record_by_manager(
            uow.session, found, line_id, amount, shop.grace, NOW
        )
        uow.commit()
        return recorded


def artisan_balance(shop: Shop, order: Order) -> Money:
    with shop.uow_factory(read_only=True) as uow:
        found = uow.session.get(Order, order.id)
        assert found is not None
        # What the sale owes her, pending (not delivered yet) or ready to be paid.
        artisan_id = found.lines[0].artisan_id
        return ledger.artisan_balance(uow.session, artisan_id) + ledger.pending_balance(
            uow.session, artisan_id
        )


@pytest.mark.parametrize(
    ("locale", "told"),
    [
        ("en", "We have sent back {amount} for order {code} (reference re_9). "),
        ("sw", "Tumekurudishia {amount} za oda {code} (msimbo re_9). "),
    ],
)
def test_a_refund_a_manager_decides_is_owed_then_closed_with_the_sale_reversed(
    shop: Shop, locale: str, told: str
) -> None:
    with shop.uow_factory() as uow:
        buyer = uow.session.get(User, shop.lena)
        assert buyer is not None
        buyer.locale = locale
        uow.commit()
    order = shop.order()
    shop.pays(order, "tg_1")
    assert artisan_balance(shop, order).amount > 0
    before = len(shop.texts(shop.lena))

    recorded = manager_decides(shop, order)
    whole = Money(order.total_minor, order.currency)
    assert (recorded.amount, recorded.newly) == (whole, True)
    [owed] = shop.owed()
    assert (owed["reason"], owed["amount_minor"], owed["closed"]) == (
        "manager",
        whole.amount,
        False,
    )
    assert shop.refunds_in_ledger() == 0  # not yet: the money has not gone back
    assert len(shop.texts(shop.lena)) == before  # she is told once it has
    with pytest.raises(refunds_owed.NotOwed, match="nothing left to refund"):
        manager_decides(shop, order)  # the open refund owed takes it all

    [closed] = shop.close(order, "re_9")  # the one open: no charge id needed
    assert (closed.newly, closed.reversed_now) == (True, whole)
    assert order.shipping_minor > 0
    assert shop.refunds_in_ledger() == 2  # the line's reversal, and the shipping fee's
    assert artisan_balance(shop, order).amount == 0
    assert shop.status(order) is OrderStatus.REFUNDED
    assert shop.texts(shop.lena)[-1].startswith(
        told.format(amount=whole.format(locale), code=order.code)
    )
    with pytest.raises(refunds_owed.NotOwed, match="cannot be refunded: refunded"):
        manager_decides(shop, order)


def test_a_manager_refunds_part_of_a_line_by_hand(shop: Shop) -> None:
    order = shop.order()
    shop.pays(order, "tg_1")
    sold = artisan_balance(shop, order)
    part = Money(order.total_minor // 4, order.currency)

    recorded = manager_decides(shop, order, line=1, amount=part)
    assert recorded.amount == part
    too_much = Money(order.total_minor, order.currency)
    with pytest.raises(refunds_owed.NotOwed, match="line 1"):
        manager_decides(shop, order, line=1, amount=too_much)  # the open part counts
    [closed] = shop.close(order, "re_part")
    assert closed.reversed_now == part
    assert shop.status(order) is OrderStatus.PAID
    with shop.uow_factory(read_only=True) as uow:
        found = uow.session.get(Order, order.id)
        assert found is not None
        assert ledger.refunded_on_line(uow.session, found.lines[0]) == part
    assert 0 < artisan_balance(shop, order).amount < sold.amount


def test_a_manager_cannot_refund_an_order_never_paid(shop: Shop) -> None:
    order = shop.order()
    with pytest.raises(refunds_owed.NotOwed, match="pending_payment"):
        manager_decides(shop, order)
