"""Payouts by M-Pesa B2C on both databases: a run queues, the effect runner calls the fake
Daraja with the real client, M-Pesa's result comes to the shop's webhook (served for real),
and the ledger, the artisan and the community managers see what a person would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from bot.domain_events import subscribe_handlers
from conversations.notify.templates import UtilityTemplate
from handlers.mpesa.payouts import payout_webhook_routes
from payments.mpesa import payouts
from payments.mpesa.client import B2C_PATH, DarajaClient
from payments.mpesa.errors import MalformedDarajaBody
from payments.mpesa.payout_effects import payout_effect_kinds
from payments.mpesa.payouts import Queued, Skip, Skipped
from store.effect_runner import EffectRunner
from store.models import (
    Artisan,
    LedgerTransaction,
    MpesaPayout,
    MpesaPayoutStatus,
    OutboxMessage,
    Role,
    TransactionKind,
    User,
)
from store.money import Money
from store.services import ledger
from store.uow import UnitOfWorkFactory
from tests.e2e.soko_process import wait_until
from tests.factories import (
    deliver_order,
    make_artisan,
    make_paid_order,
    make_product,
    make_user,
)
from tests.fakes import daraja_api
from tests.fakes.daraja_api import FakeDaraja
from tests.fakes.serving import serve_app
from tests.integration.payments.mpesa.test_daraja_client import config_for

TOKEN = "payout-callback-token-0123456789abcdef"
START = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)  # Friday 10:00 in Nairobi
MINIMUM = 10_000  # KES 100


def sw(minor: int) -> str:
    return Money(minor, "KES").format("sw")


@pytest.fixture(scope="module")
def daraja() -> Iterator[tuple[FakeDaraja, str]]:
    fake = FakeDaraja.make()
    with daraja_api.serve(fake) as url:
        yield fake, url


@dataclass
class Shop:
    uow_factory: UnitOfWorkFactory
    fake: FakeDaraja
    client: DarajaClient
    url: str = ""
    now: list[datetime] = field(default_factory=lambda: [START])
    artisan_id: int = 0
    slug: str = ""
    artisan_user_id: int = 0
    manager_id: int = 0
    refused: list[str] = field(default_factory=list)  # calls refused for their token
    client_url: str = ""  # the fake Daraja's
    seen: int = 0  # outbox rows before the payouts (her piece delivered, and so on)

    def clock(self) -> datetime:
        return self.now[0]

    def later(self, minutes: int) -> None:
        self.now[0] += timedelta(minutes=minutes)

    def runner(self) -> EffectRunner:
        urls = payouts.payout_urls(self.url, TOKEN)
        kinds = payout_effect_kinds(self.client, urls, self.uow_factory)
        return EffectRunner(self.uow_factory, kinds, self.clock)

    def run(self, *slugs: str) -> list[Queued | Skipped]:
        """`soko admin payouts --send`: queue, commit, then send what is due."""
        with self.uow_factory() as uow:
            outcomes = payouts.send_payouts(
                uow.session, currency="KES", minimum_minor=MINIMUM, now=self.clock(), slugs=slugs
            )
            uow.commit()
        self.runner().run_due()
        return outcomes

    def request(self) -> MpesaPayout:
        with self.uow_factory(read_only=True) as uow:
            rows = uow.session.scalars(select(MpesaPayout).order_by(MpesaPayout.id)).all()
            uow.session.expunge_all()
        assert rows, "no payout was queued"
        return rows[-1]

    def available(self) -> Money:
        with self.uow_factory(read_only=True) as uow:
            return ledger.available_balance(uow.session, self.artisan_id, "KES")

    def payouts_in_ledger(self) -> int:
        with self.uow_factory(read_only=True) as uow:
            return int(
                uow.session.scalar(
                    select(func.count())
                    .select_from(LedgerTransaction)
                    .where(LedgerTransaction.kind == TransactionKind.PAYOUT)
                )
                or 0
            )

    def texts(self, user_id: int) -> list[str]:
        with self.uow_factory(read_only=True) as uow:
            rows = uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.user_id == user_id, OutboxMessage.id > self.seen)
                .order_by(OutboxMessage.id)
            )
            return [str(row.payload.get("text", "")) for row in rows]


@pytest.fixture
def shop(uow_factory: UnitOfWorkFactory, daraja: tuple[FakeDaraja, str]) -> Iterator[Shop]:
    subscribe_handlers()
    fake, url = daraja
    with DarajaClient(config_for(url, fake), sleep=lambda _: None) as client:
        made = Shop(uow_factory, fake, client, client_url=url)
        with uow_factory() as uow:
            s = uow.session
            artisan = make_artisan(s, "Wanjiru", locale="sw")
            buyer = make_user(s)
            manager = make_user(s, "Owner", roles=(Role.COMMUNITY_MANAGER,))
            product = make_product(s, artisan, price_minor=250_000, stock=2)
            order = make_paid_order(s, buyer, [(product, 1)], provider="mpesa")
            ledger.record_sale(s, order)
            deliver_order(s, order, made.clock())
            uow.commit()
            made.seen = s.scalar(select(func.max(OutboxMessage.id))) or 0
            made.artisan_id, made.slug = artisan.id, artisan.slug
            made.artisan_user_id, made.manager_id = artisan.user_id, manager.id
        routes = payout_webhook_routes(
            uow_factory, TOKEN, made.clock, lambda: made.refused.append("token")
        )
        app = Starlette(routes=routes)
        with serve_app(app) as served:
            made.url = served
            yield made
    fake.release()
    fake.failing.clear()


# --- a run, and M-Pesa's answers ----------------------------------------------------------


def test_a_paid_payout_is_in_the_ledger_with_its_receipt_and_she_is_told(shop: Shop) -> None:
    owed = shop.available()
    assert owed == Money(225_000, "KES")  # her share of KES 2,500

    [queued] = shop.run()
    assert queued == Queued(shop.slug, owed, queued.phone, queued.originator_id)
    sent = shop.fake.payouts[queued.originator_id].body
    assert (sent["CommandID"], sent["Amount"]) == ("BusinessPayment", 2250)
    assert sent["ResultURL"] == f"{shop.url}/webhooks/mpesa/b2c/{TOKEN}/result"
    assert shop.request().status == MpesaPayoutStatus.SENT
    assert shop.payouts_in_ledger() == 0  # nothing is paid until M-Pesa says so
    assert shop.available() == Money(0, "KES")  # in flight: not for another payout

    result = shop.fake.answer_payout(queued.originator_id, 0)
    receipt = result["Result"]["TransactionID"]
    request = shop.request()
    assert (request.status, request.receipt) == (MpesaPayoutStatus.PAID, receipt)
    assert shop.payouts_in_ledger() == 1
    assert shop.available() == Money(0, "KES")
    told = shop.texts(shop.artisan_user_id)
    assert told == [
        f"Tumekutumia {sw(225_000)} kwa M-Pesa, 4 Des, 10:00 (msimbo wa M-Pesa {receipt}). "
        f"Salio lako sasa ni {sw(0)}. Asante!"
    ]

    # M-Pesa delivers the same result again: nothing more.
    shop.fake._post(sent["ResultURL"], result)
    assert shop.payouts_in_ledger() == 1
    assert len(shop.texts(shop.artisan_user_id)) == 1


def test_the_same_run_twice_pays_once(shop: Shop) -> None:
    first = shop.run()
    second = shop.run()
    assert [type(o) for o in first] == [Queued]
    assert second == [Skipped(shop.slug, Skip.IN_FLIGHT, Money(0, "KES"))]
    with shop.uow_factory(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(MpesaPayout)) == 1


def test_two_runs_at_once_queue_one_payout(shop: Shop) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[list[Queued | Skipped]] = []

    def run() -> None:
        barrier.wait()
        with shop.uow_factory() as uow:
            outcomes.append(
                payouts.send_payouts(
                    uow.session, currency="KES", minimum_minor=MINIMUM, now=START, slugs=[shop.slug]
                )
            )
            uow.commit()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queued = [o for found in outcomes for o in found if isinstance(o, Queued)]
    assert len(queued) == 1
    assert shop.available() == Money(0, "KES")


def test_a_wrong_number_tells_the_managers_and_her_money_stays(shop: Shop) -> None:
    [queued] = shop.run()
    shop.fake.answer_payout(queued.originator_id, 2040)

    request = shop.request()
    assert (request.status, request.result_code) == (MpesaPayoutStatus.FAILED, 2040)
    assert shop.payouts_in_ledger() == 0
    assert shop.available() == Money(225_000, "KES")
    [alert] = shop.texts(shop.manager_id)
    assert Money(225_000, "KES").format("en") in alert
    assert "not an M-Pesa number" in alert
    assert f"soko admin payouts --send {shop.slug}" in alert
    assert shop.texts(shop.artisan_user_id) == []


def test_a_payout_failed_then_paid_tells_the_managers_not_to_resend(shop: Shop) -> None:
    [queued] = shop.run()
    shop.fake.answer_payout(queued.originator_id, 2040)  # failed: managers told
    shop.fake.answer_payout(queued.originator_id, 0)  # M-Pesa paid it after all
    assert shop.request().status == MpesaPayoutStatus.PAID
    assert shop.payouts_in_ledger() == 1
    [failed, paid_after_all] = shop.texts(shop.manager_id)
    assert "did not go through" in failed
    assert "paid after all" in paid_after_all
    assert shop.request().receipt in paid_after_all
    assert "Do not send it again" in paid_after_all
    assert len(shop.texts(shop.artisan_user_id)) == 1  # her notice, with the receipt


def test_a_busy_m_pesa_is_asked_again_later_under_the_same_id(shop: Shop) -> None:
    [queued] = shop.run()
    shop.fake.answer_payout(queued.originator_id, 26)
    assert shop.request().status == MpesaPayoutStatus.QUEUED
    assert shop.available() == Money(0, "KES")  # still spoken for
    calls = shop.fake.calls(B2C_PATH)

    shop.runner().run_due()
    assert shop.fake.calls(B2C_PATH) == calls  # not before ten minutes
    shop.later(11)
    shop.runner().run_due()
    assert shop.fake.calls(B2C_PATH) == calls + 1
    shop.fake.answer_payout(queued.originator_id, 0)
    assert shop.request().status == MpesaPayoutStatus.PAID
    assert shop.payouts_in_ledger() == 1


def test_no_result_is_settled_by_a_status_query_ten_minutes_on(shop: Shop) -> None:
    [queued] = shop.run()
    with shop.uow_factory() as uow:
        assert payouts.due_for_query(uow.session, shop.clock()) == 0
        uow.commit()
    shop.later(11)
    with shop.uow_factory() as uow:
        assert payouts.due_for_query(uow.session, shop.clock()) == 1
        uow.commit()
    shop.runner().run_due()
    query = shop.fake.status_queries[-1].body
    assert query["OriginalConversationID"] == queued.originator_id
    status_url = f"{shop.url}/webhooks/mpesa/b2c/{TOKEN}/status/{queued.originator_id}"
    assert query["ResultURL"] == status_url

    shop.fake.answer_status(-1)  # M-Pesa carried it out: Completed, with its receipt
    request = shop.request()
    assert request.status == MpesaPayoutStatus.PAID
    assert request.receipt == shop.fake.payouts[queued.originator_id].receipt
    assert shop.payouts_in_ledger() == 1
    assert len(shop.texts(shop.artisan_user_id)) == 1


def _asked_about(shop: Shop) -> Queued:
    [queued] = shop.run()
    assert isinstance(queued, Queued)
    shop.later(11)
    with shop.uow_factory() as uow:
        payouts.due_for_query(uow.session, shop.clock())
        uow.commit()
    shop.runner().run_due()
    return queued


def test_a_status_query_that_worked_about_a_failed_payout_pays_nothing(shop: Shop) -> None:
    _asked_about(shop)
    shop.fake.answer_status(-1, "Failed")  # ResultCode 0: the QUERY worked
    assert shop.request().status == MpesaPayoutStatus.UNKNOWN  # held, not sent again
    assert shop.payouts_in_ledger() == 0
    assert shop.texts(shop.artisan_user_id) == []
    [alert] = shop.texts(shop.manager_id)
    assert Money(225_000, "KES").format("en") in alert


def test_a_completed_status_with_another_amount_pays_nothing(shop: Shop) -> None:
    queued = _asked_about(shop)
    shop.fake.payouts[queued.originator_id].body["Amount"] = 1
    shop.fake.answer_status(-1)
    assert shop.request().status == MpesaPayoutStatus.UNKNOWN
    assert shop.payouts_in_ledger() == 0
    assert len(shop.texts(shop.manager_id)) == 1


def test_a_refused_status_query_tells_the_managers(shop: Shop) -> None:
    shop.run()
    shop.later(11)
    with shop.uow_factory() as uow:
        payouts.due_for_query(uow.session, shop.clock())
        uow.commit()
    shop.fake.fail_next("/mpesa/transactionstatus/v1/query", 400)
    shop.runner().run_due()
    assert shop.request().status == MpesaPayoutStatus.UNKNOWN  # held, not sent again
    [alert] = shop.texts(shop.manager_id)
    assert Money(225_000, "KES").format("en") in alert


def test_a_lost_answer_is_never_sent_again_before_a_query_says(shop: Shop) -> None:
    calls = shop.fake.calls(B2C_PATH)
    shop.fake.hang(B2C_PATH)  # Daraja takes it, the answer is lost
    [queued] = shop.run()
    shop.fake.release()
    wait_until(lambda: queued.originator_id in shop.fake.payouts, what="the held request")
    request = shop.request()
    assert request.status == MpesaPayoutStatus.UNKNOWN
    assert shop.fake.calls(B2C_PATH) == calls + 1
    shop.later(30)
    shop.runner().run_due()
    assert shop.fake.calls(B2C_PATH) == calls + 1  # not sent again
    with shop.uow_factory() as uow:
        payouts.due_for_query(uow.session, shop.clock())
        uow.commit()
    shop.runner().run_due()
    shop.fake.answer_status(-1)  # the held request was carried out: paid
    assert shop.request().status == MpesaPayoutStatus.PAID
    assert shop.fake.calls(B2C_PATH) == calls + 1
    assert shop.payouts_in_ledger() == 1


def test_a_query_that_finds_nothing_sends_it_again(shop: Shop) -> None:
    shop.fake.fail_next(B2C_PATH, 500)  # refused unseen, but it may have been taken
    [queued] = shop.run()
    assert shop.request().status == MpesaPayoutStatus.UNKNOWN
    shop.later(11)
    with shop.uow_factory() as uow:
        payouts.due_for_query(uow.session, shop.clock())
        uow.commit()
    shop.runner().run_due()
    shop.fake.answer_status(-1)  # M-Pesa has no such payout
    assert shop.request().status == MpesaPayoutStatus.QUEUED
    shop.runner().run_due()
    assert shop.request().status == MpesaPayoutStatus.SENT
    shop.fake.answer_payout(queued.originator_id, 0)
    assert shop.request().status == MpesaPayoutStatus.PAID
    assert shop.payouts_in_ledger() == 1


def test_a_queue_timeout_waits_for_the_status_query(shop: Shop) -> None:
    [queued] = shop.run()
    shop.fake.answer_payout(queued.originator_id, 0, timeout=True)
    assert shop.request().status == MpesaPayoutStatus.UNKNOWN
    assert shop.payouts_in_ledger() == 0
    assert shop.available() == Money(0, "KES")


def test_below_the_minimum_or_without_a_number_nothing_is_sent(shop: Shop) -> None:
    calls = shop.fake.calls(B2C_PATH)
    with shop.uow_factory() as uow:
        artisan = uow.session.get(Artisan, shop.artisan_id)
        assert artisan is not None
        artisan.mpesa_phone = "+4915112345678"
        uow.commit()
    assert shop.run() == [Skipped(shop.slug, Skip.NOT_MPESA, Money(225_000, "KES"))]
    with shop.uow_factory() as uow:
        poor = make_artisan(uow.session)
        uow.commit()
        slug = poor.slug
    assert shop.run(slug) == [Skipped(slug, Skip.BELOW_MINIMUM, Money(0, "KES"))]
    assert shop.fake.calls(B2C_PATH) == calls


# --- the webhook: who may post --------------------------------------------------------------


def _post(shop: Shop, path: str, body: Any) -> httpx.Response:
    return httpx.post(f"{shop.url}{path}", json=body, timeout=10)


def test_a_wrong_token_is_refused_before_anything_is_read(shop: Shop) -> None:
    [queued] = shop.run()
    result = daraja_api.b2c_result(shop.fake.payouts[queued.originator_id], queued.originator_id, 0)
    answer = _post(shop, "/webhooks/mpesa/b2c/not-the-token/result", result)
    assert answer.status_code == 404
    assert shop.refused == ["token"]  # counted in /metrics
    assert shop.request().status == MpesaPayoutStatus.SENT
    assert shop.payouts_in_ledger() == 0


def test_a_result_for_no_payout_of_ours_changes_nothing_and_alerts(shop: Shop) -> None:
    [queued] = shop.run()
    forged = daraja_api.b2c_result(shop.fake.payouts[queued.originator_id], "soko-forged", 0)
    answer = _post(shop, f"/webhooks/mpesa/b2c/{TOKEN}/result", forged)
    assert answer.status_code == 200
    assert shop.request().status == MpesaPayoutStatus.SENT
    assert shop.payouts_in_ledger() == 0
    [alert] = shop.texts(shop.manager_id)
    assert "never sent" in alert


def test_a_body_that_is_not_a_result_or_too_big_is_refused(shop: Shop) -> None:
    assert _post(shop, f"/webhooks/mpesa/b2c/{TOKEN}/result", {"Body": {}}).status_code == 400
    huge = {"Result": {"ResultDesc": "x" * 100_000}}
    assert _post(shop, f"/webhooks/mpesa/b2c/{TOKEN}/result", huge).status_code == 413


def test_her_balance_after_a_payout_counts_a_new_sale(shop: Shop) -> None:
    [queued] = shop.run()
    with shop.uow_factory() as uow:
        artisan = uow.session.get(Artisan, shop.artisan_id)
        buyer = uow.session.scalars(select(User).where(User.display_name != "Owner")).first()
        assert artisan is not None
        assert buyer is not None
        product = make_product(uow.session, artisan, price_minor=100_000, stock=1)
        order = make_paid_order(uow.session, buyer, [(product, 1)])
        ledger.record_sale(uow.session, order)
        deliver_order(uow.session, order, shop.clock())
        uow.commit()
        shop.seen = uow.session.scalar(select(func.max(OutboxMessage.id))) or 0
    assert shop.available() == Money(90_000, "KES")  # the new sale only
    shop.fake.answer_payout(queued.originator_id, 0)
    assert shop.available() == Money(90_000, "KES")
    assert f"Salio lako sasa ni {sw(90_000)}." in shop.texts(shop.artisan_user_id)[0]


def test_an_answer_daraja_garbled_is_unknown_not_failed(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Daraja answered 200 with a body not its own: it took the request, so the money stays
    in flight until a status query says what became of it."""

    def garbled(request: object) -> object:
        raise MalformedDarajaBody("Daraja's answer has no ConversationID")

    monkeypatch.setattr(shop.client, "b2c", garbled)
    shop.run()
    assert shop.request().status == MpesaPayoutStatus.UNKNOWN
    assert shop.available() == Money(0, "KES")
    assert shop.texts(shop.manager_id) == []


