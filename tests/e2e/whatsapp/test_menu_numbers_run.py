"""`soko run` against the fake Twilio (issue 20): on WhatsApp a menu number keeps its meaning
when a buyer opens her shop (Language is 98 for everyone), and a turn that says several things
(her shop is open, the next step, her new menu) arrives as one Twilio message."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.chat_people import WhatsAppPerson
from tests.e2e.operator_env import operator_env
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess
from tests.e2e.whatsapp.harness import rendered
from tests.fakes.serving import free_port
from tests.fakes.twilio_api import FakeTwilio

WANJIRU = "+254711000303"
ZAWADI = "+254722000404"
LANGUAGES = "Choose your language:\n\n1. English\n2. Kiswahili"
LANGUAGES_SW = "Chagua lugha yako:\n\n1. English\n2. Kiswahili"


def test_a_menu_number_keeps_its_meaning_and_one_turn_is_one_message(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    shop = operator_env(tmp_path, twilio=fake_twilio, port=free_port())
    database = ShopDatabase(shop.database_url)
    wanjiru = WhatsAppPerson("Wanjiru", WANJIRU, fake_twilio, database, shop.url)
    zawadi = WhatsAppPerson("Zawadi", ZAWADI, fake_twilio, database, shop.url)

    def messages() -> int:
        return len(fake_twilio.messages_to(WANJIRU))

    try:
        with SokoProcess(shop, "run"):
            wanjiru.say("Hi")
            menu = wanjiru.say("1")  # English
            assert menu[-1].startswith("What would you like to do?\n\n1. Shop jewelry\n")
            assert menu[-1].endswith("5. Sell your jewelry\n9. More")
            assert wanjiru.say("98") == [LANGUAGES]
            wanjiru.say("1")
            assert wanjiru.say("what?") == ["Reply with a number, or *menu*."]

            wanjiru.choose("Sell your jewelry")  # her name is her WhatsApp profile's
            wanjiru.say("Shanga za Wanjiru")
            wanjiru.say("Kibera, Nairobi")
            wanjiru.say("1")  # the M-Pesa number she writes from
            before = messages()
            opened = wanjiru.choose("Yes, open my shop")
            # Three things said (her shop is open, what to do next, her menu): one message.
            assert messages() == before + 1
            assert len(opened) >= 3
            [message] = fake_twilio.messages_to(WANJIRU)[before:]
            assert "Shanga za Wanjiru" in rendered(message)
            assert rendered(message).endswith(
                "What would you like to do?\n\n1. List a piece\n2. My pieces\n"
                "3. Orders to send\n4. My earnings\n9. More"
            )
            # Her menu is a seller's now; Language is still 98, her orders under More.
            assert wanjiru.say("98") == [LANGUAGES]
            wanjiru.say("1")
            assert wanjiru.say("14")[0].startswith("You have no orders yet")

            # In Swahili: the same numbers, and the one short line.
            zawadi.say("habari")
            menu = zawadi.say("2")  # Kiswahili
            assert menu[-1].startswith("Ungependa kufanya nini?\n\n1. Nunua vito\n")
            assert menu[-1].endswith("\n9. Zaidi")
            assert zawadi.say("kitu gani?") == ["Jibu kwa namba, au andika *menyu*."]
            assert zawadi.say("98") == [LANGUAGES_SW]
    finally:
        database.engine.dispose()
