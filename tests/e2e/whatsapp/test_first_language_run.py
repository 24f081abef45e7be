"""`soko run` against the fake Twilio: a newcomer is welcomed in the language of her first
words, on a shop left at its default language (English)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from handlers.whatsapp.webhook import WHATSAPP_PATH
from tests.e2e.soko_run import running_soko, soko_env
from tests.e2e.whatsapp.harness import ACCOUNT_SID, AUTH_TOKEN, SENDER, message_sid
from tests.fakes.serving import free_port
from tests.fakes.twilio_api import FakeTwilio

KENYAN = "+254711222333"
ANOTHER = "+254722444555"


def write(public: str, phone: str, text: str) -> None:
    """A message from `phone`, posted and signed as Twilio does."""
    form = {
        "MessageSid": message_sid(),
        "AccountSid": ACCOUNT_SID,
        "WaId": phone.removeprefix("+"),
        "From": f"whatsapp:{phone}",
        "To": SENDER,
        "Body": text,
        "NumMedia": "0",
        "ProfileName": "Wanjiru",
    }
    url = public + WHATSAPP_PATH
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    response = httpx.post(url, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200


def test_habari_from_a_kenyan_number_gets_the_swahili_welcome(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = soko_env(
        tmp_path,
        public_base_url=public,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=SENDER,
        twilio_api_base_url=fake_twilio.base_url,
        twilio_templates_file=str(tmp_path / "templates.json"),
    )
    with running_soko(env, port, tmp_path / "soko.log"):
        write(public, KENYAN, "habari")
        write(public, ANOTHER, "Hi")
        deadline = time.monotonic() + 30
        while not (fake_twilio.messages_to(KENYAN) and fake_twilio.messages_to(ANOTHER)):
            assert time.monotonic() < deadline, "no welcome delivered"
            time.sleep(0.1)
    assert fake_twilio.messages_to(KENYAN)[0].body == (
        "Karibu Soko! Nunua na uuze vito vilivyotengenezwa kwa mikono."
    )
    assert fake_twilio.messages_to(ANOTHER)[0].body.startswith("Welcome to Soko!")
