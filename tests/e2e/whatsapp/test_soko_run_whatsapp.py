"""`soko run` and `soko whatsapp templates sync` as real processes, against the fake Twilio."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.chat_people import WhatsAppPerson
from tests.e2e.operator_env import operator_env
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, soko
from tests.e2e.whatsapp.harness import AUTH_TOKEN
from tests.fakes.serving import free_port
from tests.fakes.twilio_api import FakeTwilio


def test_templates_sync_command(tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    shop = operator_env(tmp_path, twilio=fake_twilio, PUBLIC_BASE_URL="https://shop.example")
    done = soko(shop, "whatsapp", "templates", "sync")
    assert done.returncode == 0, done.stderr
    assert "created 24, already there 0" in done.stdout
    assert AUTH_TOKEN not in done.stdout + done.stderr
    sids = json.loads(Path(shop.variables["TWILIO_TEMPLATES_FILE"]).read_text())["sids"]
    assert sids["soko_new_order_sw"] == next(
        c["sid"] for c in fake_twilio.contents if c["friendly_name"] == "soko_new_order_sw"
    )
    assert len(fake_twilio.approvals) == 12  # six utility templates, two languages


def test_soko_run_answers_a_whatsapp_message(tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    shop = operator_env(tmp_path, twilio=fake_twilio, port=free_port())
    phone = "+254700999888"
    newcomer = WhatsAppPerson(
        "Wanjiru", phone, fake_twilio, ShopDatabase(shop.database_url), shop.url
    )
    with SokoProcess(shop, "run") as run:
        assert newcomer.say("Hi")
    first = fake_twilio.messages_to(phone)[0]
    assert first.body.startswith("Welcome to Soko!")
    assert first.status_callback.startswith(f"{shop.url}/webhooks/twilio/status?outbox=")
    assert AUTH_TOKEN not in run.logged()
