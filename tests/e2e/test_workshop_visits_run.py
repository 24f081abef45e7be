"""Workshop visits from an empty database, on both databases: `soko run` against the fake
Telegram and Twilio, with only the operator's settings (ADMIN_PHONES, and
VERIFICATION_VALID_MONTHS=1 so that a visit two months old has lapsed).

Amina opens her shop on Telegram in Swahili, sharing her pin, and lists a necklace; Grace, the
owner, approves it on WhatsApp in English and makes Neema (Telegram, Swahili) a community
manager in the People menu. Grace's list of shops due sorts by place, then by distance once
she shares where she stands; she records a passed visit two months old (recorded, but it no
longer counts: the shop stays due, "lapsed"), then a follow-up visit today with a photo — a
day in the future refused kindly on the way — and Amina is told in Swahili what to fix. Neema
records a passed visit from Amina's People card, typing the day in Arabic-Indic digits; Amina is
congratulated, and the buyer's card, the piece page and the shop page say "Workshop visited by
Soko, <month>" (in Swahili too); the list of shops due is empty; a button of an old list
opens that shop as it is now. The audit has each visit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_date
from sqlalchemy import Engine

from conversations.i18n import Translator
from store.demo.pictures import draw_piece
from store.models import Category
from store.services.workshop_visits import add_months
from tests.e2e.running_shop import running_shop
from tests.e2e.soko_process import soko
from tests.e2e.test_zero_to_sale import has, list_a_necklace

pytestmark = pytest.mark.slow

GRACE = "+254711000001"  # the owner, on WhatsApp, in English
NEEMA = "+254733000555"  # made a community manager in the chat; Telegram, Swahili
NEEMA_TELEGRAM = 95002
AMINA_PHONE = "+254722000444"
AMINA_TELEGRAM = 95001  # an artisan, on Telegram, in Swahili
BUYER_TELEGRAM = 95003
EN, SW = Translator("en"), Translator("sw")
KIBERA_PIN = (-1.3133, 36.7876)
CBD = (-1.2864, 36.8172)  # where Grace stands: 4.4 km from Amina's pin


def arabic(number: int) -> str:
    """`number` in Arabic-Indic digits (٠١٢٣٤٥٦٧٨٩), as some phones' keyboards type them."""
    return "".join(chr(0x0660 + int(digit)) for digit in str(number))


