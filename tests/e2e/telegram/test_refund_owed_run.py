"""A Telegram payment that does not match its order, end to end: a real `soko run` with
Telegram invoices and ADMIN_PHONES against the fake Bot API. Lena (English) pays the invoice
of her order, but the charge Telegram reports is not the order's total: the order is not
paid, a refund is owed. Grace, the owner (a community manager by the number she shares), is
told in her chat, in Swahili, which order, how much, why, and the command that closes it;
Lena is told her money comes back. The operator refunds her in the provider's dashboard and
runs `soko admin refund CODE --manual REFERENCE`: nothing to reverse in the ledger (the order
was never paid), Lena is told. The same command again does nothing more; another reference
is refused. People only write, tap and pay; the operator only runs `soko` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.container import Container
from store.models import LedgerTransaction, Order, OrderStatus, PaymentEvent
from store.services.refunds_owed import REFUND_OWED
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, soko, wait_until
from tests.e2e.telegram.test_soko_run_payments import (
    gives_her_address,
    lena_opens_the_piece,
    shop_window,
    the_shop,
)
from tests.fakes.telegram_api import FakeTelegram, pre_checkout_query, successful_payment

pytestmark = pytest.mark.slow

OWNER = "+254711000001"
GRACE = 8301
PROVIDER_TOKEN = "284685063:TEST:provider-token-xyz"


def test_a_payment_unlike_its_order_is_owed_back_and_closed_by_hand(
    container: Container,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    tmp_path: Path,
) -> None:
    piece = shop_window(container)
    shop = the_shop(
        container,
        telegram_server[1],
        tmp_path,
        TELEGRAM_PAYMENT_PROVIDER_TOKEN=PROVIDER_TOKEN,
        ADMIN_PHONES="0711 000 001",
    )
    with SokoProcess(shop, "run") as run:
        grace = TelegramPerson("Grace", GRACE, fake_telegram, ShopDatabase(shop.database_url))
        grace.say("/start")
        grace.tap("Kiswahili")
        assert grace.share_own_contact(OWNER.removeprefix("+"))

        lena = lena_opens_the_piece(shop, fake_telegram, piece)
        lena.tap("Buy now")
        gives_her_address(lena)
        lena.tap("Place order")
        [invoice] = [call.params for call in fake_telegram.calls_of("sendInvoice")]
        payload, currency = invoice["payload"], invoice["currency"]
        total = sum(price["amount"] for price in invoice["prices"])
        code = payload.rpartition(".")[0]

        # She taps Pay: Telegram asks first, then reports a charge of another amount.
        fake_telegram.feed(pre_checkout_query(lena.user, payload, currency, total))
        wait_until(lambda: fake_telegram.calls_of("answerPreCheckoutQuery"), 30, "pre-checkout")
        assert fake_telegram.calls_of("answerPreCheckoutQuery")[0].params["ok"] is True
        charged = total + 500
        fake_telegram.feed(successful_payment(lena.user, payload, currency, charged, "tg_ch_1"))

        [alert] = grace.told("Tahadhari ya Soko")[-1:]
        assert f"zilizolipwa kwa oda {code} lazima zirudishwe kwa mkono:" in alert
        assert "kiasi kilicholipwa ni tofauti na jumla ya oda." in alert
        assert alert.endswith(f"soko admin refund {code} --manual REFERENCE")
        [owed_back] = lena.told("could not take it")[-1:]
        assert owed_back.startswith("We received ")
        assert f"for order {code} but could not take it for this order." in owed_back

        closing = soko(shop, "admin", "refund", code, "--manual", "re_3PXk9")
        assert closing.returncode == 0, closing.stdout + closing.stderr
        assert f"closed the refund owed of {charged / 100:.2f} {currency} on order {code}" in (
            closing.stdout
        )
        assert f"ledger: nothing to reverse: order {code} was never paid" in closing.stdout
        [back] = lena.told("We have sent back")[-1:]
        assert back.endswith(
            f"for order {code} (reference re_3PXk9). Your bank may take 5 to 10 days to show it."
        )

        again = soko(shop, "admin", "refund", code, "--manual", "re_3PXk9")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "nothing more to do" in again.stdout
        other = soko(shop, "admin", "refund", code, "--manual", "re_other")
        assert other.returncode == 1
        assert f"the refund owed on order {code} was closed with re_3PXk9" in other.stderr
        assert not [m for m in lena.unread() if "sent back" in m]
        assert "Traceback" not in run.logged()
    with container.uow_factory(read_only=True) as uow:
        order = uow.session.scalars(select(Order).where(Order.code == code)).one()
        assert order.status is not OrderStatus.PAID
        assert order.paid_at is None
        sales = select(func.count()).select_from(LedgerTransaction)
        assert uow.session.scalar(sales) == 0
        owed = uow.session.scalars(
            select(PaymentEvent).where(PaymentEvent.event_type == REFUND_OWED)
        ).one()
        assert owed.processed_at is not None
        assert (owed.payload["amount_minor"], owed.payload["reference"]) == (charged, "re_3PXk9")


def test_a_refund_a_manager_decides_is_owed_and_each_open_one_closed_apart(
    container: Container,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    tmp_path: Path,
) -> None:
    """Lena pays her order, then Telegram reports a second charge for it (owed back). The
    piece arrives broken: the operator decides to refund the order, which for Telegram
    invoices is a refund owed, with what to do next. Two are open now: `--manual` alone is
    refused and lists them; `--charge` closes the manager's one (the sale reversed), then
    the last one closes alone. Lena is told of each once."""
    piece = shop_window(container)
    shop = the_shop(
        container,
        telegram_server[1],
        tmp_path,
        TELEGRAM_PAYMENT_PROVIDER_TOKEN=PROVIDER_TOKEN,
        ADMIN_PHONES="0711 000 001",
    )
    with SokoProcess(shop, "run") as run:
        grace = TelegramPerson("Grace", GRACE, fake_telegram, ShopDatabase(shop.database_url))
        grace.say("/start")
        grace.tap("English")
        assert grace.share_own_contact(OWNER.removeprefix("+"))

        lena = lena_opens_the_piece(shop, fake_telegram, piece)
        lena.tap("Buy now")
        gives_her_address(lena)
        lena.tap("Place order")
        [invoice] = [call.params for call in fake_telegram.calls_of("sendInvoice")]
        payload, currency = invoice["payload"], invoice["currency"]
        total = sum(price["amount"] for price in invoice["prices"])
        code = payload.rpartition(".")[0]
        fake_telegram.feed(pre_checkout_query(lena.user, payload, currency, total))
        wait_until(lambda: fake_telegram.calls_of("answerPreCheckoutQuery"), 30, "pre-checkout")
        fake_telegram.feed(successful_payment(lena.user, payload, currency, total, "tg_ch_1"))
        wait_until(lambda: paid(container, code), 30, "the order paid")
        fake_telegram.feed(successful_payment(lena.user, payload, currency, total, "tg_ch_2"))
        grace.told(f"for order {code} must be sent back by hand")

        decided = soko(shop, "admin", "refund", code, "--reason", "broken piece")
        assert decided.returncode == 0, decided.stdout + decided.stderr
        amount = f"{total / 100:.2f} {currency}"
        assert f"recorded a refund owed of {amount} on order {code}" in decided.stdout
        assert f"then run: soko admin refund {code} --manual REFERENCE" in decided.stdout

        both = soko(shop, "admin", "refund", code, "--manual", "re_1")
        assert both.returncode == 1
        assert f"order {code} has 2 refunds owed open: tg_ch_2 {amount} (closed);" in both.stderr
        assert f"manager-{code}-2 {amount} (manager)" in both.stderr
        assert not [m for m in lena.unread() if "sent back" in m]

        manager_charge = f"manager-{code}-2"
        one = soko(shop, "admin", "refund", code, "--manual", "re_1", "--charge", manager_charge)
        assert one.returncode == 0, one.stdout + one.stderr
        assert f"ledger: the sale reversed ({amount})" in one.stdout
        [back] = [m for m in lena.told("We have sent back") if "sent back" in m]
        assert f"for order {code} (reference re_1)." in back

        last = soko(shop, "admin", "refund", code, "--manual", "re_2")
        assert last.returncode == 0, last.stdout + last.stderr
        assert f"ledger: nothing to reverse: order {code} was never paid" in last.stdout
        [back] = [m for m in lena.told("We have sent back") if "sent back" in m]
        assert f"for order {code} (reference re_2)." in back
        assert not [m for m in lena.unread() if "sent back" in m]
        assert "Traceback" not in run.logged()
    with container.uow_factory(read_only=True) as uow:
        order = uow.session.scalars(select(Order).where(Order.code == code)).one()
        assert order.status is OrderStatus.REFUNDED
        sold = select(LedgerTransaction).where(LedgerTransaction.order_id == order.id)
        kinds = sorted(t.kind.value for t in uow.session.scalars(sold))
        assert kinds == ["refund", "refund", "sale"]  # the line, then the shipping fee


def paid(container: Container, code: str) -> bool:
    with container.uow_factory(read_only=True) as uow:
        order = uow.session.scalars(select(Order).where(Order.code == code)).one()
        return order.status is OrderStatus.PAID
