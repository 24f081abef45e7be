"""Fulfilment from an empty database (the hub on both databases): `soko run` as a process on
the fake Telegram, the operator's settings only (the demo card pays), people's taps and words
only.

- Hub (the default mode): Lena in Berlin buys two pieces from two artisans; each accepts and
  is told in Swahili where and by when to bring it; the owner (a community manager by her
  number) receives both at the hub, passes one and returns the other with a reason (the
  artisan is told why, Lena of a delay); brought again, it passes; the owner ships the parcel
  with DHL and its number, and Lena gets the tracking link and a "Received" button.
- Direct: the artisan ships herself and records the carrier and number; Lena gets the link.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from conversations.i18n import Translator
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.running_shop import running_shop
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.test_zero_to_sale import has, list_a_necklace, open_shop_on_telegram

pytestmark = pytest.mark.slow

OWNER_PHONE = "+254711000001"
EN, SW = Translator("en"), Translator("sw")
DHL_LINK = "https://www.dhl.com/ke-en/home/tracking.html?tracking-id=JD014600006281"


@dataclass
class Shop:
    database: ShopDatabase
    owner: TelegramPerson
    wanjiru: TelegramPerson
    akinyi: TelegramPerson
    lena: TelegramPerson


@contextmanager
def hub_shop(tmp_path: Path, engine: Engine, **settings: str) -> Iterator[Shop]:
    url = engine.url.render_as_string(hide_password=False)
    with running_shop(
        tmp_path,
        transcript=50,
        DATABASE_URL=url,
        PAYMENTS_DEMO="true",
        HUB_ADDRESS="Soko hub, Biashara Street, Nairobi",
        **settings,
    ) as running:
        yield Shop(
            running.database,
            owner=running.on_telegram("Grace Mutua", 5201, "en"),
            wanjiru=running.on_telegram("Wanjiru", 5202, "sw"),
            akinyi=running.on_telegram("Akinyi", 5203, "sw"),
            lena=running.on_telegram("Lena Fischer", 5204, "en"),
        )


def artisans_list_and_owner_approves(shop: Shop, pieces: dict[str, str]) -> None:
    """Each artisan (by the name given) opens her shop and lists her piece; the owner, a
    manager by her number, approves them."""
    owner = shop.owner
    owner.say("/start")
    assert has(owner.share_own_contact(OWNER_PHONE.removeprefix("+")), EN._("Review listings"))
    for n, (name, title) in enumerate(pieces.items()):
        seller: TelegramPerson = getattr(shop, name)
        seller.say("/start")
        seller.tap("Kiswahili")
        seller.tap(SW._("Sell your jewelry"))
        open_shop_on_telegram(seller, f"Vito vya {seller.name}", f"+25473300000{n}")
        list_a_necklace(seller, title, "1500", seed=10 * n + 1)
    owner.say("menu")
    owner.tap(EN._("Review listings"))
    for _ in pieces:
        assert has(owner.tap(EN._("Approve")), "Approved: ")


def lena_buys(shop: Shop, searches: list[str]) -> str:
    """Lena finds each piece, orders them to Berlin and pays with the demo card: the code."""
    lena = shop.lena
    lena.say("/start")
    lena.tap("English")
    for words in searches:
        lena.say("menu")
        lena.tap(EN._("Search"))
        lena.say(words)
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
    return code


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_pieces_through_the_hub_one_returned_then_shipped_with_tracking(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    with hub_shop(tmp_path, engine, FULFILMENT_MODE="hub") as shop:
        owner, wanjiru, akinyi, lena = shop.owner, shop.wanjiru, shop.akinyi, shop.lena
        artisans_list_and_owner_approves(
            shop, {"wanjiru": "Mkufu wa shaba", "akinyi": "Mkufu wa pembe"}
        )
        code = lena_buys(shop, ["shaba", "pembe"])

        # Each accepts from her new-order notice and is told where, by when, in Swahili.
        for seller in (wanjiru, akinyi):
            seller.told(f"Oda mpya {code}")
            accepted = seller.tap(SW._("Accept"))
            assert has(accepted, "Tafadhali leta bidhaa hii kufikia "), accepted
            assert has(accepted, "hapa: Soko hub, Biashara Street, Nairobi."), accepted
            assert has(accepted, "Saa za kazi: Jumatatu–Ijumaa 09:00–17:00"), accepted
            assert not has(accepted, SW._("Mark shipped")), accepted

        # The owner receives both at the hub: the first from its notice, the other on the card.
        owner.told(f"Order {code}: Vito vya Akinyi will bring Mkufu wa pembe to the hub by ")
        owner.tap("Received: Mkufu wa shaba")
        card = owner.tap("Received: Mkufu wa pembe")
        assert has(card, "Mkufu wa pembe × 1 from Vito vya Akinyi — at the hub, to check"), card
        owner.tap("Pass: Mkufu wa shaba")
        assert has(wanjiru.told("imepita ukaguzi"), f"(oda {code})")
        owner.tap("Return: Mkufu wa pembe")
        owner.say("The clasp is loose")
        told = akinyi.told("Sababu: The clasp is loose")
        assert has(told, f"Bidhaa yako “Mkufu wa pembe” (oda {code}) imerudishwa kwako"), told
        lena.told(f"Your order {code}: Mkufu wa pembe needs a little more work before it leaves.")

        # Akinyi brings it again: the owner finds the order by its code, as typed.
        owner.say("menu")
        assert has(owner.tap("Hub: pieces brought in"), "Type the order code")
        owner.say(code.lower())
        owner.tap("Received: Mkufu wa pembe")
        owner.tap("Pass: Mkufu wa pembe")
        owner.tap("Ship the parcel")
        owner.tap("DHL")
        shipped = owner.say("JD014600006281")
        assert has(shipped, f"Shipped: the parcel of order {code} with DHL"), shipped

        parcel = lena.told("Follow it here: ")
        assert has(parcel, f"Your parcel from order {code} is on its way: Mkufu wa shaba, "), parcel
        assert has(parcel, DHL_LINK), parcel
        assert has(parcel, "[Received]"), parcel
        akinyi.told("imetoka ofisini kwenda kwa mnunuzi")
        [(status,)] = shop.database.query("SELECT status FROM orders WHERE code = :c", c=code)
        assert status == "shipped"
        lines = shop.database.query(
            "SELECT l.status, p.carrier, p.tracking_number FROM order_lines l "
            "JOIN parcels p ON p.id = l.parcel_id ORDER BY l.id"
        )
        assert [tuple(row) for row in lines] == [("shipped", "DHL", "JD014600006281")] * 2


def test_direct_the_artisan_ships_with_her_tracking_number(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """On SQLite only: direct shipping's rows are proved on both databases in
    tests/integration/services/test_hub.py, and `soko run` on PostgreSQL by the hub test
    above; this one adds her taps and words through the running process."""
    engine = sqlite_engine
    with hub_shop(tmp_path, engine, FULFILMENT_MODE="direct") as shop:
        wanjiru, lena = shop.wanjiru, shop.lena
        artisans_list_and_owner_approves(shop, {"wanjiru": "Mkufu wa shaba"})
        code = lena_buys(shop, ["shaba"])
        wanjiru.told(f"Oda mpya {code}")
        wanjiru.tap(SW._("Accept"))
        asked = wanjiru.tap(SW._("Mark shipped"))
        assert has(asked, "Kampuni gani ya usafirishaji inakipeleka?"), asked
        assert has(wanjiru.tap("DHL"), "Andika namba ya kufuatilia ya DHL:")
        shipped = wanjiru.say("JD014600006281")
        assert has(shipped, "Umetuma: Mkufu wa shaba."), shipped
        parcel = lena.told("Follow it here: ")
        assert has(parcel, DHL_LINK), parcel
        assert has(parcel, f"Everything in order {code} is on its way."), parcel
