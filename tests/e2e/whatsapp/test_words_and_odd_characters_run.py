"""`soko run` against the fake Twilio, on both databases (issue 19, items 4 and 5): on WhatsApp,
a typed "ndiyo" / "yes" works like the numbered option and is never kept as her name, nor a
"ndiyo" or "hapana" as her place after she shared a pin (kept for the Soko team only); a
"hapana" / "no" is
answered kindly, and a NUL byte in a message is cleaned away before it is recorded
(PostgreSQL cannot hold it: the webhook answered 500 and the message was lost)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.e2e.chat_people import WhatsAppPerson
from tests.e2e.operator_env import operator_env
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess
from tests.fakes.serving import free_port
from tests.fakes.twilio_api import FakeTwilio

ACHIENG = "+254711000101"
ZAWADI = "+254722000202"

PIN_KEPT = (
    "Asante! Ni timu ya Soko tu itakayoona pini yako, ili ikutembelee; wanunuzi hawaioni. Sasa"
    " andika jina la mahali unapofanyia kazi, litakaloonekana kwa wanunuzi, kwa mfano: Kibera,"
    " Nairobi."
)
NOT_AN_AREA = (
    "Tafadhali andika jina la mahali unapofanyia kazi, si pini wala kiungo cha ramani: wanunuzi"
    " hawavioni. Kwa mfano: Kibera, Nairobi."
)


def shop_of(database: ShopDatabase, phone: str) -> tuple[str, str, str]:
    [row] = database.query(
        "SELECT users.display_name, artisans.shop_name, artisans.location FROM artisans"
        " JOIN users ON users.id = artisans.user_id"
        " JOIN identities ON identities.user_id = users.id"
        " WHERE identities.platform_user_id = :phone",
        phone=phone,
    )
    return str(row[0]), str(row[1]), str(row[2])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_typed_ndiyo_works_like_the_option_and_is_not_her_name(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    url = engine.url.render_as_string(hide_password=False)
    shop = operator_env(tmp_path, twilio=fake_twilio, port=free_port(), DATABASE_URL=url)
    database = ShopDatabase(shop.database_url)
    achieng = WhatsAppPerson("Achieng", ACHIENG, fake_twilio, database, shop.url)
    zawadi = WhatsAppPerson("Zawadi", ZAWADI, fake_twilio, database, shop.url)

    with SokoProcess(shop, "run"):
        achieng.say("Habari")
        achieng.say("2")  # Kiswahili
        assert achieng.choose("Uza vito vyako")[-1] == (
            "Wewe ni Achieng? Jibu ndiyo, au andika jina lako.\n\n1. Ndiyo, ni mimi"
        )
        assert achieng.say("hapana") == [
            "Samahani, “hapana” si mojawapo ya majibu hapa.",
            "Wewe ni Achieng? Jibu ndiyo, au andika jina lako.\n\n1. Ndiyo, ni mimi",
        ]
        assert achieng.say("Ndiyo") == ["Duka lako linaitwaje? Kwa mfano: Mama Shanga Beads."]
        assert achieng.say("Shanga\x00 za Achieng")[0].startswith("Unafanyia kazi wapi?")
        # Her pin is for the Soko team; a "ndiyo" or "hapana" after it is never her place.
        assert achieng.share_location(-1.3133, 36.7876) == [PIN_KEPT]
        assert achieng.say("ndiyo") == [NOT_AN_AREA]
        assert achieng.say("hapana") == [NOT_AN_AREA]
        assert achieng.say("Kibera, Nairobi")[0].startswith(
            "Pesa zako zitumwe kwa namba gani ya M-Pesa?"
        )
        achieng.say("1")  # the number she writes from
        achieng.say("ruka")
        assert achieng.say("ndiyo")[0] == "Hongera! Duka lako Shanga za Achieng limefunguliwa."

        zawadi.say("Hi")
        zawadi.say("1")  # English
        assert zawadi.choose("Sell your jewelry")[-1] == (
            "Are you Zawadi? Tap yes, or type your name.\n\n1. Yes, that's me"
        )
        assert zawadi.say("no") == [
            "Sorry, “no” is not one of the answers here.",
            "Are you Zawadi? Tap yes, or type your name.\n\n1. Yes, that's me",
        ]
        assert zawadi.say("Yes") == ["What is your shop called? For example: Mama Shanga Beads."]

    try:
        assert shop_of(database, ACHIENG) == ("Achieng", "Shanga za Achieng", "Kibera, Nairobi")
        [failed] = database.query("SELECT count(*) FROM inbox WHERE status = 'failed'")
        assert failed[0] == 0
    finally:
        database.engine.dispose()
