"""Soko's standards from an empty database (issue 24), with the real `soko run` on the fake
Telegram and the operator's settings only. Wanjiru lists a necklace in Swahili with plastic
beads: she is told the rule they go against, in Swahili, and sends it on for a community
manager to decide. The owner (by her number) makes Neema (English) and Zawadi (Swahili)
community managers in her People menu. Each reads the review card in her own language, with
the rule the flag comes from; Neema opens the standards from the menu, with the visit
checklist, and approves the piece: the standard flags, a manager decides. On both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from conversations.i18n import Translator
from store.demo.pictures import draw_piece
from store.models import Category
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.running_shop import running_shop
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.test_zero_to_sale import has, open_shop_on_telegram

pytestmark = pytest.mark.slow

OWNER_PHONE = "+254711000001"
WANJIRU_PHONE = "+254733000003"
NEEMA_PHONE = "+254722000009"
ZAWADI_PHONE = "+254722000010"
EN, SW = Translator("en"), Translator("sw")


@dataclass
class Shop:
    database: ShopDatabase
    owner: TelegramPerson
    wanjiru: TelegramPerson
    neema: TelegramPerson
    zawadi: TelegramPerson


@contextmanager
def standards_shop(tmp_path: Path, engine: Engine) -> Iterator[Shop]:
    url = engine.url.render_as_string(hide_password=False)
    with running_shop(tmp_path, transcript=50, DATABASE_URL=url) as running:
        yield Shop(
            running.database,
            owner=running.on_telegram("Grace Mutua", 5401, "en"),
            wanjiru=running.on_telegram("Wanjiru", 5402, "sw"),
            neema=running.on_telegram("Neema Achieng", 5403, "en"),
            zawadi=running.on_telegram("Zawadi Njeri", 5404, "sw"),
        )


def wanjiru_lists_plastic_beads(shop: Shop) -> None:
    wanjiru = shop.wanjiru
    wanjiru.say("/start")
    wanjiru.tap("Kiswahili")
    wanjiru.tap(SW._("Sell your jewelry"))
    opened = open_shop_on_telegram(wanjiru, "Shanga za Wanjiru", WANJIRU_PHONE)
    assert has(opened, SW._("Congratulations! Your shop {shop} is open.")[:9]), opened
    wanjiru.send_photos([draw_piece(Category.NECKLACE, seed=31 + n) for n in range(2)])
    asked = wanjiru.say("Mkufu wa Maasai 1500")
    assert has(asked, SW._("What is it made of? For example: glass beads, brass wire")), asked
    # Her notice names the rule the plastic goes against, in her language.
    flagged = wanjiru.say("shanga za plastiki na waya wa shaba")
    assert has(flagged, "Hii huenda haifai: shanga za plastiki.\n"), flagged
    assert has(flagged, "Kanuni ya Soko: Hakuna plastiki wala malighafi bandia"), flagged
    card = wanjiru.tap(SW._("Continue anyway"))
    assert has(card, SW._("OK — a community manager will check the materials.")), card
    submitted = wanjiru.choose(SW._("Submit for review"))
    assert has(submitted, "Asante! Msimamizi wa jamii ataikagua"), submitted


def made_a_manager_by_the_owner(shop: Shop, manager: TelegramPerson, phone: str) -> None:
    """She says hello and shares her number; the owner finds her by it in People and makes
    her a community manager."""
    manager.say("/start")
    manager.tap("English" if manager is shop.neema else "Kiswahili")
    manager.say("my number")
    manager.share_own_contact(phone.removeprefix("+"))
    shop.owner.say("menu")
    shop.owner.tap(EN._("People"))
    shop.owner.say(phone)
    made = shop.owner.tap(EN._("Make community manager"))
    assert has(made, "is now a community manager"), made


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_review_card_shows_the_rule_behind_a_flag_in_english_and_swahili(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    with standards_shop(tmp_path, engine) as shop:
        shop.owner.say("/start")
        shop.owner.share_own_contact(OWNER_PHONE.removeprefix("+"))
        wanjiru_lists_plastic_beads(shop)
        made_a_manager_by_the_owner(shop, shop.neema, NEEMA_PHONE)
        made_a_manager_by_the_owner(shop, shop.zawadi, ZAWADI_PHONE)

        # Zawadi reads the card in Swahili: her words, and the rule in Zawadi's language.
        shop.zawadi.say("menyu")
        card = shop.zawadi.tap(SW._("Review listings"))
        assert has(card, "Malighafi: shanga za plastiki, waya wa shaba\n"), card
        assert has(card, "⚠️ shanga za plastiki — Hakuna plastiki wala malighafi bandia\n"), card
        assert has(card, "Viwango: “Viwango vya Soko” kwenye menyu."), card
        shop.zawadi.tap(SW._("Skip"))

        # Neema reads it in English, with the material's English name beside her words.
        shop.neema.say("menu")
        card = shop.neema.tap(EN._("Review listings"))
        assert has(card, "Made of: shanga za plastiki, waya wa shaba\n"), card
        assert has(card, "⚠️ shanga za plastiki (plastic) — No plastic or synthetic materials\n")
        assert not has(card, "waya wa shaba ("), card  # brass is welcome: no flag

        # The line leads to the standards: the rules, and the checklist she visits with.
        shop.neema.say("menu")
        shop.neema.tap(EN._("More"))
        standards = "\n".join(shop.neema.tap(EN._("Soko’s standards")))
        assert "• No plastic or synthetic materials: " in standards, standards
        assert "• Horn and bone are welcome (legally sourced): " in standards, standards
        assert "When you visit a workshop, look at:\n• Materials: " in standards, standards

        # The standard flags; the manager decides.
        shop.neema.say("menu")
        shop.neema.tap(EN._("Review listings"))
        approved = shop.neema.tap(EN._("Approve"))
        assert has(approved, "Approved: Mkufu wa Maasai"), approved
        [(status,)] = shop.database.query("SELECT status FROM products")
        assert status == "active"