def test_her_payout_notice_may_travel_as_its_whatsapp_template(shop: Shop) -> None:
    """Paid on a Friday, days after she last wrote: WhatsApp's window is closed, and the
    notice goes as the approved `payout_sent` template rather than waiting for her."""
    [queued] = shop.run()
    shop.fake.answer_payout(queued.originator_id, 0)
    with shop.uow_factory(read_only=True) as uow:
        [notice] = uow.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.user_id == shop.artisan_user_id, OutboxMessage.id > shop.seen
            )
        ).all()
        assert notice.template == UtilityTemplate.PAYOUT_SENT


def test_money_in_flight_cannot_be_recorded_as_paid_by_hand_too(shop: Shop) -> None:
    shop.run()
    with shop.uow_factory() as uow, pytest.raises(ledger.InsufficientBalance):
        ledger.record_payout(
            uow.session,
            shop.artisan_id,
            Money(225_000, "KES"),
            "SFG7XK2PQ1",
            shop.manager_id,
            START,
        )


def test_a_request_daraja_refuses_fails_and_the_managers_are_told(shop: Shop) -> None:
    with shop.uow_factory() as uow:
        artisan = uow.session.get(Artisan, shop.artisan_id)
        assert artisan is not None
        slug = artisan.slug
    with DarajaClient(replace(config_for(shop.client_url, shop.fake), initiator_name="")) as broken:
        shop.client = broken
        shop.run()
    request = shop.request()
    assert request.status == MpesaPayoutStatus.FAILED
    assert "initiator" in request.result_desc
    assert shop.available() == Money(225_000, "KES")
    [alert] = shop.texts(shop.manager_id)
    assert "M-Pesa refused it" in alert
    assert f"soko admin payouts --send {slug}" in alert


def test_a_success_after_m_pesa_gave_up_is_still_recorded_so_she_is_not_paid_twice(
    shop: Shop,
) -> None:
    [queued] = shop.run()
    with shop.uow_factory() as uow:  # M-Pesa was busy every time it was asked
        request = payouts.by_originator(uow.session, queued.originator_id, lock=True)
        assert request is not None
        request.attempts = payouts.MOST_ATTEMPTS
        uow.commit()
    shop.fake.answer_payout(queued.originator_id, 17)
    assert shop.request().status == MpesaPayoutStatus.FAILED
    assert shop.available() == Money(225_000, "KES")

    # One of the earlier attempts went through after all: M-Pesa paid her.
    result = shop.fake.answer_payout(queued.originator_id, 0)

    request = shop.request()
    assert (request.status, request.receipt) == (
        MpesaPayoutStatus.PAID,
        result["Result"]["TransactionID"],
    )
    assert shop.payouts_in_ledger() == 1
    assert shop.available() == Money(0, "KES")  # the next run does not pay her again
