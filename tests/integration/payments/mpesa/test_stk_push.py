"""M-Pesa STK push on both databases: the provider, its effects, the callback route and the
query job, with the real `DarajaClient` against the fake Daraja API, which posts its
callbacks to the shop's route served over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from conversations.payment_labels import checkout_labels
from handlers.mpesa.stk_webhook import stk_webhook_routes
from payments.events import PhonePaymentFailed, PhonePaymentFailure
from payments.mpesa.client import STK_PUSH_PATH, DarajaClient, DarajaConfig
from payments.mpesa.stk import SEND_EFFECT, MpesaStk, callback_url
from payments.mpesa.stk_effects import stk_effect_kinds
from payments.mpesa.stk_results import queue_due_queries, record_sent
from store import events
from store.effect_runner import EffectRunner
from store.models import (
    Channel,
    Effect,
    LedgerTransaction,
    Order,
    OrderStatus,
    OutboxMessage,
    PaymentEvent,
    Role,
    StkPush,
    StkPushStatus,
    UserRole,
)
from store.payment_port import ConfirmOnPhone, PromptState
from store.pricing import PricingPolicy
from store.services import carts, orders, refunds_owed
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.e2e.soko_process import wait_until
from tests.factories import make_artisan, make_product, make_user
from tests.fakes import daraja_api
from tests.fakes.daraja_api import FakeDaraja, stk_callback
from tests.fakes.serving import serve_app

TOKEN = "t0ken-" + "x" * 40
KES_PRICING = PricingPolicy.from_strings("KES", {}, 4000, 500)
SHIPPING = ShippingDetails("Achieng Odhiambo", "Moi Avenue 12, Nairobi", "KE")
PHONE = "+254712345678"
DOUBT_ALERTS = "phone-payment-doubt-alert:"
PROBE_ALERTS = "phone-payment-probe-alert:"
ANY_ALERTS = "phone-payment-"
# What Achieng (she writes in Swahili) is told of the prompt for 2,600 shillings.
PROMPTED = (
    "Tumetuma ombi la malipo ya oda {code} kwa simu yako 0712 345678. "
    "Tafadhali thibitisha malipo ya Ksh\xa02,600 hapo kwa PIN yako."
)
UNCONFIRMED = (
    "M-Pesa haijathibitisha kwamba simu yako 0712 345678 imepokea ombi la malipo ya oda "
    "{code}. Likifika, tafadhali thibitisha malipo ya Ksh\xa02,600 hapo kwa PIN yako.\n"
    "Lisipofika ndani ya dakika chache, nitakujulisha hapa, na unaweza kujaribu tena au "
    "kutumia namba nyingine."
)
NOT_SENT = (
    "Samahani, hatukuweza kutuma ombi la malipo ya oda {code} kwa 0712 345678.\n"
    "Oda yako bado inasubiri malipo. Ujaribu tena, au utumie namba nyingine?\n"
    "Jaribu tena\nTumia namba nyingine"
)
PAID = "Malipo ya {code} yamepokelewa"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def later(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Shop:
    db: UnitOfWorkFactory
    fake: FakeDaraja
    stk: MpesaStk
    runner: EffectRunner
    url: str
    clock: Clock
    failed: list[PhonePaymentFailed] = field(default_factory=list)

    def run_effects(self) -> int:
        return self.runner.run_due()

    def order(self, phone: str = PHONE) -> int:
        with self.db() as uow:
            artisan = make_artisan(uow.session, "Wanjiru")
            product = make_product(uow.session, artisan, title="Mkufu wa shaba")
            buyer = make_user(uow.session, "Achieng", locale="sw", phone=PHONE)
            carts.add_to_cart(uow.session, buyer.id, product.id, now=self.clock())
            order = orders.place_order(
                uow.session, buyer.id, Channel.CONSOLE, KES_PRICING, SHIPPING, self.clock()
            )
            order.payer_phone = phone
            uow.commit()
            return order.id

    def checkout(self, order_id: int) -> Any:
        with self.db() as uow:
            order = uow.session.get(Order, order_id)
            assert order is not None
            labels = checkout_labels("sw", order.code)
            found = self.stk.start_checkout(
                uow.session, order, locale="sw", labels=labels, now=self.clock()
            )
            uow.commit()
            return found

    def pay_and_send(self, order_id: int) -> str:
        """Checkout and the push sent: its CheckoutRequestID."""
        self.checkout(order_id)
        assert self.run_effects() == 1
        return self.push(order_id).checkout_request_id or ""

    def wait_for_push(self, order_id: int) -> str:
        """The CheckoutRequestID of the push the fake Daraja received for the order."""
        with self.db(read_only=True) as uow:
            order = uow.session.get(Order, order_id)
            assert order is not None
            code = order.code
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = [
                checkout_id
                for checkout_id, push in list(self.fake.pushes.items())
                if push.body["AccountReference"] == code
            ]
            if found:
                return found[0]
            time.sleep(0.02)
        raise AssertionError(f"Daraja never received the push of {code}")

    def push(self, order_id: int) -> StkPush:
        with self.db(read_only=True) as uow:
            [push] = uow.session.scalars(select(StkPush).where(StkPush.order_id == order_id))
            uow.session.expunge(push)
            return push

    def order_status(self, order_id: int) -> OrderStatus:
        with self.db(read_only=True) as uow:
            order = uow.session.get(Order, order_id)
            assert order is not None
            return order.status

    def count(self, query: Any) -> int:
        with self.db(read_only=True) as uow:
            return int(uow.session.scalar(query) or 0)

    def sales(self, order_id: int) -> int:
        return self.count(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.order_id == order_id)
        )

    def alerts(self, prefix: str = DOUBT_ALERTS) -> int:
        return self.count(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.dedupe_key.startswith(prefix))
        )

    def alert_texts(self) -> list[str]:
        with self.db() as uow:
            found = uow.session.scalars(
                select(OutboxMessage.payload).where(
                    OutboxMessage.dedupe_key.startswith(DOUBT_ALERTS)
                )
            )
            return [str(payload.get("text", payload)) for payload in found]

    def told(self, order_id: int) -> list[str]:
        """What the order's buyer is sent, oldest first: each text, then its choices' words."""
        with self.db(read_only=True) as uow:
            order = uow.session.get_one(Order, order_id)
            payloads = uow.session.scalars(
                select(OutboxMessage.payload)
                .where(OutboxMessage.user_id == order.buyer_user_id)
                .order_by(OutboxMessage.id)
            )
            return [
                "\n".join([payload["text"], *(c["label"] for c in payload.get("choices", ()))])
                for payload in payloads
            ]

    def code(self, order_id: int) -> str:
        with self.db(read_only=True) as uow:
            return uow.session.get_one(Order, order_id).code

    def post(self, body: dict[str, Any], token: str = TOKEN) -> httpx.Response:
        return httpx.post(callback_url(self.url, token), content=json.dumps(body), timeout=10)


@pytest.fixture(scope="module")
def daraja() -> Iterator[tuple[FakeDaraja, str]]:
    fake = FakeDaraja.make()
    with daraja_api.serve(fake) as url:
        yield fake, url


@pytest.fixture
def shop(
    uow_factory: UnitOfWorkFactory,
    daraja: tuple[FakeDaraja, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Shop]:
    fake, daraja_url = daraja
    config = DarajaConfig(
        base_url=daraja_url,
        consumer_key=daraja_api.CONSUMER_KEY,
        consumer_secret=daraja_api.CONSUMER_SECRET,
        shortcode=daraja_api.SHORTCODE,
        passkey=daraja_api.PASSKEY,
        read_timeout=1.0,
        retries=0,
        backoff_seconds=0.0,
    )
    clock = Clock()
    refused: list[int] = []
    app = Starlette(
        routes=stk_webhook_routes(uow_factory, TOKEN, clock, on_refused=lambda: refused.append(1))
    )
    with uow_factory() as uow:
        make_user(uow.session, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        uow.commit()
    with serve_app(app) as url, DarajaClient(config) as client:
        stk = MpesaStk(client, url, TOKEN)
        runner = EffectRunner(uow_factory, stk_effect_kinds(stk), clock)
        found = Shop(uow_factory, fake, stk, runner, url, clock)
        known = list(events._handlers.get(PhonePaymentFailed, []))
        monkeypatch.setitem(
            events._handlers,
            PhonePaymentFailed,
            [*known, lambda session, event, now: found.failed.append(event)],
        )
        found.refused = refused  # type: ignore[attr-defined]
        yield found
    fake.release()
    fake.failing.clear()


def test_the_push_goes_out_after_the_commit_once_however_often_she_asks(shop: Shop) -> None:
    order_id = shop.order()
    calls = shop.fake.calls(STK_PUSH_PATH)
    first = shop.checkout(order_id)
    assert first.action == ConfirmOnPhone(PHONE)
    assert shop.fake.calls(STK_PUSH_PATH) == calls  # nothing sent inside the unit of work
    assert shop.checkout(order_id).reference == first.reference  # a second tap: no 2nd push
    assert shop.run_effects() == 1
    push = shop.push(order_id)
    assert push.status == StkPushStatus.SENT
    sent = shop.fake.pushes[push.checkout_request_id or ""].body
    with shop.db(read_only=True) as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        assert sent["AccountReference"] == order.code
        assert sent["Amount"] == order.total_minor // 100 == 2100 + 500  # with shipping
    assert sent["PhoneNumber"] == "254712345678"
    assert len(sent["TransactionDesc"]) <= 13
    assert sent["CallBackURL"] == f"{shop.url}/webhooks/mpesa/stk/{TOKEN}"
    # Still open: asking again answers the same push, and Daraja is not called again.
    assert shop.checkout(order_id).reference == push.checkout_request_id
    assert shop.run_effects() == 0
    assert shop.fake.calls(STK_PUSH_PATH) == calls + 1
    assert shop.count(select(func.count()).select_from(StkPush)) == 1


def test_she_is_told_the_prompt_is_on_her_phone_once_daraja_takes_it(shop: Shop) -> None:
    order_id = shop.order()
    assert shop.checkout(order_id).action == ConfirmOnPhone(PHONE, PromptState.SENDING)
    assert shop.told(order_id) == []  # nothing is on her phone before Daraja answers
    assert shop.run_effects() == 1
    code = shop.code(order_id)
    assert shop.told(order_id) == [PROMPTED.format(code=code)]
    # Daraja's answer written down again (the effect's result repeated): told once.
    push = shop.push(order_id)
    again = {
        "checkout_request_id": push.checkout_request_id,
        "merchant_request_id": push.merchant_request_id,
        "unknown": "",
    }
    with shop.db() as uow:
        record_sent(uow.session, push.id, again, shop.clock())
        uow.commit()
    assert shop.told(order_id) == [PROMPTED.format(code=code)]
    # Asking to pay again shows the prompt already on her phone, and sends none.
    assert shop.checkout(order_id).action == ConfirmOnPhone(PHONE, PromptState.SENT)
    assert shop.run_effects() == 0
    shop.fake.answer_push(push.checkout_request_id or "", 0)
    shop.run_effects()
    told = shop.told(order_id)
    assert told[0] == PROMPTED.format(code=code)
    assert PAID.format(code=code) in told[1]


@pytest.mark.parametrize("lost", ["read timeout", "503"])
def test_a_lost_answer_tells_her_kindly_and_the_failure_when_given_up(
    shop: Shop, lost: str
) -> None:
    order_id = shop.order()
    shop.checkout(order_id)
    if lost == "503":
        shop.fake.fail_next(STK_PUSH_PATH, 503)
    else:
        shop.fake.hang(STK_PUSH_PATH)  # Daraja takes it; its answer never arrives in time
    shop.run_effects()
    shop.fake.release()
    assert shop.push(order_id).status == StkPushStatus.UNKNOWN
    code = shop.code(order_id)
    assert shop.told(order_id) == [UNCONFIRMED.format(code=code)]
    # "Try again" now: the same push (never a second buzz), still not confirmed.
    again = shop.checkout(order_id)
    assert again.action == ConfirmOnPhone(PHONE, PromptState.UNCONFIRMED)
    assert shop.run_effects() == 0
    shop.clock.later(timedelta(minutes=6))
    with shop.db() as uow:
        queue_due_queries(uow.session, shop.clock())  # gives it up
        uow.commit()
    assert shop.told(order_id) == [UNCONFIRMED.format(code=code), NOT_SENT.format(code=code)]


def test_an_order_closed_before_daraja_answers_tells_her_nothing_of_the_prompt(
    shop: Shop,
) -> None:
    order_id = shop.order()
    shop.checkout(order_id)
    with shop.db() as uow:
        uow.session.get_one(Order, order_id).status = OrderStatus.EXPIRED  # time ran out
        uow.commit()
    shop.run_effects()
    assert shop.push(order_id).status == StkPushStatus.SENT
    assert shop.told(order_id) == []


def test_a_confirmed_callback_pays_the_order_once(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    shop.fake.answer_push(checkout_id, 0)
    assert shop.fake.deliveries[-1][1] == 200
    assert shop.order_status(order_id) == OrderStatus.PENDING_PAYMENT  # not before the query
    assert shop.run_effects() == 1  # the STK query
    assert shop.order_status(order_id) == OrderStatus.PAID
    push = shop.push(order_id)
    assert push.status == StkPushStatus.PAID
    assert push.receipt
    with shop.db(read_only=True) as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        assert order.payment_ref == push.receipt
    assert shop.sales(order_id) == 1
    assert shop.alerts() == 0


def test_ten_identical_callbacks_at_once_are_one_payment(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    shop.fake.answer_push(checkout_id, 0, deliver=0)
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda _: shop.fake.deliver_push(checkout_id), range(10)))
    assert statuses == [[200]] * 10
    shop.run_effects()
    shop.fake.deliver_push(checkout_id)  # and one more after it was paid
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.PAID
    assert shop.sales(order_id) == 1
    assert (
        shop.count(
            select(func.count()).select_from(PaymentEvent).where(PaymentEvent.order_id == order_id)
        )
        == 1
    )
    assert (
        shop.count(select(func.count()).select_from(Effect).where(Effect.kind == "mpesa.stk_query"))
        == 1
    )
    assert shop.alerts() == 0


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (1032, PhonePaymentFailure.CANCELLED),
        (1037, PhonePaymentFailure.TIMED_OUT),
        (1, PhonePaymentFailure.NO_FUNDS),
        (2001, PhonePaymentFailure.WRONG_PIN),
        (17, PhonePaymentFailure.FAILED),
    ],
)
def test_a_prompt_that_took_no_money_tells_why_and_she_may_try_again(
    shop: Shop, code: int, reason: PhonePaymentFailure
) -> None:
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    shop.fake.answer_push(checkout_id, code)
    shop.run_effects()
    assert shop.push(order_id).status == StkPushStatus.FAILED
    assert [(event.reason, event.phone) for event in shop.failed] == [(reason, PHONE)]
    assert shop.order_status(order_id) == OrderStatus.PENDING_PAYMENT
    # "Try again": a new prompt to the same number.
    again = shop.checkout(order_id)
    assert again.action == ConfirmOnPhone(PHONE)
    assert shop.run_effects() == 1
    assert shop.count(select(func.count()).select_from(StkPush)) == 2


def test_a_lost_callback_is_found_by_the_query_job(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    shop.fake.answer_push(checkout_id, 0, deliver=0)  # the callback never comes
    with shop.db() as uow:
        assert queue_due_queries(uow.session, shop.clock()) == []  # too soon to ask
        uow.commit()
    shop.clock.later(timedelta(minutes=2, seconds=1))
    with shop.db() as uow:
        assert len(queue_due_queries(uow.session, shop.clock())) == 1
        uow.commit()
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.PAID
    assert shop.sales(order_id) == 1


def test_a_prompt_never_answered_ends_when_daraja_says_it_timed_out(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    shop.clock.later(timedelta(minutes=3))
    with shop.db() as uow:
        queue_due_queries(uow.session, shop.clock())
        uow.commit()
    shop.run_effects()  # "being processed": nothing yet
    assert shop.push(order_id).status == StkPushStatus.SENT
    shop.fake.answer_push(checkout_id, 1037, deliver=0)
    shop.clock.later(timedelta(minutes=1))
    with shop.db() as uow:
        queue_due_queries(uow.session, shop.clock())
        uow.commit()
    shop.run_effects()
    assert shop.push(order_id).failure == "timed_out"
    assert [event.reason for event in shop.failed] == [PhonePaymentFailure.TIMED_OUT]


def test_a_wrong_token_is_refused_before_anything_is_read(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    callback = shop.fake.answer_push(checkout_id, 0, deliver=0)
    for _ in range(3):
        refused = shop.post(callback, token="wrong-" + "y" * 40)
        assert refused.status_code == 404
    assert shop.refused == [1, 1, 1]  # type: ignore[attr-defined]
    shop.run_effects()
    push = shop.push(order_id)
    assert push.answered_at is None
    assert push.status == StkPushStatus.SENT
    assert shop.alerts(PROBE_ALERTS) == 1  # one alert for the window


def test_probes_with_a_wrong_token_cannot_silence_the_alerts_about_money(shop: Shop) -> None:
    # Anyone may post to a guessed address, every quarter of an hour: that alert has its
    # own window, and a payment for a prompt already closed is still told at once.
    assert shop.post({}, token="wrong-" + "y" * 40).status_code == 404
    wait_until(lambda: shop.alerts(ANY_ALERTS) == 1, what="the probe's alert (after the answer)")
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    callback = shop.fake.answer_push(checkout_id, 0, deliver=0)
    callback["Body"]["stkCallback"]["CheckoutRequestID"] = "ws_CO_closed_long_ago"
    assert shop.post(callback).status_code == 200
    assert shop.alerts(ANY_ALERTS) == 2
    assert shop.alerts() == 1


def test_a_callback_for_a_push_we_never_sent_changes_nothing_and_alerts(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    callback = shop.fake.answer_push(checkout_id, 0, deliver=0)
    callback["Body"]["stkCallback"]["CheckoutRequestID"] = "ws_CO_not_ours"
    answered = shop.post(callback)
    assert answered.status_code == 200
    assert answered.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    assert shop.run_effects() == 0
    assert shop.push(order_id).answered_at is None
    assert shop.order_status(order_id) == OrderStatus.PENDING_PAYMENT
    assert shop.alerts() == 1


def test_a_callback_with_the_wrong_amount_pays_nothing_and_alerts(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    callback = shop.fake.answer_push(checkout_id, 0, deliver=0)
    items = callback["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    items[0]["Value"] = 1.0  # one shilling, not 2100
    assert shop.post(callback).status_code == 200
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.PENDING_PAYMENT
    push = shop.push(order_id)
    assert (push.status, push.failure) == (StkPushStatus.FAILED, "wrong_amount")
    assert shop.sales(order_id) == 0
    owed = shop.count(
        select(func.count())
        .select_from(PaymentEvent)
        .where(PaymentEvent.order_id == order_id, PaymentEvent.event_type == "soko.refund_owed")
    )
    assert owed == 1
    [alert] = shop.alert_texts()
    assert "sent back by hand" in alert
    assert "Nothing was paid" not in alert  # she did pay: it is owed back


def test_a_callback_the_query_does_not_confirm_is_set_aside(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    forged = daraja_api.stk_callback(shop.fake.pushes[checkout_id], 0)
    assert shop.post(forged).status_code == 200  # she has not answered: Daraja says so
    shop.run_effects()
    assert shop.push(order_id).answered_at is None
    assert shop.order_status(order_id) == OrderStatus.PENDING_PAYMENT
    shop.fake.answer_push(checkout_id, 0)  # now she pays: the genuine callback counts
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.PAID


def test_a_number_daraja_will_not_prompt_fails_and_she_is_told(shop: Shop) -> None:
    order_id = shop.order(phone="+254201234567")  # a Nairobi landline
    shop.checkout(order_id)
    shop.run_effects()
    push = shop.push(order_id)
    assert (push.status, push.failure) == (StkPushStatus.FAILED, "failed")
    assert [event.reason for event in shop.failed] == [PhonePaymentFailure.FAILED]
    landline = NOT_SENT.format(code=shop.code(order_id)).replace("0712 345678", "020 1234567")
    assert shop.told(order_id) == [landline]


def test_a_push_whose_answer_was_lost_is_matched_by_its_callback(shop: Shop) -> None:
    order_id = shop.order()
    shop.checkout(order_id)
    shop.fake.hang(STK_PUSH_PATH)  # Daraja takes it; its answer never arrives in time
    shop.run_effects()
    shop.fake.release()
    push = shop.push(order_id)
    assert (push.status, push.checkout_request_id) == (StkPushStatus.UNKNOWN, None)
    assert shop.checkout(order_id).reference == f"stk-push-{push.id}"  # no second buzz
    assert shop.run_effects() == 0
    checkout_id = shop.wait_for_push(order_id)  # Daraja carried it out all the same
    shop.fake.answer_push(checkout_id, 0)
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.PAID
    code = shop.code(order_id)
    [unconfirmed, paid] = shop.told(order_id)
    assert unconfirmed == UNCONFIRMED.format(code=code)
    assert PAID.format(code=code) in paid


def test_a_callback_before_darajas_answer_is_recorded_pays_the_order(shop: Shop) -> None:
    """She answers the prompt before the shop has written down Daraja's answer to sending
    it (a busy database): the callback is hers all the same, not a stranger's."""
    order_id = shop.order()
    shop.checkout(order_id)
    posted: list[int] = []

    def send_and_answer_at_once(claimed: Any) -> Any:
        result = shop.stk.send(claimed)
        shop.fake.answer_push(str(result["checkout_request_id"]), 0)
        posted.append(shop.fake.deliveries[-1][1])
        return result

    kinds = [
        replace(kind, perform=send_and_answer_at_once) if kind.name == SEND_EFFECT else kind
        for kind in stk_effect_kinds(shop.stk)
    ]
    ran = EffectRunner(shop.db, kinds, shop.clock).run_due() + shop.run_effects()
    assert ran == 2  # the push, and the query that confirms it
    assert posted == [200]
    push = shop.push(order_id)
    assert (push.status, push.checkout_request_id) == (
        StkPushStatus.PAID,
        shop.wait_for_push(order_id),
    )
    assert shop.order_status(order_id) == OrderStatus.PAID
    assert shop.sales(order_id) == 1
    assert shop.alerts() == 0
    # She answered the prompt already: told she paid, never afterwards to confirm it.
    [paid] = shop.told(order_id)
    assert PAID.format(code=shop.code(order_id)) in paid


