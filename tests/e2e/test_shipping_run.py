"""Shipping fees from an empty database, on both databases: what a buyer in Kenya (M-Pesa, in
shillings, writing Swahili) and one in Germany (card, in US dollars) are shown and charged.

`soko run` runs as a process on the fake Telegram, Stripe and Daraja, with the operator's
settings only (the shipped destination zones). An artisan lists two pieces and the owner
approves them. The piece's public page says where shipping starts and each zone's fee and
days. Achieng orders one to Nairobi: the summary shows the KES figures with KES 500 shipping
and M-Pesa is asked for the total with it. Anna orders the other to Berlin: the summary shows
US$12 shipping and the total; Stripe's page charges that total; once her country is known the
piece's card says "+ US$12 shipping to Germany". The ledger holds both fees apart from the
platform's margin.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from conversations.i18n import Translator
from store.money import Money
from tests.e2e.running_shop import RunningShop, running_shop
from tests.e2e.soko_process import wait_until
from tests.e2e.test_mpesa_buyer_run import (
    ACHIENG_NUMBER,
    OWNER_PHONE,
    WANJIRU_PHONE,
    mpesa_settings,
    placed_code,
    tap_starting,
)
from tests.e2e.test_zero_to_sale import has, list_a_necklace, open_shop_on_telegram
from tests.fakes import daraja_api, stripe_api
from tests.fakes.daraja_api import FakeDaraja

pytestmark = pytest.mark.slow

EN, SW = Translator("en"), Translator("sw")


class Shop:
    def __init__(self, running: RunningShop, daraja: FakeDaraja) -> None:
        self.env, self.fakes, self.database = running.env, running.fakes, running.database
        self.daraja = daraja
        self.owner = running.on_telegram("Grace Mutua", 5201, "en")
        self.wanjiru = running.on_telegram("Wanjiru", 5202, "sw")
        self.achieng = running.on_telegram("Achieng Odhiambo", 5203, "sw")
        self.anna = running.on_telegram("Anna Schmidt", 5204, "en")

    def order(self, code: str) -> tuple[str, str, int, int, int]:
        [row] = self.database.query(
            "SELECT status, currency, subtotal_minor, shipping_minor, total_minor FROM orders"
            " WHERE code = :code",
            code=code,
        )
        return str(row[0]), str(row[1]), int(row[2]), int(row[3]), int(row[4])

    def balance(self, account: str, currency: str) -> int:
        [row] = self.database.query(
            "SELECT coalesce(sum(amount_minor), 0) FROM ledger_entries"
            " WHERE account = :account AND currency = :currency",
            account=account,
            currency=currency,
        )
        return int(row[0])


@contextmanager
def shipping_shop(tmp_path: Path, database_url: str) -> Iterator[Shop]:
    daraja = FakeDaraja.make()
    with (
        daraja_api.serve(daraja) as daraja_url,
        running_shop(
            tmp_path,
            with_stripe=True,
            transcript=40,
            DATABASE_URL=database_url,
            **mpesa_settings(daraja_url),
        ) as running,
    ):
        yield Shop(running, daraja)


def two_pieces_approved(shop: Shop) -> None:
    shop.owner.say("/start")
    assert has(shop.owner.share_own_contact(OWNER_PHONE.removeprefix("+")), "Review listings")
    shop.wanjiru.say("/start")
    shop.wanjiru.tap("Kiswahili")
    shop.wanjiru.tap(SW._("Sell your jewelry"))
    open_shop_on_telegram(shop.wanjiru, "Vito vya Wanjiru", WANJIRU_PHONE)
    for seed, title in enumerate(["Mkufu wa shaba", "Mkufu wa pembe"]):
        list_a_necklace(shop.wanjiru, title, "1500", seed=10 * seed + 3)
    shop.owner.say("menu")
    shop.owner.tap(EN._("Review listings"))
    for _ in range(2):
        assert has(shop.owner.tap(EN._("Approve")), "Approved: ")


def the_page_shows_the_zones(shop: Shop) -> None:
    [(slug,)] = shop.database.query("SELECT slug FROM products WHERE title = 'Mkufu wa shaba'")
    page = httpx.get(f"{shop.env.url}/p/{slug}", timeout=10).text
    assert "+ shipping from US$4" in page
    assert "<td>Europe</td><td>US$12</td><td>5–10 days</td>" in page
    assert "<td>Kenya</td><td>US$4</td><td>1–3 days</td>" in page
    swahili = httpx.get(f"{shop.env.url}/p/{slug}?lang=sw", timeout=10).text
    assert "+ usafirishaji kuanzia US$\xa04" in swahili
    assert "<td>Ulaya</td><td>US$\xa012</td><td>siku 5–10</td>" in swahili


def achieng_pays_by_mpesa_in_kes(shop: Shop) -> None:
    achieng = shop.achieng
    achieng.say("/start")
    achieng.tap("Kiswahili")
    achieng.tap(SW._("Search"))
    achieng.say("shaba")
    card = achieng.say("1")
    assert has(card, "+ usafirishaji kuanzia US$\xa04"), card  # her country is not known yet
    achieng.tap(SW._("Add to cart"))
    achieng.tap(SW._("Checkout"))
    achieng.say("Achieng Odhiambo")
    achieng.say("Moi Avenue 12, Nairobi")
    summary = achieng.say("Kenya")
    assert has(summary, "Usafirishaji hadi Kenya: US$\xa04\n"), summary
    assert has(summary, "Kufika Kenya: siku 1 hadi 3 baada ya kutumwa."), summary
    # 1,500 KES with the shop's markup, and a parcel in Kenya: KES 500.
    assert has(summary, "Kwa M-Pesa: Ksh\xa02,100 + Ksh\xa0500 usafirishaji = Ksh\xa02,600")
    assert has(summary, "Lipa kwa M-Pesa · Ksh\xa02,600"), summary
    tap_starting(achieng, SW._("Pay with M-Pesa · {amount}").split("{")[0])
    code = placed_code(achieng.say(ACHIENG_NUMBER))
    assert shop.order(code) == ("pending_payment", "KES", 210_000, 50_000, 260_000)

    def pushes() -> list[str]:
        sent = list(shop.daraja.pushes.items())
        return [key for key, push in sent if push.body["AccountReference"] == code]

    wait_until(lambda: bool(pushes()), what=f"a push for {code}")
    [checkout_id] = pushes()
    # M-Pesa asks for the total with its shipping.
    assert shop.daraja.pushes[checkout_id].body["Amount"] == 2600
    shop.daraja.answer_push(checkout_id, 0)
    achieng.told(SW._("Payment received for {code}. Thank you!").format(code=code))
    assert shop.order(code)[0] == "paid"


def anna_pays_by_card_in_usd(shop: Shop) -> None:
    anna = shop.anna
    anna.say("/start")
    anna.tap("English")
    anna.tap(EN._("Search"))
    anna.say("pembe")
    anna.say("1")
    anna.tap(EN._("Buy now"))
    anna.say("Anna Schmidt")
    anna.say("Oranienstraße 25, 10999 Berlin")
    summary = anna.say("Germany")
    assert has(summary, "Shipping to Germany: US$12\n"), summary
    assert has(summary, "Delivery to Germany: 5 to 10 days after it ships."), summary
    placed = anna.tap(EN._("Place order"))
    code = placed_code_en(placed)
    status, currency, subtotal, shipping, total = shop.order(code)
    assert (status, currency, shipping, total) == ("pending_payment", "USD", 1200, subtotal + 1200)
    shown_total = Money(total, "USD").format("en")
    assert has(summary, f"Total: {shown_total}\n"), summary

    def pay_button() -> dict[str, str] | None:
        urls = [b for b in anna.buttons() if "checkout.stripe" in str(b.get("url", ""))]
        return urls[-1] if urls else None

    wait_until(lambda: pay_button() is not None, what="Stripe's pay link")
    button = pay_button()
    assert button is not None
    assert button["text"] == EN._("Pay {amount}").format(amount=shown_total)
    link = button["url"]
    stripe = shop.fakes.stripe
    assert stripe is not None
    session_id = link.rsplit("/", 1)[1]
    assert stripe.sessions[session_id]["amount_total"] == total
    body, headers = stripe_api.signed(stripe.pay(session_id))
    paid = httpx.post(f"{shop.env.url}/webhooks/stripe", content=body, headers=headers)
    assert paid.status_code == 200, paid.text
    anna.told(EN._("Payment received for {code}. Thank you!").format(code=code))

    # Her country is known now: a piece's card says what a parcel there costs.
    [(shaba,)] = shop.database.query("SELECT id FROM products WHERE title = 'Mkufu wa shaba'")
    card = anna.say(f"/start p-{shaba}")  # a friend's link to the piece (sold to Achieng)
    assert has(card, "+ US$12 shipping to Germany (5–10 days)"), card


def placed_code_en(messages: list[str]) -> str:
    [code] = [m.split()[1] for m in messages if m.startswith("Order ") and " is placed." in m]
    return code


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_buyers_in_kenya_and_germany_see_and_pay_their_shipping(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    url = engine.url.render_as_string(hide_password=False)
    with shipping_shop(tmp_path, url) as shop:
        two_pieces_approved(shop)
        the_page_shows_the_zones(shop)
        achieng_pays_by_mpesa_in_kes(shop)
        anna_pays_by_card_in_usd(shop)
        # Each fee sits in its own account, apart from the platform's margin.
        assert shop.balance("platform:shipping", "KES") == 50_000
        assert shop.balance("platform:shipping", "USD") == 1200
