"""Owners by their numbers, end to end: a real `soko run` process with ADMIN_PHONES set,
the fake Twilio and the fake Telegram. Nothing is set up behind the bot's back: the owners
become community managers by writing from their numbers (WhatsApp) or sharing their own
contact (Telegram); the same number on both channels is one person; and
`soko admin payouts --record … --by <her WhatsApp number>` finds her."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from store.db import make_engine
from store.models import Channel, Role
from store.services import ledger, people
from store.uow import UnitOfWorkFactory
from tests.e2e.whatsapp.harness import ACCOUNT_SID, AUTH_TOKEN, SENDER, message_sid, rendered
from tests.factories import make_artisan, make_paid_order, make_product, make_user
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram, contact, serve, text, user
from tests.fakes.twilio_api import FakeTwilio, Served

GRACE = "+254711000001"  # an owner who uses WhatsApp, and later Telegram too
ACHIENG = "+254711000002"  # an owner who uses Telegram only
GRACE_TELEGRAM, ACHIENG_TELEGRAM = 91001, 91002
WAIT = 60.0  # a loaded machine may take this long to start Python and answer


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


def soko(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env=env, capture_output=True, text=True
    )


def test_owners_become_community_managers_by_their_numbers_on_both_channels(
    tmp_path: Path, fakes: tuple[FakeTwilio, FakeTelegram, str]
) -> None:
    twilio, telegram, telegram_url = fakes
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'soko.db'}",
        "MEDIA_DIR": str(tmp_path / "media"),
        "PUBLIC_BASE_URL": public,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_API_BASE_URL": twilio.base_url,
        "TWILIO_TEMPLATES_FILE": str(tmp_path / "templates.json"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": telegram_url,
        # As an operator types them: local forms, a space after the comma.
        "ADMIN_PHONES": "0711 000 001, 0711000002",
    }
    assert soko(env, "db", "upgrade").returncode == 0
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        whatsapp_seen: dict[str, int] = {}

        def on_whatsapp(phone: str, words: str, expected: int) -> list[str]:
            form = {
                "MessageSid": message_sid(),
                "WaId": phone.removeprefix("+"),
                "From": f"whatsapp:{phone}",
                "ProfileName": "Grace",
                "Body": words,
                "NumMedia": "0",
            }
            url = f"{public}/webhooks/twilio/whatsapp"
            signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
            wait_for(lambda: _posted(url, form, signature), "soko run to take the message")
            start = whatsapp_seen.get(phone, 0)
            sent = wait_for(
                lambda: (
                    len(twilio.messages_to(phone)) >= start + expected and twilio.messages_to(phone)
                ),
                f"{expected} answers on WhatsApp",
            )
            whatsapp_seen[phone] = len(sent)
            return [rendered(m) for m in sent[start:]]

        def on_telegram(person: int, update: dict[str, Any], expected: int) -> list[str]:
            start = len(telegram.sent_to(person))
            telegram.feed(update)
            sent = wait_for(
                lambda: (
                    len(telegram.sent_to(person)) >= start + expected and telegram.sent_to(person)
                ),
                f"{expected} answers on Telegram",
            )
            return [_shown(call.params) for call in sent[start:]]

        # Grace writes on WhatsApp: she is an owner from her first message.
        first = on_whatsapp(GRACE, "Hi", expected=3)
        assert first[0].startswith("Welcome to Soko!")
        assert first[-1].startswith("You are now one of this shop's owners on Soko")
        assert "Review listings" in on_whatsapp(GRACE, "1", expected=2)[-1]

        # Achieng is on Telegram only: an owner once she shares her own contact.
        achieng = user(ACHIENG_TELEGRAM, "Achieng", "en")
        on_telegram(ACHIENG_TELEGRAM, text(achieng, "Hi"), expected=2)
        menu = on_telegram(ACHIENG_TELEGRAM, text(achieng, "1"), expected=2)[-1]
        assert "Review listings" not in menu
        shared = contact(achieng, ACHIENG.removeprefix("+"), owner_id=ACHIENG_TELEGRAM)
        answers = on_telegram(ACHIENG_TELEGRAM, shared, expected=3)
        assert answers[0] == "Thanks — your number +254 711 000002 is saved."
        assert answers[1].startswith("You are now one of this shop's owners on Soko")
        assert "[Review listings]" in answers[2]

        # Grace on Telegram too: her own contact makes her one person, an owner already.
        grace = user(GRACE_TELEGRAM, "Grace", "en")
        on_telegram(GRACE_TELEGRAM, text(grace, "Hi"), expected=2)
        shared = contact(grace, GRACE.removeprefix("+"), owner_id=GRACE_TELEGRAM)
        answers = on_telegram(GRACE_TELEGRAM, shared, expected=2)
        assert answers[0] == "Thanks — your number +254 711 000001 is saved."
        assert "[Review listings]" in answers[1]
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors
    assert AUTH_TOKEN not in errors
    assert TOKEN not in errors

    db = UnitOfWorkFactory(make_engine(env["DATABASE_URL"]))
    with db() as uow:
        s = uow.session
        grace_user = people.user_for_identity(s, Channel.WHATSAPP, GRACE)
        assert grace_user is not None
        assert {i.channel for i in grace_user.identities} == {Channel.WHATSAPP, Channel.TELEGRAM}
        assert {r.role for r in grace_user.roles} == {Role.OWNER, Role.COMMUNITY_MANAGER}
        # An artisan with a sale to be paid out (the sale itself is not this test's subject).
        seller = make_artisan(s)
        order = make_paid_order(s, make_user(s), [(make_product(s, seller), 1)])
        ledger.record_sale(s, order)
        slug = seller.slug
        uow.commit()
    db.engine.dispose()
    recorded = soko(env, "admin", "payouts", "--record", slug, "100", "QK12ABC9", "--by", GRACE)
    assert recorded.returncode == 0, recorded.stderr
    assert f"recorded payout 1: 100.00 KES to {slug} (QK12ABC9)" in recorded.stdout


def _posted(url: str, form: dict[str, str], signature: str) -> bool:
    try:
        response = httpx.post(url, data=form, headers={"X-Twilio-Signature": signature})
    except httpx.TransportError:  # not listening yet
        return False
    assert response.status_code == 200, response.text
    return True


def _shown(params: dict[str, Any]) -> str:
    """A Telegram message as she sees it: its text, then its buttons in brackets."""
    words = str(params.get("text") or params.get("caption") or "")
    markup = params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) + markup.get("keyboard", [])
    return words + "".join(f"\n[{button['text']}]" for row in rows for button in row)