def nairobi_today() -> datetime:
    return datetime.now(UTC).astimezone(ZoneInfo("Africa/Nairobi"))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_visits_verify_a_shop_for_buyers_and_lapse(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    url = engine.url.render_as_string(hide_password=False)
    with running_shop(tmp_path, DATABASE_URL=url, VERIFICATION_VALID_MONTHS="1") as running:
        shop, database, run = running.env, running.database, running.run
        grace = running.on_whatsapp("Grace", GRACE)
        amina = running.on_telegram("Amina Otieno", AMINA_TELEGRAM, "sw")
        neema = running.on_telegram("Neema", NEEMA_TELEGRAM, "sw")
        buyer = running.on_telegram("Lena", BUYER_TELEGRAM, "en")
        today = nairobi_today().date()
        month_en = format_date(today, "LLLL y", locale="en")
        month_sw = format_date(today, "LLLL y", locale="sw")
        long_ago = today - timedelta(days=62)

        # Amina opens her shop in Swahili, sharing her pin, and lists a necklace.
        amina.say("/start")
        amina.tap("Kiswahili")
        amina.tap(SW._("Sell your jewelry"))
        amina.say("Shanga za Amina")
        amina.share_location(*KIBERA_PIN)
        amina.say("Kibera, Nairobi")
        amina.share_own_contact(AMINA_PHONE.removeprefix("+"))
        opened = amina.tap(SW._("Yes, open my shop"))
        assert has(opened, "Hongera! Duka lako Shanga za Amina limefunguliwa."), opened
        submitted = list_a_necklace(amina, "Mkufu wa shaba", "1500", seed=31)
        assert has(submitted, "Asante! Msimamizi wa jamii ataikagua"), submitted

        # Grace approves it and makes Neema a community manager, in the chat.
        grace.say("Hi")
        grace.say("menu")
        grace.choose(EN._("Review listings"))
        assert has(grace.choose(EN._("Approve")), "Approved: Mkufu wa shaba")
        neema.say("/start")
        neema.tap("Kiswahili")
        neema.share_own_contact(NEEMA.removeprefix("+"))
        grace.say("menu")
        grace.choose(EN._("People"))
        grace.say("0733 000 555")
        made = grace.choose(EN._("Make community manager"))
        assert made[0] == "Neema is now a community manager; she has been told.", made

        # Grace's list of shops due: by place, then nearest first from where she stands.
        grace.say("menu")
        listed = grace.choose(EN._("Shops to visit"))
        assert listed == [
            "Shops due for a workshop visit (1), by place. Share your location to see the "
            "nearest first.\n\n1. Shanga za Amina · Kibera, Nairobi · never visited\n2. Menu"
        ], listed
        near = grace.share_location(*CBD)
        assert near == [
            "Shops due for a workshop visit (1), nearest first:\n\n"
            "1. Shanga za Amina · 4.4 km · never visited\n2. Menu"
        ], near

        # A passed visit two months old: recorded, but it no longer counts.
        asked = grace.choose("Shanga za Amina · 4.4 km · never visited")
        assert asked[0].startswith("Recording a visit to Shanga za Amina."), asked
        grace.say(f"{long_ago.day}/{long_ago.month}/{long_ago.year}")
        for _ in range(3):
            grace.say("yes")  # meets the standards, typed
        grace.say("done")
        old = grace.choose(EN._("Passed"))
        assert old[0].startswith("Recorded: Shanga za Amina passed on "), old
        until = format_date(add_months(long_ago, 1), "d MMMM y", locale="en")
        assert f"but that visit counted only until {until}, so" in old[0], old
        relisted = grace.choose(EN._("Shops to visit"))
        lapsed = format_date(long_ago, "LLLL y", locale="en")
        assert f"1. Shanga za Amina · 4.4 km · visited {lapsed}, lapsed" in relisted[0]

        # A follow-up visit today, with a photo; tomorrow refused on the way.
        grace.say("1")
        tomorrow = grace.say("tomorrow")
        assert "has not come yet: please give the day you went there" in tomorrow[0]
        grace.choose(EN._("Today"))
        grace.choose(EN._("Meets the standards"))
        grace.choose(EN._("Meets the standards"))
        grace.choose(EN._("Needs work"))
        kept = grace.send_photos([draw_piece(Category.BRACELET, seed=5)])
        assert has(kept, "Photo kept (1)."), kept
        grace.choose(EN._("Done"))
        grace.choose(EN._("Follow-up needed"))
        recorded = grace.say("Please keep the children away from the hot wire")
        assert recorded[0].startswith("Recorded: Shanga za Amina needs a follow-up visit."), (
            recorded
        )
        told = amina.told("kuna jambo la kurekebisha")
        assert has(told, "Please keep the children away from the hot wire"), told

        # The buyer's card: no badge yet.
        [product_id, product_slug, shop_slug] = database.query(
            "SELECT p.id, p.slug, a.slug FROM products p JOIN artisans a ON a.id = p.artisan_id"
        )[0]
        card = buyer.say(f"/start p-{product_id}")
        assert not has(card, "Workshop visited by Soko"), card

        # Neema looks at the list, then records a passed visit from Amina's People card.
        neema.say("menyu")
        due = neema.tap("Maduka ya kutembelea")
        follow_up = (
            f"Shanga za Amina · Kibera, Nairobi · ilitembelewa {month_sw}, inahitaji ziara nyingine"
        )
        assert has(due, follow_up), due
        neema.say("menyu")
        neema.tap(SW._("People"))
        card = neema.say("Shanga za Amina")
        assert has(card, "Karakana ilitembelewa"), card
        asked = neema.tap("Rekodi ziara")
        assert asked[0].startswith("Unarekodi ziara ya Shanga za Amina."), asked
        # Today, in Arabic-Indic digits and the Kenyan "mwezi wa …" (the month's number).
        typed = f"tarehe {arabic(today.day)} mwezi wa {today.month}"
        checks = neema.say(typed)
        assert has(checks, "1 kati ya 3 · Malighafi"), checks
        for _ in range(3):
            neema.tap("Inafuata viwango")
        neema.tap("Nimemaliza")
        passed = neema.tap("Imepita")
        assert passed[0].startswith(
            f"Imerekodiwa: duka Shanga za Amina limepita. Sasa wanunuzi wanaona "
            f"“Karakana imetembelewa na Soko, {month_sw}”"
        ), passed
        congratulated = amina.told("Hongera! Soko ilitembelea karakana yako")
        assert has(congratulated, f"“Karakana imetembelewa na Soko, {month_sw}”")

        # Buyers see it: the chat card, the piece page and the shop page.
        card = buyer.say(f"/start p-{product_id}")
        assert has(card, f"Workshop visited by Soko, {month_en}"), card
        piece = httpx.get(f"{shop.url}/p/{product_slug}", timeout=10).text
        assert f"Workshop visited by Soko, {month_en}" in piece
        shop_page = httpx.get(f"{shop.url}/a/{shop_slug}?lang=sw", timeout=10).text
        assert f"Karakana imetembelewa na Soko, {month_sw}" in shop_page

        # Nothing is due now; the old list's button opens that shop as it is now.
        empty = neema.tap("Maduka ya kutembelea")
        assert empty[0].startswith("Hakuna duka linalosubiri ziara"), empty
        reopened = neema.tap(follow_up)
        assert reopened[0].startswith("Unarekodi ziara ya Shanga za Amina."), reopened
        assert has(neema.say("menyu"), "Ungependa kufanya nini?")
    listed = soko(shop, "admin", "roles", "list", "--history")
    assert listed.returncode == 0, listed.stderr
    visits = [line for line in listed.stdout.splitlines() if " visit " in line]
    # "… UTC  Grace (+2547…)  visit  shanga-za-amina (independent)  (passed 2026-10-06)"
    assert [(line.split()[3], line.rsplit("  (", 1)[1].split()[0]) for line in visits] == [
        ("Grace", "passed"),
        ("Grace", "follow_up"),
        ("Neema", "passed"),
    ], listed.stdout
    assert "Traceback" not in run.logged()
