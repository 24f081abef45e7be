"""A WhatsApp photo as sent (GPS and all) stays on Twilio until someone deletes it: `soko run`
deletes each one from Twilio once it has processed it, or refused it, and recorded the
message."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.demo.pictures import draw_piece
from store.models import Category
from tests.e2e.chat_people import WhatsAppPerson
from tests.e2e.operator_env import running_fakes
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, wait_until
from tests.fakes.serving import free_port

pytestmark = pytest.mark.slow


def test_photos_are_deleted_from_twilio_once_processed_or_refused(tmp_path: Path) -> None:
    with running_fakes(with_stripe=False) as fakes:
        twilio = fakes.twilio
        shop = fakes.operator_env(tmp_path, port=free_port())
        amina = WhatsAppPerson(
            "Amina", "+254700111222", twilio, ShopDatabase(shop.database_url), shop.url
        )
        with SokoProcess(shop, "run") as run:
            amina.say("Hi")
            assert amina.send_photos([draw_piece(Category.NECKLACE, seed=3)])  # processed
            assert amina.send_photos([b"%PDF-1.4 her ID card"])  # refused: not a photo
            wait_until(lambda: len(twilio.deleted_media) == 2, what="both deleted on Twilio")
        assert twilio.media == {}  # nothing of hers is left on Twilio
        assert fakes.twilio.auth_token not in run.logged()