def test_a_callback_while_darajas_answer_is_being_written_pays_the_order(shop: Shop) -> None:
    """Her callback arrives while the shop is writing Daraja's answer down (the push row
    locked, its CheckoutRequestID not yet committed): the callback waits for the lock and
    then finds the push by that id, rather than taking it for a stranger's."""
    order_id = shop.order()
    shop.checkout(order_id)
    posted: list[int] = []
    callbacks = ThreadPoolExecutor(max_workers=1)

    def record_then_answer(session: Any, claimed: Any, result: Any, now: datetime) -> None:
        sent.on_done(session, claimed, result, now)
        session.flush()
        checkout_id = str(result["checkout_request_id"])
        posting = callbacks.submit(shop.fake.answer_push, checkout_id, 0)
        posting.add_done_callback(lambda _: posted.append(shop.fake.deliveries[-1][1]))
        _until_a_writer_waits(shop, posting)

    [sent] = [kind for kind in stk_effect_kinds(shop.stk) if kind.name == SEND_EFFECT]
    kinds = [
        replace(kind, on_done=record_then_answer) if kind.name == SEND_EFFECT else kind
        for kind in stk_effect_kinds(shop.stk)
    ]
    ran = EffectRunner(shop.db, kinds, shop.clock).run_due()
    callbacks.shutdown(wait=True)
    assert posted == [200]
    assert ran + shop.run_effects() == 2  # the push, and the query that confirms it
    assert shop.order_status(order_id) == OrderStatus.PAID
    assert shop.sales(order_id) == 1
    assert shop.alerts() == 0
    code = shop.code(order_id)
    [prompted, paid] = shop.told(order_id)  # in the order it happened
    assert prompted == PROMPTED.format(code=code)
    assert PAID.format(code=code) in paid


