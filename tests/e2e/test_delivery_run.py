"""Delivered, with the real `soko run`: from an empty database and the operator's settings, a
seller lists two pieces, the owner approves them, a buyer in Germany pays both by card
(Stripe's signed event) and the seller ships each from her notices. The buyer types
"received" for the first (the seller is told in Swahili). The next comes damaged: Lena types
"damaged" and sends a photo with her words; Neema, made a community manager by the owner in
her People menu, is told with the photo and refunds part of it in the chat; the case records
the refund, Stripe (the fake) takes it and Lena hears of both. Nobody says the last two
arrived, and the scheduler's `deliver_shipped_orders` job, run as it would run once her zone's
time has passed (Germany: Europe's `auto_delivered_after`), counts them arrived (the buyer's
notices are written for that time); a day earlier it leaves them. On both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from bot.container import Container
from bot.jobs import scheduled_jobs
from bot.plugin import ChannelPasses
from bot.settings import Settings
from conversations.i18n import Translator
from store.demo.pictures import draw_piece
from store.models import Category
from store.models.types import utcnow
from store.shipping_zones import zone_for
from tests.e2e.running_shop import RunningShop, running_shop
from tests.e2e.test_zero_to_sale import has, list_a_necklace, open_shop_on_telegram
from tests.fakes import stripe_api

pytestmark = pytest.mark.slow

OWNER_PHONE = "+254711000001"
WANJIRU_PHONE = "+254733000003"
NEEMA_PHONE = "+254722000009"
EN, SW = Translator("en"), Translator("sw")
LENA_COUNTRY = "DE"  # she types "Germany" at checkout
TRACKING = {"shaba": "JD014600006281", "ushanga": "JD014600006282", "pembe": "JD014600006283"}


class Shop:
    def __init__(self, running: RunningShop) -> None:
        self.env, self.fakes, self.database = running.env, running.fakes, running.database
        self.owner = running.on_telegram("Grace Mutua", 5201, "en")
        self.wanjiru = running.on_telegram("Wanjiru", 5202, "sw")
        self.lena = running.on_telegram("Lena Fischer", 5203, "en")
        self.neema = running.on_telegram("Neema Achieng", 5204, "en")

    def status(self, code: str) -> str:
        [(status,)] = self.database.query("SELECT status FROM orders WHERE code = :c", c=code)
        return str(status)

    def queued(self, dedupe_key: str) -> int:
        rows = self.database.query(
            "SELECT count(*) FROM outbox WHERE dedupe_key LIKE :key", key=dedupe_key
        )
        return int(rows[0][0])

    def delivery_job_days_later(self, days: int) -> None:
        """The scheduler's job, run in this process as `soko scheduler` would run it `days`
        from now (no waiting); `soko run` sends what it wrote."""
        later = utcnow() + timedelta(days=days)
        container = Container(
            Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=self.env.database_url,
                public_base_url=self.env.url,
            )
        )
        try:
            jobs = scheduled_jobs(container, ChannelPasses(), clock=lambda: later)
            [job] = [job for job in jobs if job.id == "deliver_shipped_orders"]
            job.run()
        finally:
            container.close()


@contextmanager
def delivering_shop(tmp_path: Path, database_url: str) -> Iterator[Shop]:
    with running_shop(
        tmp_path, with_stripe=True, transcript=40, DATABASE_URL=database_url
    ) as running:
        yield Shop(running)


def listed_and_approved(shop: Shop, titles: list[str]) -> None:
    shop.owner.say("/start")
    shop.owner.share_own_contact(OWNER_PHONE.removeprefix("+"))
    shop.wanjiru.say("/start")
    shop.wanjiru.tap("Kiswahili")
    shop.wanjiru.tap(SW._("Sell your jewelry"))
    open_shop_on_telegram(shop.wanjiru, "Vito vya Wanjiru", WANJIRU_PHONE)
    for seed, title in enumerate(titles):
        list_a_necklace(shop.wanjiru, title, "1500", seed=10 * seed + 1)
    shop.owner.say("menu")
    shop.owner.tap(EN._("Review listings"))
    for _ in titles:
        assert has(shop.owner.tap(EN._("Approve")), "Approved: ")


def bought_paid_and_shipped(shop: Shop, word: str, *, first: bool) -> str:
    """Lena finds the piece, orders it to Berlin and pays on Stripe's page; Wanjiru ships it
    from her notice, with DHL and its tracking number. The order's code."""
    lena = shop.lena
    if first:
        lena.say("/start")
        lena.tap("English")
    else:
        lena.say("menu")
    lena.tap(EN._("Search"))
    lena.say(word)
    lena.say("1")
    lena.tap(EN._("Add to cart"))
    lena.tap(EN._("Checkout"))
    if first:
        lena.say("Lena Fischer")
        lena.say("Oranienstraße 25, 10999 Berlin")
        lena.say("Germany")
    else:
        lena.tap(EN._("Yes, same address"))
    placed = lena.tap(EN._("Place order"))
    code = placed[0].split(" ", 2)[1]
    ready = f"Your payment link for order {code} is ready."
    if not has(placed, ready):
        lena.told(ready)
    assert shop.fakes.stripe is not None
    link = next(link for link in reversed(lena.links()) if "checkout.stripe" in link)
    body, headers = stripe_api.signed(shop.fakes.stripe.pay(link.rsplit("/", 1)[1]))
    response = httpx.post(f"{shop.env.url}/webhooks/stripe", content=body, headers=headers)
    assert response.status_code == 200, response.text
    lena.told(f"Payment received for {code}. Thank you!")
    shop.wanjiru.told(f"Oda mpya {code}")
    shop.wanjiru.tap(SW._("Accept"))
    shop.wanjiru.tap(SW._("Mark shipped"))
    shop.wanjiru.tap("DHL")
    shop.wanjiru.say(TRACKING[word])
    lena.told(f"Everything in order {code} is on its way.")
    return code


