"""A Swahili newcomer on WhatsApp, from typing her mentor's code to "sent for review", against
a real `soko run`: "JIUNGE" tells her language, so she is not asked it; her name is her
WhatsApp name and her M-Pesa number the one she writes from; the photos' caption gives the
name and the price. She sends at most 12 messages and reads no English."""

from __future__ import annotations

import json
from pathlib import Path

from store.demo.pictures import draw_piece
from store.models import Category
from tests.e2e.chat_people import WhatsAppPerson
from tests.e2e.newcomer import (
    CAPTION,
    MOST_ON_WHATSAPP,
    SW,
    english_in,
    her_replies,
    listed_piece,
    messages_sent,
    shop_with_a_mentor,
)
from tests.e2e.operator_env import Fakes

AKINYI_PHONE = "+254744000004"


def test_a_swahili_newcomer_joins_and_lists_in_twelve_messages(
    tmp_path: Path, fakes: Fakes
) -> None:
    with shop_with_a_mentor(tmp_path, fakes) as shop:
        akinyi = WhatsAppPerson("Akinyi", AKINYI_PHONE, fakes.twilio, shop.database, shop.env.url)
        first = akinyi.say(f"JIUNGE {shop.code}")
        assert first[0] == SW._("Welcome to Soko! Buy and sell handmade jewelry.")
        assert f"Msimbo wa mlezi wako: {shop.code}." in first[1]
        akinyi.say("Pembe za Akinyi")
        akinyi.say("Kisumu")
        card = akinyi.choose(SW._("Use {phone}").format(phone="0744 000004"))
        assert "Jina: Akinyi\n" in card[0]
        opened = akinyi.choose(SW._("Yes, open my shop"))
        assert opened[0] == "Hongera! Duka lako Pembe za Akinyi limefunguliwa."
        assert "Akinyi" in "\n".join(shop.mentor.told("Akinyi"))  # her mentor is told

        photos = [draw_piece(Category.NECKLACE, seed=21 + n) for n in range(2)]
        # The caption names the piece, its kind, its material and its price: nothing asked.
        card = "\n".join(akinyi.send_photos(photos, caption=CAPTION))
        assert "Mkufu wa shaba\nBei: Ksh\xa01,500\n" in card
        assert "Aina: Mkufu\nMalighafi: shaba\nIdadi: 1\n" in card
        submitted = akinyi.choose(SW._("Submit for review"))
        assert submitted[0].startswith("Asante! Msimamizi wa jamii ataikagua")

        sent = messages_sent(akinyi, album_updates=1)  # WhatsApp: the photos in one message
        print(f"WhatsApp: the newcomer sent {sent} messages")
        print("\n".join(akinyi.transcript))
        assert sent <= MOST_ON_WHATSAPP
        assert english_in(her_replies(akinyi)) == []

        piece = listed_piece(shop.database, "Pembe za Akinyi")
        assert (piece["title"], piece["price_minor"], piece["status"]) == (
            "Mkufu wa shaba",
            150_000,
            "pending_review",
        )
        assert piece["category"] == Category.NECKLACE.value
        assert json.loads(str(piece["materials"])) == ["shaba"]
        assert json.loads(str(piece["material_codes"])) == ["brass"]
        assert (piece["stock_on_hand"], piece["mentor"]) == (1, "Shanga za Amina")
    assert "Traceback" not in shop.run.logged()