def _until_a_writer_waits(shop: Shop, posting: Any) -> None:
    """Until the callback waits for the transaction in hand: on PostgreSQL, for a row lock
    (in this test's database: other tests' waits on the same server are not it); SQLite
    lets one writer in at a time, so it waits at its start."""
    engine = shop.db.engine
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not posting.done():
        if engine.dialect.name != "postgresql":
            time.sleep(0.3)
            return
        with engine.connect() as connection:
            waiting = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).scalar()
        if waiting:
            return
        time.sleep(0.01)
    raise AssertionError("the callback never waited for the push's lock")


def test_a_push_whose_answer_was_lost_and_never_found_fails_after_a_while(shop: Shop) -> None:
    order_id = shop.order()
    shop.checkout(order_id)
    shop.fake.hang(STK_PUSH_PATH)
    shop.run_effects()
    shop.fake.release()
    shop.clock.later(timedelta(minutes=6))
    with shop.db() as uow:
        queue_due_queries(uow.session, shop.clock())
        uow.commit()
    push = shop.push(order_id)
    assert (push.status, push.failure) == (StkPushStatus.FAILED, "not_sent")
    assert [event.reason for event in shop.failed] == [PhonePaymentFailure.FAILED]


def test_money_of_a_paid_order_goes_back_by_hand(shop: Shop) -> None:
    """M-Pesa has no refund call here: a community manager sends it back from the M-Pesa
    portal, and `soko admin refund` records what she owes."""
    order_id = shop.order()
    shop.fake.answer_push(shop.pay_and_send(order_id), 0)
    shop.run_effects()
    with shop.db() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        [manager] = uow.session.scalars(
            select(UserRole.user_id).where(UserRole.role == Role.COMMUNITY_MANAGER)
        )
        recorded = refunds_owed.record_by_manager(
            uow.session, order, None, None, manager, shop.clock()
        )
        uow.commit()
    assert recorded.newly
    assert recorded.amount.amount == 210_000 + 50_000  # the piece and its shipping


