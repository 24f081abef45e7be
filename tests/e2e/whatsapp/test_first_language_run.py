"""`soko run` against the fake Twilio: a newcomer is welcomed in the language of her first
words, on a shop left at its default language (English)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.chat_people import WhatsAppPerson
from tests.e2e.operator_env import operator_env
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, wait_until
from tests.fakes.serving import free_port
from tests.fakes.twilio_api import FakeTwilio
from tests.said import things_in

KENYAN = "+254711222333"
ANOTHER = "+254722444555"


def test_habari_from_a_kenyan_number_gets_the_swahili_welcome(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    shop = operator_env(tmp_path, twilio=fake_twilio, port=free_port())
    database = ShopDatabase(shop.database_url)
    kenyan = WhatsAppPerson("Wanjiru", KENYAN, fake_twilio, database, shop.url)
    another = WhatsAppPerson("Wanjiru", ANOTHER, fake_twilio, database, shop.url)
    with SokoProcess(shop, "run"):
        kenyan.say_and_go("habari")
        another.say_and_go("Hi")
        wait_until(
            lambda: fake_twilio.messages_to(KENYAN) and fake_twilio.messages_to(ANOTHER),
            30,
            "both welcomes",
        )
    assert things_in(fake_twilio.messages_to(KENYAN)[0].body)[0] == (
        "Karibu Soko! Nunua na uuze vito vilivyotengenezwa kwa mikono."
    )
    assert fake_twilio.messages_to(ANOTHER)[0].body.startswith("Welcome to Soko!")
