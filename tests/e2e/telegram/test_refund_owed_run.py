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
from tests.e2e.telegram.test_soko_run_payments import lena_opens_the_piece, shop_window, the_shop
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
        for answer in ("Lena Fischer", "Oranienstraße 25, 10999 Berlin", "Germany"):
            lena.say(answer)
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