def manager_made_by_the_owner(shop: Shop) -> None:
    """Neema says hello and shares her number; the owner finds her by it in People and makes
    her a community manager."""
    shop.neema.say("/start")
    shop.neema.tap("English")
    shop.neema.say("my number")
    shop.neema.share_own_contact(NEEMA_PHONE.removeprefix("+"))
    shop.owner.say("menu")
    shop.owner.tap(EN._("People"))
    shop.owner.say("0722 000 009")
    made = shop.owner.tap(EN._("Make community manager"))
    assert has(made, "is now a community manager"), made


def damaged_and_refunded_in_part(shop: Shop, code: str) -> None:
    lena, neema = shop.lena, shop.neema
    # The first order arrived lately, so it could be meant too: she picks this one.
    assert has(lena.say("damaged"), EN._("Which order is it about?"))
    assert lena.tap(f"{code}: 1 × Mkufu wa ushanga") == [
        EN._(
            "Sorry that order {code} came damaged. Tell us in a few words what is wrong, "
            "and send a photo of it if you can."
        ).format(code=code)
    ]
    photo = draw_piece(Category.NECKLACE, seed=77)
    assert lena.send_photos([photo], "The clasp broke off") == [
        EN._(
            "Thank you. We have told the community managers about order {code}; they will "
            "look into it and write to you here."
        ).format(code=code)
    ]
    told = neema.told(f"says order {code} came damaged")
    assert has(told, "Her words: “The clasp broke off”"), told
    [(photo_ref,)] = shop.database.query(
        "SELECT photo_ref FROM order_cases WHERE open_order_id IS NOT NULL"
    )
    assert photo_ref
    asked = neema.tap(EN._("Refund"))
    assert has(asked, f"How much do we give back on order {code}?"), asked
    given = neema.say("5")
    assert has(given, "on order " + code + ". The case is closed and the buyer is told."), given
    heard = lena.told(f"About your report on order {code}: we are giving you back")
    stripe_took_it = f"for order {code}. Your bank may take 5 to 10 days"
    if not has(heard, stripe_took_it):
        lena.told(stripe_took_it)
    [(outcome, refunded)] = shop.database.query(
        "SELECT outcome, refunded_minor FROM order_cases WHERE order_id ="
        " (SELECT id FROM orders WHERE code = :c)",
        c=code,
    )
    assert (outcome, refunded) == ("refund", 500)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_one_order_delivered_by_the_buyer_another_by_the_shop(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    url = engine.url.render_as_string(hide_password=False)
    with delivering_shop(tmp_path, url) as shop:
        listed_and_approved(shop, ["Mkufu wa shaba", "Mkufu wa pembe", "Mkufu wa ushanga"])
        first = bought_paid_and_shipped(shop, "shaba", first=True)

        assert shop.lena.say("received") == [
            EN._("Thank you for telling us! Order {code} has arrived. We hope you love it.").format(
                code=first
            )
        ]
        assert shop.status(first) == "delivered"
        arrived = SW._("Good news: the buyer received order {code}: {items}.")
        shop.wanjiru.told(arrived.format(code=first, items="1 × Mkufu wa shaba"))

        manager_made_by_the_owner(shop)
        third = bought_paid_and_shipped(shop, "ushanga", first=False)
        damaged_and_refunded_in_part(shop, third)

        second = bought_paid_and_shipped(shop, "pembe", first=False)
        zone_days = zone_for(LENA_COUNTRY).auto_delivered_after.days
        shop.delivery_job_days_later(zone_days - 1)
        assert (shop.status(second), shop.status(third)) == ("shipped", "shipped")
        shop.delivery_job_days_later(zone_days + 1)
        assert shop.status(second) == "delivered"
        assert shop.status(third) == "delivered"  # its case closed, it counts as arrived too
        # Written for the job's time (weeks ahead), so they wait in the outbox until then.
        assert shop.queued("order:%:counted-arrived:%") == 2
        assert shop.queued("order:%:delivered:%") == 3  # Wanjiru, once for each order
