"""From zero, with the operator's own vocabulary (issue 20): VOCABULARY_FILE adds a Swahili
word ("kopa", copper) to the shipped vocabulary; `soko run` starts on an empty database; an
artisan lists a necklace in Swahili on Telegram, as in the walk from zero to a sale; the owner
approves it on WhatsApp; and an English buyer who searches "copper" finds it and reads what it
is and what it is made of in English, under the artisan's own title."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.i18n import Translator
from store.demo.pictures import draw_piece
from store.models import Category
from tests.e2e.chat_people import TelegramPerson, WhatsAppPerson
from tests.e2e.operator_env import running_fakes
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess
from tests.e2e.test_zero_to_sale import has, open_shop_on_telegram
from tests.fakes.serving import free_port

pytestmark = pytest.mark.slow

OWNER_PHONE = "+254711000001"
AMINA_PHONE = "+254722000002"
EN, SW = Translator("en"), Translator("sw")
# What a community manager writes after hearing artisans in Kisii say "kopa" for copper.
EXTRA_WORDS = """
[[material]]
code = "copper"
synonyms.sw = ["kopa"]
"""


def test_an_english_buyer_finds_a_piece_listed_in_swahili_through_the_managers_words(
    tmp_path: Path,
) -> None:
    words = tmp_path / "vocabulary.toml"
    words.write_text(EXTRA_WORDS, encoding="utf-8")
    with running_fakes(with_stripe=False) as fakes:
        shop = fakes.operator_env(
            tmp_path, port=free_port(), ADMIN_PHONES="0711 000 001", VOCABULARY_FILE=str(words)
        )
        database = ShopDatabase(shop.database_url)
        owner = WhatsAppPerson("Grace Mutua", OWNER_PHONE, fakes.twilio, database, shop.url)
        amina = TelegramPerson("Amina Otieno", 7002, fakes.telegram, database, "sw")
        buyer = TelegramPerson("Lena Fischer", 7003, fakes.telegram, database, "en")
        try:
            with SokoProcess(shop, "run"):
                amina.say("/start")
                amina.tap("Kiswahili")
                amina.tap(SW._("Sell your jewelry"))
                opened = open_shop_on_telegram(amina, "Shanga za Amina", AMINA_PHONE)
                assert has(opened, SW._("Congratulations! Your shop {shop} is open.")[:9])
                amina.send_photos([draw_piece(Category.NECKLACE, seed=7 + n) for n in range(2)])
                # "Mkufu" says the kind; no material is named, so she is asked.
                asked = amina.say("Mkufu wa Kisii 1500")
                assert has(asked, SW._("What is it made of? For example: glass beads, brass wire"))
                card = amina.say("kopa na shanga za kioo")
                assert has(card, "Malighafi: kopa, shanga za kioo"), card  # her words
                submitted = amina.choose(SW._("Submit for review"))
                assert has(submitted, "Asante! Msimamizi wa jamii ataikagua"), submitted

                owner.say("Hi")
                owner.say("menu")
                review = owner.choose(EN._("Review listings"))
                # The manager reads the materials as the artisan typed them.
                assert has(review, "Made of: kopa, shanga za kioo"), review
                approved = owner.choose(EN._("Approve"))
                assert has(approved, "Approved: Mkufu wa Kisii"), approved

                buyer.say("/start")
                buyer.tap("English")
                buyer.tap(EN._("Search"))
                found = buyer.say("copper")
                assert has(found, "Mkufu wa Kisii"), found
                [piece] = buyer.say("1")
                assert "Mkufu wa Kisii\nCopper and glass bead necklace\n" in piece, piece
                assert "\nMade of copper, glass beads\n" in piece, piece
        finally:
            for person in (amina, owner, buyer):
                print("\n".join(person.transcript[-40:]))
            database.engine.dispose()
