"""The manager's week, with the real `soko run`, from an empty database and the operator's
settings (hub mode, the demo card), on both databases. Everything happens in the chat: the
owner (a community manager by her number) appoints Neema (English) and Zawadi (Swahili)
community managers in her People menu; Wanjiru opens her shop and sends three necklaces for
review; Neema approves one, rejects one and leaves one waiting; Lena buys the approved one
with the demo card and Wanjiru accepts it (to bring to the hub).

Neema's "My week" shows it all, line by line, and each line's button opens its list: the
review queue, the reviews of the week, the new artisans (her People card), the orders waiting
(the order's hub card), open cases, payouts, the shops to visit. Zawadi reads hers in
Swahili. A menu entry's name typed where a list or a search is on screen opens it: Zawadi
types "Wiki yangu" at the shops to visit, the owner "My week" at the People search. The
operator runs the scheduler's `manager_week` job now with `soko admin jobs run
manager_week`, twice (as a restart or a second scheduler would): one summary per manager for
the week; `soko run` sends them, and a button on the summary opens its list. (A button on an
earlier week's summary is shown in `tests/integration/conversations/shop/test_manager_week.py`:
nobody can make last week's Monday come again from outside.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from sqlalchemy import Engine

from conversations.i18n import Translator
from conversations.jobs.periods import local_week
from store.models.types import utcnow
from store.money import babel_locale
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.operator_env import OperatorEnv
from tests.e2e.running_shop import running_shop
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import soko
from tests.e2e.test_zero_to_sale import has, list_a_necklace, open_shop_on_telegram

pytestmark = pytest.mark.slow

OWNER_PHONE = "+254711000001"
NEEMA_PHONE = "+254722000009"
ZAWADI_PHONE = "+254744000010"
WANJIRU_PHONE = "+254733000003"
EN, SW = Translator("en"), Translator("sw")
NAIROBI = ZoneInfo("Africa/Nairobi")


@dataclass
class Shop:
    env: OperatorEnv
    database: ShopDatabase
    owner: TelegramPerson
    neema: TelegramPerson
    zawadi: TelegramPerson
    wanjiru: TelegramPerson
    lena: TelegramPerson

    def run_manager_week_job(self) -> None:
        """`soko admin jobs run manager_week`, as the operator types it."""
        done = soko(self.env, "admin", "jobs", "run", "manager_week")
        assert done.returncode == 0, done.stderr
        assert "ran manager_week once: " in done.stdout, done.stdout

    def summaries(self, week: str) -> int:
        rows = self.database.query(
            "SELECT count(*) FROM outbox WHERE dedupe_key LIKE :key", key=f"manager-week:%:{week}"
        )
        return int(rows[0][0])


@contextmanager
def hub_shop(tmp_path: Path, engine: Engine) -> Iterator[Shop]:
    url = engine.url.render_as_string(hide_password=False)
    with running_shop(
        tmp_path,
        DATABASE_URL=url,
        PAYMENTS_DEMO="true",
        FULFILMENT_MODE="hub",
        HUB_ADDRESS="Soko hub, Biashara Street, Nairobi",
    ) as running:
        yield Shop(
            running.env,
            running.database,
            owner=running.on_telegram("Grace Mutua", 5301, "en"),
            neema=running.on_telegram("Neema Achieng", 5302, "en"),
            zawadi=running.on_telegram("Zawadi Mwangi", 5303, "sw"),
            wanjiru=running.on_telegram("Wanjiru", 5304, "sw"),
            lena=running.on_telegram("Lena Fischer", 5305, "en"),
        )
        assert "Traceback" not in running.run.logged()


def owner_appoints_managers(shop: Shop) -> None:
    shop.owner.say("/start")
    assert has(shop.owner.share_own_contact(OWNER_PHONE.removeprefix("+")), "Review listings")
    for manager, language, number, phone in (
        (shop.neema, "English", "0722 000 009", NEEMA_PHONE),
        (shop.zawadi, "Kiswahili", "0744 000 010", ZAWADI_PHONE),
    ):
        manager.say("/start")
        manager.tap(language)
        manager.say("namba yangu" if language == "Kiswahili" else "my number")
        manager.share_own_contact(phone.removeprefix("+"))
        shop.owner.say("menu")
        shop.owner.tap(EN._("People"))
        shop.owner.say(number)
        made = shop.owner.tap(EN._("Make community manager"))
        assert has(made, "is now a community manager"), made


def wanjiru_lists_three(shop: Shop) -> None:
    wanjiru = shop.wanjiru
    wanjiru.say("/start")
    wanjiru.tap("Kiswahili")
    wanjiru.tap(SW._("Sell your jewelry"))
    open_shop_on_telegram(wanjiru, "Vito vya Wanjiru", WANJIRU_PHONE)
    for seed, title in enumerate(("Mkufu wa shaba", "Mkufu wa pembe", "Mkufu wa ushanga")):
        list_a_necklace(wanjiru, title, "1500", seed=10 * seed + 1)


def neema_reviews(shop: Shop) -> None:
    neema = shop.neema
    neema.say("menu")
    neema.tap(EN._("Review listings"))
    assert has(neema.tap(EN._("Approve")), "Approved: Mkufu wa shaba")
    neema.tap(EN._("Reject"))
    rejected = neema.tap(EN._("Photo not clear"))
    assert has(rejected, "Not accepted: Mkufu wa pembe"), rejected
    # Mkufu wa ushanga is left waiting.


def lena_buys_and_wanjiru_accepts(shop: Shop) -> str:
    lena = shop.lena
    lena.say("/start")
    lena.tap("English")
    lena.tap(EN._("Search"))
    lena.say("shaba")
    lena.say("1")
    lena.tap(EN._("Add to cart"))
    lena.tap(EN._("Checkout"))
    lena.say("Lena Fischer")
    lena.say("Oranienstraße 25, 10999 Berlin")
    lena.say("Germany")
    placed = lena.tap(EN._("Place order"))
    code = placed[0].split(" ", 2)[1]
    paid = lena.tap(EN._("Pay now (demo card)"))
    assert has(paid, EN._("Payment received for {code}. Thank you!").format(code=code)), paid
    shop.wanjiru.told(f"Oda mpya {code}")
    shop.wanjiru.tap(SW._("Accept"))
    return code


def neema_reads_her_week_and_opens_each_list(shop: Shop, code: str) -> None:
    neema = shop.neema
    neema.say("menu")
    [week] = neema.tap(EN._("My week"))
    lines = week.splitlines()
    assert lines[0].startswith("Your week on Soko, "), week
    assert lines[1].startswith("Listings waiting for review: 1. The oldest since "), week
    assert lines[2:8] == [
        "Approval rate this week: 50% (1 approved of 2 reviewed).",
        "New artisans this week: 1. Vito vya Wanjiru (came on her own)",
        "Orders waiting: to bring to the hub: 1.",
        "Open cases: none.",
        "Payouts due: nobody is owed anything right now. Paid this week: no payouts yet.",
        "Shops due for a workshop visit: 1. Vito vya Wanjiru (Kibera, Nairobi)",
    ], week

    queue = neema.tap(EN._("Review listings"))
    assert has(queue, "“Mkufu wa ushanga” from Vito vya Wanjiru"), queue
    reviewed = neema.tap(EN._("Reviewed this week"))
    assert has(reviewed, "✓ approved: Mkufu wa shaba — Vito vya Wanjiru"), reviewed
    assert has(reviewed, "✗ not accepted: Mkufu wa pembe — Vito vya Wanjiru"), reviewed
    shops = neema.tap(EN._("New artisans"))
    assert has(shops, "New artisans in the last 7 days. Pick one to see her card:"), shops
    card = neema.tap("Vito vya Wanjiru (came on her own)")
    assert has(card, "Shop: Vito vya Wanjiru, Kibera, Nairobi"), card
    orders = neema.tap(EN._("Orders waiting"))
    assert has(orders, f"to bring to the hub (1): {code}"), orders
    hub_card = neema.tap(f"{code}: to bring to the hub")
    assert has(hub_card, f"Order {code} · to Germany"), hub_card
    assert has(hub_card, "accepted, not brought yet"), hub_card
    assert neema.tap(EN._("Open cases")) == [EN._("There are no open cases.")]
    to_visit = neema.tap(EN._("Shops to visit"))
    assert has(to_visit, "Shops due for a workshop visit (1), by place."), to_visit
    assert has(to_visit, "Vito vya Wanjiru · Kibera, Nairobi · never visited"), to_visit
    payouts = neema.tap(EN._("Payouts"))
    assert has(payouts, "Nobody is owed anything right now.\nNo payouts in the last 7 days."), (
        payouts
    )


def zawadi_reads_hers_in_swahili(shop: Shop) -> None:
    zawadi = shop.zawadi
    zawadi.say("menyu")
    [week] = zawadi.tap(SW._("My week"))
    assert week.startswith("Wiki yako kwenye Soko, "), week
    assert (
        "Kiwango cha kuidhinisha wiki hii: 50% (zilizoidhinishwa: 1; zilizokaguliwa: 2)." in week
    ), week
    assert "Oda zinazosubiri: ziletwe ofisi ya Soko: 1." in week, week
    assert "Maduka ya kutembelea: 1. Vito vya Wanjiru (Kibera, Nairobi)" in week, week
    assert zawadi.tap(SW._("Open cases")) == [SW._("There are no open cases.")]


def menu_entries_named_at_a_list_and_a_search(shop: Shop) -> None:
    """Her menu's entry, typed by its name where a list or a search is on screen, opens it:
    Zawadi at the shops to visit types "Wiki yangu", the owner at the People search "My week".
    A shop's name at the search still finds the shop."""
    zawadi, owner = shop.zawadi, shop.owner
    zawadi.say("menyu")
    listed = zawadi.tap(SW._("Shops to visit"))
    assert has(listed, "Vito vya Wanjiru"), listed
    [week] = zawadi.say("Wiki yangu")
    assert week.startswith("Wiki yako kwenye Soko, "), week
    owner.say("menu")
    asked = owner.tap(EN._("People"))
    assert has(asked, "number"), asked
    [week] = owner.say("My week")
    assert week.startswith("Your week on Soko, "), week
    owner.say("menu")
    owner.tap(EN._("People"))
    card = owner.say("vito vya wanjiru")
    assert has(card, "Shop: Vito vya Wanjiru"), card


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_manager_s_week_from_real_activity_in_the_chat(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    with hub_shop(tmp_path, engine) as shop:
        owner_appoints_managers(shop)
        wanjiru_lists_three(shop)
        neema_reviews(shop)
        code = lena_buys_and_wanjiru_accepts(shop)
        neema_reads_her_week_and_opens_each_list(shop, code)
        zawadi_reads_hers_in_swahili(shop)
        menu_entries_named_at_a_list_and_a_search(shop)

        # Monday's job, run now by the operator, twice (a restart, a second scheduler): one
        # summary per manager this week (the owner, Neema, Zawadi).
        shop.run_manager_week_job()
        shop.run_manager_week_job()
        now = utcnow()
        assert shop.summaries(local_week(now, NAIROBI)) == 3
        until = format_datetime(now, "d MMM", tzinfo=NAIROBI, locale=babel_locale("en"))
        told = shop.neema.told(f" – {until} (Nairobi time):")
        assert has(told, "Orders waiting: to bring to the hub: 1."), told
        shop.zawadi.told("Wiki yako kwenye Soko, ")

        # A button on the weekly summary: its list as it is now.
        answered = shop.neema.tap_on_message(EN._("Open cases"), f" – {until} (Nairobi time):")
        assert answered == [EN._("There are no open cases.")], answered
