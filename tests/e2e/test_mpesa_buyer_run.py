"""A Kenyan buyer pays by M-Pesa, from an empty database, on both databases.

`soko run` runs as a process on the fake Telegram, Stripe and Daraja, with the operator's
settings only. An artisan lists pieces on Telegram and the owner (a community manager by her
number) approves them; Achieng, who writes in Swahili, buys each and pays with M-Pesa at the
number she types. The fake Daraja plays her phone and Safaricom's callbacks:

- she cancels the first prompt (1032): told in Swahili, she taps "Try again" and pays; the
  success callback comes ten times at once: one payment, one ledger sale;
- the second prompt's callback never comes: `soko admin reconcile` asks Daraja (what the
  scheduler's query job does two minutes after a push) and the order is paid;
- a callback with a wrong token, one for a push the shop never sent, and one paying the
  wrong amount change nothing, and community managers are alerted;
- a last callback never comes and nobody reconciles: the scheduler's query job, run as
  `soko scheduler` would run it three minutes later, pays the order;
- Daraja answers a push 503 (it may have taken it): she is told kindly M-Pesa has not
  confirmed the request reached her phone, never that it was sent, and, when the query job
  (run as six minutes later) gives it up, that it could not be sent, with "Try again".

At checkout she is told the request is being sent; once Daraja takes it, that it is on her
phone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from bot.container import Container
from bot.effects import effect_runner
from bot.jobs import scheduled_jobs
from bot.mpesa_wiring import daraja_client
from bot.plugin import ChannelPasses
from bot.settings import Settings
from conversations.flows.checkout import PLACED
from conversations.i18n import Translator
from payments.mpesa.client import STK_PUSH_PATH
from store.models.types import utcnow
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.running_shop import RunningShop, running_shop
from tests.e2e.soko_process import soko, wait_until
from tests.e2e.test_zero_to_sale import has, list_a_necklace, open_shop_on_telegram
from tests.fakes import daraja_api
from tests.fakes.daraja_api import FakeDaraja

pytestmark = pytest.mark.slow

OWNER_PHONE = "+254711000001"
WANJIRU_PHONE = "+254733000003"
ACHIENG_NUMBER = "0712 345 678"  # as she types it
TOKEN = "e2e-callback-token-" + "k" * 24
EN, SW = Translator("en"), Translator("sw")


def mpesa_settings(daraja_url: str) -> dict[str, str]:
    return {
        "MPESA_API_BASE_URL": daraja_url,
        "MPESA_CONSUMER_KEY": daraja_api.CONSUMER_KEY,
        "MPESA_CONSUMER_SECRET": daraja_api.CONSUMER_SECRET,
        "MPESA_SHORTCODE": daraja_api.SHORTCODE,
        "MPESA_PASSKEY": daraja_api.PASSKEY,
        "MPESA_CALLBACK_TOKEN": TOKEN,
    }


class Shop:
    def __init__(self, running: RunningShop, daraja: FakeDaraja, daraja_url: str) -> None:
        self.running = running
        self.env, self.database, self.run = running.env, running.database, running.run
        self.daraja, self.daraja_url = daraja, daraja_url
        self.owner = running.on_telegram("Grace Mutua", 5101, "en")
        self.wanjiru = running.on_telegram("Wanjiru", 5102, "sw")
        self.achieng = running.on_telegram("Achieng Odhiambo", 5103, "sw")

    def push_of(self, order_code: str, after: int = 0) -> str:
        """The CheckoutRequestID of the order's latest push Daraja received (after `after`
        of them)."""

        def pushes() -> list[str]:
            return [
                checkout_id
                for checkout_id, push in list(self.daraja.pushes.items())
                if push.body["AccountReference"] == order_code
            ]

        wait_until(lambda: len(pushes()) > after, what=f"a push for {order_code}")
        return pushes()[-1]

    def order(self, code: str) -> tuple[str, int]:
        [(status, order_id)] = self.database.query(
            "SELECT status, id FROM orders WHERE code = :code", code=code
        )
        return str(status), int(order_id)

    def sales(self, code: str) -> int:
        _, order_id = self.order(code)
        rows = self.database.query(
            "SELECT count(*) FROM ledger_transactions WHERE order_id = :id", id=order_id
        )
        return int(rows[0][0])

    def query_job_minutes_later(self, minutes: int) -> None:
        """The scheduler's query job and the effects it records, run in this process as
        `soko scheduler` would run them `minutes` from now (no waiting)."""
        later = utcnow() + timedelta(minutes=minutes)
        settings = {name.lower(): value for name, value in mpesa_settings(self.daraja_url).items()}
        container = Container(
            Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=self.env.database_url,
                public_base_url=self.env.url,
                **settings,
            )
        )
        try:
            jobs = scheduled_jobs(container, ChannelPasses(), clock=lambda: later)
            [job] = [job for job in jobs if job.id == "query_mpesa_pushes"]
            job.run()
            effect_runner(container, clock=lambda: later).run_due()
        finally:
            daraja_client(container).close()
            container.close()

    def notices_for(self, person: TelegramPerson, key_prefix: str) -> list[str]:
        """The texts (and their buttons' words) of her notices whose dedupe key starts with
        `key_prefix`, as the shop queued them, sent or not yet due."""
        rows = self.database.query(
            "SELECT payload FROM outbox WHERE platform_user_id = :them"
            " AND dedupe_key LIKE :key ORDER BY id",
            them=str(person.telegram_id),
            key=key_prefix + "%",
        )
        payloads = [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]
        return [
            "\n".join([payload["text"], *(choice["label"] for choice in payload["choices"])])
            for payload in payloads
        ]

    def post_callback(self, body: dict[str, Any], token: str = TOKEN) -> httpx.Response:
        url = f"{self.env.url}/webhooks/mpesa/stk/{token}"
        return httpx.post(url, content=json.dumps(body), timeout=10)


def on_her_phone(code: str) -> str:
    """The start of her notice that the push for order `code` is on her phone."""
    return f"Tumetuma ombi la malipo ya oda {code} kwa simu yako 0712 345678."


def everything_sent_to(person: TelegramPerson) -> list[str]:
    """Every message she was sent, read or not, each with its buttons' words."""
    return [
        "\n".join(
            [str(call.params.get("text", ""))]
            + [
                str(button["text"])
                for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
                for button in row
            ]
        )
        for call in person.fake.sent_to(person.telegram_id)
    ]


def sent_to_her(person: TelegramPerson, words: str) -> str:
    """The message she was sent that says `words`, once it is sent (a notice may come with
    the answer to her last message, or after it)."""
    wait_until(lambda: has(everything_sent_to(person), words), what=f"{words!r} sent")
    return next(message for message in everything_sent_to(person) if words in message)


def placed_code(messages: list[str]) -> str:
    """The code in "Order {code} is placed…", in her language (a notice that her previous
    unpaid order is replaced may come first)."""
    head, tail = SW._(PLACED).split("{code}")
    pattern = re.escape(head) + r"(\S+)" + re.escape(tail.split("{")[0])
    [code] = [found.group(1) for message in messages if (found := re.match(pattern, message))]
    return code


def tap_starting(person: TelegramPerson, prefix: str) -> list[str]:
    """Tap the latest button whose words begin with `prefix` (its amount follows)."""
    labels = [button["text"] for button in person.buttons() if "callback_data" in button]
    return person.tap(next(label for label in reversed(labels) if label.startswith(prefix)))


@contextmanager
def mpesa_shop(tmp_path: Path, database_url: str) -> Iterator[Shop]:
    daraja = FakeDaraja.make()
    with (
        daraja_api.serve(daraja) as daraja_url,
        running_shop(
            tmp_path, with_stripe=True, DATABASE_URL=database_url, **mpesa_settings(daraja_url)
        ) as running,
    ):
        yield Shop(running, daraja, daraja_url)


def pieces_listed_and_approved(shop: Shop, titles: list[str]) -> None:
    owner, wanjiru = shop.owner, shop.wanjiru
    owner.say("/start")
    assert has(owner.share_own_contact(OWNER_PHONE.removeprefix("+")), EN._("Review listings"))
    wanjiru.say("/start")
    wanjiru.tap("Kiswahili")
    wanjiru.tap(SW._("Sell your jewelry"))
    open_shop_on_telegram(wanjiru, "Vito vya Wanjiru", WANJIRU_PHONE)
    for seed, title in enumerate(titles):
        list_a_necklace(wanjiru, title, "1500", seed=10 * seed + 1)
    owner.say("menu")
    owner.tap(EN._("Review listings"))
    for _ in titles:
        assert has(owner.tap(EN._("Approve")), "Approved: ")


def achieng_orders(shop: Shop, title: str, first: bool = False) -> str:
    """She finds the piece, orders it to Nairobi and picks M-Pesa at her number: the order's
    code, once she is told to confirm on her phone."""
    achieng = shop.achieng
    if first:
        achieng.say("/start")
        achieng.tap("Kiswahili")
    else:
        achieng.say("menu")
    achieng.tap(SW._("Search"))
    achieng.say(title.split()[-1])
    achieng.say("1")
    achieng.tap(SW._("Add to cart"))
    achieng.tap(SW._("Checkout"))
    if first:
        achieng.say("Achieng Odhiambo")
        achieng.say("Moi Avenue 12, Nairobi")
        summary = achieng.say("Kenya")
    else:
        summary = achieng.tap(SW._("Yes, same address"))
    assert has(summary, "M-Pesa"), summary
    asked = tap_starting(achieng, SW._("Pay with M-Pesa · {amount}").split("{")[0])
    assert has(asked, SW._("Which {method} number should we charge?").format(method="M-Pesa"))
    placed = achieng.say(ACHIENG_NUMBER)
    code = placed_code(placed)
    assert has(placed, "Tunatuma ombi la malipo ya Ksh"), placed  # being sent, not sent
    assert has(placed, "kwa simu yako 0712 345678… Nitakujulisha hapa likifika."), placed
    return code


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_kenyan_buyer_pays_by_mpesa(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    url = engine.url.render_as_string(hide_password=False)
    with mpesa_shop(tmp_path, url) as shop:
        pieces_listed_and_approved(
            shop, ["Mkufu wa shaba", "Mkufu wa pembe", "Mkufu wa kioo", "Mkufu wa mfupa"]
        )
        achieng, owner = shop.achieng, shop.owner

        # 1. She cancels the prompt, is told why in Swahili, tries again and pays.
        code = achieng_orders(shop, "Mkufu wa shaba", first=True)
        sent_to_her(achieng, on_her_phone(code))  # once Daraja took the push
        shop.daraja.answer_push(shop.push_of(code), 1032)
        cancelled = achieng.told(
            SW._(
                "The payment request for order {code} was cancelled on your phone {phone}."
            ).format(code=code, phone="0712 345678")
        )
        assert has(cancelled, SW._("Try again"))
        achieng.tap(SW._("Try again"))
        again = shop.push_of(code, after=1)
        shop.daraja.answer_push(again, 0, deliver=0)
        with ThreadPoolExecutor(10) as pool:  # Daraja delivers the success ten times at once
            delivered = list(pool.map(lambda _: shop.daraja.deliver_push(again), range(10)))
        assert delivered == [[200]] * 10
        achieng.told(SW._("Payment received for {code}. Thank you!").format(code=code))
        shop.wanjiru.told(f"Oda mpya {code}")
        assert shop.order(code)[0] == "paid"
        assert shop.sales(code) == 1

        # 2. The callback never comes: the query job finds the payment.
        code = achieng_orders(shop, "Mkufu wa pembe")
        shop.daraja.answer_push(shop.push_of(code), 0, deliver=0)
        # The operator's reconcile asks Daraja now (the scheduler's job does the same for
        # pushes unanswered 2 minutes after they were sent: it would pay it a minute later).
        reconciled = soko(shop.env, "admin", "reconcile")
        assert reconciled.returncode == 0, reconciled.stderr
        assert f"paid: {code}" in reconciled.stdout
        achieng.told(SW._("Payment received for {code}. Thank you!").format(code=code))
        assert shop.sales(code) == 1

        # 3. Callbacks the shop must not trust change nothing, and managers are alerted.
        code = achieng_orders(shop, "Mkufu wa kioo")
        checkout_id = shop.push_of(code)
        callback = shop.daraja.answer_push(checkout_id, 0, deliver=0)
        assert shop.post_callback(callback, token="not-the-token-" + "x" * 30).status_code == 404
        owner.told("Soko alert: an M-Pesa message was not trusted")
        unknown = json.loads(json.dumps(callback))
        unknown["Body"]["stkCallback"]["CheckoutRequestID"] = "ws_CO_not_ours"
        assert shop.post_callback(unknown).json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
        run = shop.run
        wait_until(lambda: "M-Pesa: unknown_push" in run.logged(), what="the doubt logged")
        wrong = json.loads(json.dumps(callback))
        wrong["Body"]["stkCallback"]["CallbackMetadata"]["Item"][0]["Value"] = 1.0
        assert shop.post_callback(wrong).status_code == 200
        owner.told(f"paid for order {code} must be sent back by hand")
        assert shop.order(code)[0] == "pending_payment"
        assert shop.sales(code) == 0

        # 4. Another callback never comes, and nobody runs reconcile: the scheduler's query
        # job, two minutes after the push, pays the order (her notice is written for then).
        code = achieng_orders(shop, "Mkufu wa mfupa")
        shop.daraja.answer_push(shop.push_of(code), 0, deliver=0)
        shop.query_job_minutes_later(1)  # too soon: nothing asked
        assert shop.order(code)[0] == "pending_payment"
        shop.query_job_minutes_later(3)
        assert shop.order(code)[0] == "paid"
        assert shop.sales(code) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_push_daraja_answers_503_is_never_said_to_be_sent(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Daraja answers the push 503: it may have reached her phone, so it is never sent
    again. She is told kindly M-Pesa has not confirmed it reached her phone, never that it
    was sent; when the scheduler's query job gives it up (run as it would run six minutes
    later) she is told it could not be sent, and may try again."""
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    url = engine.url.render_as_string(hide_password=False)
    with mpesa_shop(tmp_path, url) as shop:
        pieces_listed_and_approved(shop, ["Mkufu wa aluminiamu"])
        achieng = shop.achieng
        shop.daraja.fail_next(STK_PUSH_PATH, 503)
        code = achieng_orders(shop, "Mkufu wa aluminiamu", first=True)
        unconfirmed = sent_to_her(
            achieng,
            f"M-Pesa haijathibitisha kwamba simu yako 0712 345678 imepokea ombi la malipo ya "
            f"oda {code}. Likifika, tafadhali thibitisha malipo ya Ksh\xa02,600 hapo kwa "
            "PIN yako.",
        )
        assert "Lisipofika ndani ya dakika chache, nitakujulisha hapa" in unconfirmed
        # No buttons: "another number" while this prompt may be live would buzz her twice.
        assert unconfirmed.endswith("kujaribu tena au kutumia namba nyingine."), unconfirmed
        assert shop.daraja.calls(STK_PUSH_PATH) == 1

        shop.query_job_minutes_later(6)  # the wait for its callback is over: given up
        # Her notice is written for then (the job's clock), so it is read where it waits.
        [failed] = shop.notices_for(achieng, "phone-payment-failed:")
        assert failed == (
            SW._(
                "Sorry, we could not send the payment request for order {code} to {phone}."
            ).format(code=code, phone="0712 345678")
            + "\n"
            + SW._("Your order is still waiting for payment. Try again, or use another number?")
            + f"\n{SW._('Try again')}\n{SW._('Use another number')}"
        )
        assert shop.order(code)[0] == "pending_payment"
        assert shop.daraja.calls(STK_PUSH_PATH) == 1  # never sent twice
        assert not has(everything_sent_to(achieng), on_her_phone(code))
        assert not shop.notices_for(achieng, "phone-prompt-sent:")