def test_a_body_too_large_or_not_darajas_is_refused_and_changes_nothing(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    url = callback_url(shop.url, TOKEN)
    assert httpx.post(url, content=b"{" + b" " * 20_000 + b"}", timeout=10).status_code == 413
    assert httpx.post(url, content=b'{"Body": {}}', timeout=10).status_code == 400
    assert shop.run_effects() == 0
    push = shop.push(order_id)
    assert (push.status, push.answered_at) == (StkPushStatus.SENT, None)
    assert shop.fake.pushes[checkout_id].result_code is None


@pytest.mark.parametrize("masked", ["0712***678", "2547XXXXXXXX"])
def test_a_callback_with_her_number_masked_pays_the_order(shop: Shop, masked: str) -> None:
    """Since March 2026 M-Pesa hides payers' numbers from paybills and tills: a number that
    is not whole says nothing against the payer."""
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    callback = shop.fake.answer_push(checkout_id, 0, deliver=0)
    items = callback["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    [phone] = [item for item in items if item["Name"] == "PhoneNumber"]
    phone["Value"] = masked
    assert shop.post(callback).status_code == 200
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.PAID
    assert shop.sales(order_id) == 1
    assert shop.alerts() == 0


def test_a_callback_paid_from_another_whole_number_pays_nothing_and_alerts(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = shop.pay_and_send(order_id)
    callback = shop.fake.answer_push(checkout_id, 0, deliver=0)
    items = callback["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    [phone] = [item for item in items if item["Name"] == "PhoneNumber"]
    phone["Value"] = 254722000111
    assert shop.post(callback).status_code == 200
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.PENDING_PAYMENT
    push = shop.push(order_id)
    assert (push.status, push.failure) == (StkPushStatus.FAILED, "wrong_phone")
    assert shop.sales(order_id) == 0
    assert shop.alerts() == 1


def _timed_out_by_query(shop: Shop, order_id: int) -> str:
    """A prompt the query said timed out (1037), no callback having come."""
    checkout_id = shop.pay_and_send(order_id)
    shop.fake.answer_push(checkout_id, 1037, deliver=0)
    shop.clock.later(timedelta(minutes=3))
    with shop.db() as uow:
        queue_due_queries(uow.session, shop.clock())
        uow.commit()
    shop.run_effects()
    assert shop.push(order_id).failure == "timed_out"
    return checkout_id


def test_a_paid_callback_after_the_query_said_timed_out_pays_the_order(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = _timed_out_by_query(shop, order_id)
    shop.fake.answer_push(checkout_id, 0)  # she paid after all: M-Pesa now says so
    shop.run_effects()  # the query that confirms it
    assert shop.order_status(order_id) == OrderStatus.PAID
    assert shop.sales(order_id) == 1
    assert shop.push(order_id).status == StkPushStatus.PAID


def test_a_paid_callback_for_an_order_closed_meanwhile_is_owed_back(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = _timed_out_by_query(shop, order_id)
    with shop.db() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        orders.cancel_order(uow.session, order.buyer_user_id, order_id, shop.clock())
        uow.commit()
    shop.fake.answer_push(checkout_id, 0)
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.CANCELLED
    owed = shop.count(
        select(func.count())
        .select_from(PaymentEvent)
        .where(PaymentEvent.order_id == order_id, PaymentEvent.event_type == "soko.refund_owed")
    )
    assert owed == 1


def test_a_paid_callback_for_a_closed_push_m_pesa_denies_pays_nothing(shop: Shop) -> None:
    order_id = shop.order()
    checkout_id = _timed_out_by_query(shop, order_id)
    callback = stk_callback(shop.fake.pushes[checkout_id], 0)  # M-Pesa still says 1037
    assert shop.post(callback).status_code == 200
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.PENDING_PAYMENT
    assert shop.sales(order_id) == 0
    assert shop.alerts() == 1


def _lost_push_paid(shop: Shop, order_id: int, phone: str | int) -> dict[str, Any]:
    """A push Daraja took but whose answer was lost, paid: its callback, its number shown
    as `phone`, not delivered yet."""
    shop.checkout(order_id)
    shop.fake.hang(STK_PUSH_PATH)
    shop.run_effects()
    shop.fake.release()
    checkout_id = shop.wait_for_push(order_id)
    callback = shop.fake.answer_push(checkout_id, 0, deliver=0)
    items = callback["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    [shown] = [item for item in items if item["Name"] == "PhoneNumber"]
    shown["Value"] = phone
    return callback


@pytest.mark.parametrize("masked", ["2547******78", "0712XXXXXX", "0712***678"])
def test_a_lost_push_is_matched_by_a_callback_with_her_number_masked(
    shop: Shop, masked: str
) -> None:
    order_id = shop.order()
    callback = _lost_push_paid(shop, order_id, masked)
    assert shop.post(callback).status_code == 200
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.PAID
    assert shop.sales(order_id) == 1


@pytest.mark.parametrize("masked", ["2547******99", "0722XXXXXX"])
def test_a_masked_number_that_is_not_hers_matches_no_lost_push(shop: Shop, masked: str) -> None:
    order_id = shop.order()
    callback = _lost_push_paid(shop, order_id, masked)
    assert shop.post(callback).status_code == 200
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.PENDING_PAYMENT
    assert shop.push(order_id).checkout_request_id is None
    assert shop.alerts() == 1


def test_a_lost_push_given_up_then_paid_pays_the_order(shop: Shop) -> None:
    order_id = shop.order()
    callback = _lost_push_paid(shop, order_id, "2547******78")
    shop.clock.later(timedelta(minutes=6))
    with shop.db() as uow:
        queue_due_queries(uow.session, shop.clock())  # gives it up: "not_sent"
        uow.commit()
    assert shop.push(order_id).failure == "not_sent"
    assert shop.post(callback).status_code == 200  # the callback, late
    shop.run_effects()
    assert shop.order_status(order_id) == OrderStatus.PAID
    assert shop.sales(order_id) == 1
