"""Hostile photos sent to a real `soko run` on WhatsApp: a 1.6 KB WebP claiming 16383x2441
pixels (decoding it took 658 MB) and a 132 KB PNG of 6324x6324 (538 MB). Each artisan is told
kindly, in her language, that the picture is too large or unusual and to send a normal photo;
nothing is listed from it, and her next, normal photo is received as usual."""

from __future__ import annotations

from pathlib import Path

from conversations.i18n import Translator
from store.demo.pictures import draw_piece
from store.models import Category
from tests.e2e.chat_people import WhatsAppPerson
from tests.e2e.operator_env import Fakes
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess
from tests.fakes.serving import free_port
from tests.unit.media.hostile import REFUSED

AMINA = "+254722000551"
WANJIRU = "+254722000552"
SW = Translator("sw")


def open_shop(artisan: WhatsAppPerson, language: str, tr: Translator) -> None:
    artisan.say("Hi")
    artisan.say(language)
    artisan.choose(tr._("Sell your jewelry"))
    artisan.say(f"{artisan.name} Beads")
    artisan.say("Kibera")
    artisan.say("1")  # her own number for M-Pesa
    opened = artisan.choose(tr._("Yes, open my shop"))
    assert opened[0] == tr._("Congratulations! Your shop {shop} is open.").format(
        shop=f"{artisan.name} Beads"
    )


def test_a_decompression_bomb_is_refused_kindly_in_english_and_swahili(
    tmp_path: Path, fakes: Fakes
) -> None:
    shop = fakes.operator_env(tmp_path, port=free_port())
    database = ShopDatabase(shop.database_url)
    amina = WhatsAppPerson("Amina", AMINA, fakes.twilio, database, shop.url)
    wanjiru = WhatsAppPerson("Wanjiru", WANJIRU, fakes.twilio, database, shop.url)

    with SokoProcess(shop, "run"):
        open_shop(amina, "1", Translator("en"))
        assert amina.send_photos([REFUSED["webp_lossless_16383x2441"]()]) == [
            "That picture is too large or unusual to open. "
            "Please send it as a normal photo from your phone's camera."
        ]
        received = amina.send_photos([draw_piece(Category.NECKLACE, seed=3)])
        assert "Photo received (1 of 5)." in received

        open_shop(wanjiru, "2", SW)
        assert wanjiru.send_photos([REFUSED["png_6324x6324"]()]) == [
            "Picha hiyo ni kubwa mno au si ya kawaida, siwezi kuifungua. "
            "Tafadhali itume kama picha ya kawaida kutoka kamera ya simu yako."
        ]
        received = wanjiru.send_photos([draw_piece(Category.NECKLACE, seed=4)])
        assert SW._("Photo received ({count} of {max}).").format(count=1, max=5) in received
