"""A Swahili newcomer on Telegram, from her mentor's link to "sent for review", against a real
`soko run`: her app speaks Swahili, so she is not asked her language; her name is her app's;
the photo's caption gives the name and the price. She sends at most 10 messages (an album
counts once) and reads no English."""

from __future__ import annotations

import json
from pathlib import Path

from store.demo.pictures import draw_piece
from store.models import Category
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.newcomer import (
    CAPTION,
    MOST_ON_TELEGRAM,
    SW,
    english_in,
    her_replies,
    listed_piece,
    messages_sent,
    shop_with_a_mentor,
)
from tests.e2e.operator_env import Fakes

WANJIRU_PHONE = "+254733000003"


def test_a_swahili_newcomer_joins_and_lists_in_ten_messages(tmp_path: Path, fakes: Fakes) -> None:
    with shop_with_a_mentor(tmp_path, fakes) as shop:
        wanjiru = TelegramPerson("Wanjiru", 5003, fakes.telegram, shop.database, "sw")
        code = shop.code.replace("-", "")
        first = wanjiru.say(f"/start ref-{code}")
        assert first[0] == SW._("Welcome to Soko! Buy and sell handmade jewelry.")
        assert f"Msimbo wa mlezi wako: {shop.code}." in first[1]
        wanjiru.say("Vito vya Wanjiru")
        wanjiru.say("Kibera, Nairobi")
        card = wanjiru.share_own_contact(WANJIRU_PHONE.removeprefix("+"))
        assert "Jina: Wanjiru\n" in card[0]
        opened = wanjiru.tap(SW._("Yes, open my shop"))
        assert opened[0] == "Hongera! Duka lako Vito vya Wanjiru limefunguliwa."
        assert "Wanjiru" in "\n".join(shop.mentor.told("Wanjiru"))  # her mentor is told

        album = [draw_piece(Category.NECKLACE, seed=11 + n) for n in range(2)]
        # The caption names the piece, its kind, its material and its price: nothing asked.
        card = "\n".join(wanjiru.send_photos(album, caption=CAPTION))
        assert "Mkufu wa shaba\nBei: Ksh\xa01,500\n" in card
        assert "Aina: Mkufu\nMalighafi: shaba\nIdadi: 1\n" in card
        submitted = wanjiru.tap(SW._("Submit for review"))
        assert submitted[0].startswith("Asante! Msimamizi wa jamii ataikagua")

        sent = messages_sent(wanjiru, album_updates=len(album))
        print(f"Telegram: the newcomer sent {sent} messages ({wanjiru.sent} updates)")
        print("\n".join(wanjiru.transcript))
        assert sent <= MOST_ON_TELEGRAM
        assert english_in(her_replies(wanjiru)) == []

        piece = listed_piece(shop.database, "Vito vya Wanjiru")
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
