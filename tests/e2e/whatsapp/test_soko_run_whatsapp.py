"""`soko run` and `soko whatsapp templates sync` as real processes, against the fake Twilio."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from tests.e2e.whatsapp.harness import ACCOUNT_SID, AUTH_TOKEN, SENDER
from tests.fakes.twilio_api import FakeTwilio


def env_for(tmp_path: Path, fake: FakeTwilio, public_base_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'soko.db'}",
        "MEDIA_DIR": str(tmp_path / "media"),
        "PUBLIC_BASE_URL": public_base_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_API_BASE_URL": fake.base_url,
        "TWILIO_TEMPLATES_FILE": str(tmp_path / "templates.json"),
    }


def test_templates_sync_command(tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    env = env_for(tmp_path, fake_twilio, "https://shop.example")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "whatsapp", "templates", "sync"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "created 22, already there 0" in done.stdout
    assert AUTH_TOKEN not in done.stdout + done.stderr
    sids = json.loads((tmp_path / "templates.json").read_text())["sids"]
    assert sids["soko_new_order_sw"] == next(
        c["sid"] for c in fake_twilio.contents if c["friendly_name"] == "soko_new_order_sw"
    )
    assert len(fake_twilio.approvals) == 10  # five utility templates, two languages


def test_soko_run_answers_a_whatsapp_message(tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    public = f"http://127.0.0.1:{port}"
    env = env_for(tmp_path, fake_twilio, public)
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, check=True, capture_output=True
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        form = {
            "MessageSid": "SM" + "c" * 32,
            "WaId": "254700999888",
            "From": "whatsapp:+254700999888",
            "Body": "Hi",
            "NumMedia": "0",
        }
        url = f"{public}/webhooks/twilio/whatsapp"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.post(url, data=form, headers={"X-Twilio-Signature": signature})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "soko run did not start"
                time.sleep(0.2)
        assert response.status_code == 200
        while not fake_twilio.messages_to("+254700999888"):
            assert time.monotonic() < deadline, "no answer delivered"
            time.sleep(0.2)
        first = fake_twilio.messages_to("+254700999888")[0]
        assert first.body.startswith("Welcome to Soko!")
        assert first.status_callback.startswith(f"{public}/webhooks/twilio/status?outbox=")
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=15)
    assert AUTH_TOKEN not in errors
