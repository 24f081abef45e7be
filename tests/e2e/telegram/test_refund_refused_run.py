"""A refund Stripe refuses, end to end: a real `soko run` with Stripe and ADMIN_PHONES, the
fake Telegram and the fake Stripe. Lena pays for a piece; the operator refunds it with
`soko admin refund`; Stripe does not answer at first, and when `soko run`'s effect runner
asks again, refuses. Grace, the owner (a community manager by the number she shares), is
told in her chat, in Swahili, which order, how much, and the command that tries again; the
operator runs it; Stripe makes the refund, the ledger holds one reversal, and Lena is told.
People only write, tap and share their contact; the operator only runs `soko` commands."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.container import Container
from payments.refunds import REFUND_REQUEST
from store.models import LedgerTransaction, Order, OrderStatus, PaymentEvent, TransactionKind
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, soko, wait_until
from tests.e2e.telegram.test_soko_run_payments import (
    gives_her_address,
    lena_opens_the_piece,
    shop_window,
    the_shop,
)
from tests.fakes import stripe_api
from tests.fakes.stripe_api import API_KEY, WEBHOOK_SECRET, FakeStripe, serve
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.slow

OWNER = "+254711000001"
GRACE = 8301


def test_a_refused_refund_reaches_the_owner_in_chat_and_her_retry_refunds_lena(
    container: Container,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    tmp_path: Path,
) -> None:
    piece = shop_window(container)
    stripe = FakeStripe()
    with serve(stripe) as stripe_url:
        shop = the_shop(
            container,
            telegram_server[1],
            tmp_path,
            STRIPE_SECRET_KEY=API_KEY,
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_API_BASE_URL=stripe_url,
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
            code = lena.tap("Place order")[0].removeprefix("Order ").split(" ", 1)[0]
            wait_until(lambda: len(stripe.sessions) == 1, 30, "her Checkout Session")
            [session_id] = stripe.sessions
            body, headers = stripe_api.signed(stripe.pay(session_id))
            paid = httpx.post(f"{shop.url}/webhooks/stripe", content=body, headers=headers)
            assert paid.status_code == 200
            lena.told(f"Payment received for {code}")

            stripe.fail_refunds = True  # Stripe answers 500: the refund waits for it
            refunding = soko(shop, "admin", "refund", code, "--reason", "broken clasp")
            assert refunding.returncode == 0, refunding.stderr
            assert "Stripe has not taken the refund yet" in refunding.stdout
            # When `soko run`'s runner asks again, Stripe refuses for good.
            stripe.fail_next("/v1/refunds", 400)
            stripe.fail_refunds = False

            [alert] = grace.told("Tahadhari ya Soko", timeout=60)[-1:]
            assert f"za oda {code} hakukufanikiwa: mtoa huduma wa malipo alikataa." in alert
            assert alert.endswith(f"soko admin refund {code} --retry")
            assert "Stripe is having trouble" not in alert
            assert stripe.refunds == {}

            retrying = soko(shop, "admin", "refund", code, "--retry")
            assert retrying.returncode == 0, retrying.stdout + retrying.stderr
            assert f"on order {code}" in retrying.stdout
            assert "error" not in retrying.stdout
            told = lena.told("We have refunded")
            assert f"for order {code}" in told[-1]
        assert "Traceback" not in run.logged()
    [refund] = stripe.refunds.values()
    assert refund["amount"] == stripe.sessions[session_id]["amount_total"]
    with container.uow_factory(read_only=True) as uow:
        order = uow.session.scalars(select(Order).where(Order.code == code)).one()
        assert order.status is OrderStatus.REFUNDED
        reversals = uow.session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == TransactionKind.REFUND)
        )
        assert reversals == 2  # the line's share, and the shipping fee given back once
        sent = uow.session.scalars(
            select(PaymentEvent.payload).where(
                PaymentEvent.event_type == REFUND_REQUEST,
                PaymentEvent.processed_at.is_not(None),
            )
        ).all()
        assert [payload["refund_id"] for payload in sent] == [refund["id"]]
