"""Twenty WhatsApp messages from one number within half a second, against `soko run` on the
fake Twilio: every one is recorded and handled, in order, and the burst is answered once
(her first three one by one, then the answer to her latest)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from conversations.floods import FloodLimit
from store.models import InboxMessage, InboxStatus
from tests.e2e.chat_people import WhatsAppPerson
from tests.e2e.operator_env import operator_env
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess
from tests.fakes.serving import free_port
from tests.fakes.twilio_api import FakeTwilio

pytestmark = pytest.mark.slow

PHONE = "+254733111222"


def test_twenty_messages_in_half_a_second_are_all_handled_and_answered_once(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    shop = operator_env(tmp_path, twilio=fake_twilio, port=free_port())
    database = ShopDatabase(shop.database_url)
    akinyi = WhatsAppPerson("Akinyi", PHONE, fake_twilio, database, shop.url)
    with SokoProcess(shop, "run"):
        akinyi.say("Hi")
        menu = akinyi.say("menu")
        # She reads the menu a moment: her "Hi" and "menu", answered at once, are not part of
        # the burst (three messages in a second are a conversation; the fourth starts one).
        time.sleep(FloodLimit().window.total_seconds())
        before = database.counts()["inbox"]
        answers = akinyi.say_many(["menu"] * 20)

    assert answers == menu * 4, "\n".join(akinyi.transcript)
    engine = create_engine(shop.database_url)
    with engine.connect() as connection:
        handled = connection.execute(
            select(InboxMessage.status).where(InboxMessage.id > before)
        ).scalars()
        assert list(handled) == [InboxStatus.HANDLED] * 20
    engine.dispose()
