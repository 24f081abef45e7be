"""`soko run` against the fake Telegram and Twilio, on both databases (issue 19, item 11): an
artisan who shares her location at "Where do you work?" is told, in her language, that only the
Soko team sees the pin, and asked the area buyers will see; her shop shows what she typed and
her pin is kept precisely, apart from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.e2e.chat_people import TelegramPerson, WhatsAppPerson
from tests.e2e.operator_env import Fakes
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess
from tests.fakes.serving import free_port

ACHIENG = "+254711000303"  # on WhatsApp, in Swahili
WANJIKU = 93001  # on Telegram, in English


def place_and_pin(database: ShopDatabase, shop_name: str) -> tuple[str, float, float]:
    [row] = database.query(
        "SELECT location, pin_latitude, pin_longitude FROM artisans WHERE shop_name = :shop",
        shop=shop_name,
    )
    return str(row[0]), float(row[1]), float(row[2])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_shared_pin_stays_private_and_she_types_her_area(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, fakes: Fakes
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    url = engine.url.render_as_string(hide_password=False)
    shop = fakes.operator_env(tmp_path, port=free_port(), DATABASE_URL=url)
    database = ShopDatabase(shop.database_url)
    achieng = WhatsAppPerson("Achieng", ACHIENG, fakes.twilio, database, shop.url)
    wanjiku = TelegramPerson("Wanjiku", WANJIKU, fakes.telegram, database)

    with SokoProcess(shop, "run"):
        achieng.say("Habari")
        achieng.say("2")  # Kiswahili
        achieng.choose("Uza vito vyako")
        assert achieng.say("Shanga za Achieng")[0].startswith("Unafanyia kazi wapi?")
        assert achieng.share_location(-1.313347, 36.787612) == [
            "Asante! Ni timu ya Soko tu itakayoona pini yako, ili ikutembelee; wanunuzi "
            "hawaioni. Sasa andika jina la mahali unapofanyia kazi, litakaloonekana kwa "
            "wanunuzi, kwa mfano: Kibera, Nairobi."
        ]
        assert achieng.say("Kibera, Nairobi")[0].startswith("Pesa zako zitumwe")
        # The number she writes from; then the card.
        assert "\nMahali: Kibera, Nairobi\n" in achieng.say("1")[0]
        assert achieng.say("1")[0] == "Hongera! Duka lako Shanga za Achieng limefunguliwa."

        wanjiku.say("Hi")
        wanjiku.say("1")  # English
        wanjiku.say("Sell your jewelry")
        wanjiku.say("Wanjiku Beads")
        assert wanjiku.share_location(-1.2921, 36.8219) == [
            "Thank you! Only the Soko team sees your pin, to visit you; buyers do not see it. "
            "Now type the area buyers will see, for example: Kibera, Nairobi."
        ]
        assert not any(button["text"] == "Use the pin" for button in wanjiku.buttons())
        assert wanjiku.say("https://maps.google.com/?q=-1.2921,36.8219") == [
            "Please type the name of your area, not a pin or a map link: buyers do not see "
            "those. For example: Kibera, Nairobi."
        ]
        wanjiku.say("Gikomba, Nairobi")
        wanjiku.say("0722 000 555")
        assert wanjiku.say("1")[0] == "Congratulations! Your shop Wanjiku Beads is open."

    try:
        assert place_and_pin(database, "Shanga za Achieng") == (
            "Kibera, Nairobi",
            -1.313347,
            36.787612,
        )
        assert place_and_pin(database, "Wanjiku Beads") == ("Gikomba, Nairobi", -1.2921, 36.8219)
    finally:
        database.engine.dispose()
