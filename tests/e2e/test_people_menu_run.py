"""The People menu end to end: a real `soko run` process with ADMIN_PHONES set, the fake
Twilio and the fake Telegram, nothing set up behind the bot's back. A seller opens her shop
on Telegram; the owner, on WhatsApp, opens People, finds her by her shop's name and makes
her a mentor; the seller receives her invitation on Telegram with its Telegram link, and
`soko admin roles list --history` shows who did it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.e2e.soko_run import running_soko, soko_env
from tests.e2e.whatsapp.harness import ACCOUNT_SID, AUTH_TOKEN, SENDER, message_sid, rendered
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN, USERNAME, FakeTelegram, serve, text, user
from tests.fakes.twilio_api import FakeTwilio, Served

GRACE = "+254711000001"  # the owner, on WhatsApp
AMINA_TELEGRAM = 92001  # a seller, on Telegram
WAIT = 60.0  # a loaded machine may take this long to answer


@pytest.fixture
def fakes() -> Iterator[tuple[FakeTwilio, FakeTelegram, str]]:
    twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    telegram = FakeTelegram()
    with Served(twilio.app()) as port, serve(telegram) as telegram_url:
        twilio.port = port
        yield twilio, telegram, telegram_url


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return found


def test_the_owner_makes_a_telegram_seller_a_mentor_from_whatsapp(
    tmp_path: Path, fakes: tuple[FakeTwilio, FakeTelegram, str]
) -> None:
    twilio, telegram, telegram_url = fakes
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = soko_env(
        tmp_path,
        public_base_url=public,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=SENDER,
        twilio_api_base_url=twilio.base_url,
        twilio_templates_file=str(tmp_path / "templates.json"),
        telegram_bot_token=TOKEN,
        telegram_api_base_url=telegram_url,
        # What the operator copies from BotFather: WhatsApp's side of `soko run` names the bot
        # in invitation links with it.
        telegram_bot_username=USERNAME,
        admin_phones="0711 000 001",
    )
    seen: dict[str, int] = {}

    def grace_sends(words: str, expected: int) -> list[str]:
        form = {
            "MessageSid": message_sid(),
            "WaId": GRACE.removeprefix("+"),
            "From": f"whatsapp:{GRACE}",
            "ProfileName": "Grace",
            "Body": words,
            "NumMedia": "0",
        }
        url = f"{public}/webhooks/twilio/whatsapp"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
        response = httpx.post(url, data=form, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200, response.text
        start = seen.get(GRACE, 0)
        sent = wait_for(
            lambda: (
                len(twilio.messages_to(GRACE)) >= start + expected and twilio.messages_to(GRACE)
            ),
            f"{expected} answers to {words!r} on WhatsApp",
        )
        seen[GRACE] = len(sent)
        return [rendered(m) for m in sent[start:]]

    amina = user(AMINA_TELEGRAM, "Amina", "en")

    def amina_sends(words: str, expected: int) -> list[dict[str, Any]]:
        start = len(telegram.sent_to(AMINA_TELEGRAM))
        telegram.feed(text(amina, words))
        sent = wait_for(
            lambda: (
                len(telegram.sent_to(AMINA_TELEGRAM)) >= start + expected
                and telegram.sent_to(AMINA_TELEGRAM)
            ),
            f"{expected} answers to {words!r} on Telegram",
        )
        return [call.params for call in sent[start:]]

    with running_soko(env, port, tmp_path / "soko.log"):
        # Amina opens her shop on Telegram, in the chat.
        amina_sends("Hi", expected=2)
        amina_sends("1", expected=2)
        amina_sends("Sell your jewelry", expected=2)
        for answer in ("Amina Wanjiru", "Amina Beads", "Kibera", "0722 000 444", "skip"):
            amina_sends(answer, expected=1)
        opened = amina_sends("1", expected=3)
        assert opened[0]["text"] == "Congratulations! Your shop Amina Beads is open."

        # Grace, an owner by her number, finds her by her shop's name and makes her a mentor.
        assert grace_sends("Hi", expected=3)[-1].startswith("You are now one of this shop's")
        menu = grace_sends("1", expected=1)[-1]
        assert "Review listings\n" in menu
        assert "People\n" in menu
        assert grace_sends("People", expected=1) == [
            "Type a phone number (any form, like 0712 345 678) or part of a shop’s name:\n\n1. Menu"
        ]
        assert grace_sends("amina beads", expected=1) == [
            "Amina Wanjiru\nPhone: not known\nRoles: artisan\nShop: Amina Beads, Kibera\n"
            "M-Pesa: +254 722 000444\nHer shop is independent.\n\n1. Make mentor\n"
            "2. Suspend shop\n3. Make community manager\n4. Find someone else\n5. Menu"
        ]
        made = grace_sends("Make mentor", expected=2)
        assert made[0] == "Amina Wanjiru is now a mentor; she has been told."
        assert "Stop mentoring" in made[1]

        # Amina is told on Telegram, with her code and a link that opens the bot.
        invitation = wait_for(
            lambda: [
                call.params
                for call in telegram.sent_to(AMINA_TELEGRAM)
                if "invitation code" in str(call.params.get("text", ""))
            ],
            "the invitation on Telegram",
        )[0]
        assert invitation["text"].startswith("You are now a mentor on Soko!")
        buttons = [b for row in invitation["reply_markup"]["inline_keyboard"] for b in row]
        links = {button["text"]: button.get("url", "") for button in buttons}
        assert links["Invite on Telegram"].startswith(f"https://t.me/{USERNAME}?start=ref-")

    listed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "admin", "roles", "list", "--history"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    changes = [line.split()[3:] for line in listed.stdout.splitlines()]
    assert ["Grace", "(+254711000001)", "grant", "mentor", "Amina", "Wanjiru"] in changes
    log = (tmp_path / "soko.log").read_text()
    assert "Traceback" not in log
    assert TOKEN not in log
    assert AUTH_TOKEN not in log
