"""A real shop as an operator runs it: `soko run` in a process of its own, the fake Telegram,
Twilio and Stripe servers in this one, and people who only send messages, tap buttons, pay
and run the documented `soko` commands.

Nothing here writes to the shop's database: the test reads it only to know when the shop has
finished answering (every update handled, every reply sent), as a person waits for the reply.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text
from twilio.request_validator import RequestValidator

from tests.fakes import stripe_api
from tests.fakes.stripe_api import FakeStripe
from tests.fakes.telegram_api import TOKEN, USERNAME, FakeTelegram
from tests.fakes.telegram_api import contact as contact_update
from tests.fakes.telegram_api import photo as photo_update
from tests.fakes.telegram_api import tap as tap_update
from tests.fakes.telegram_api import text as text_update
from tests.fakes.telegram_api import user as telegram_user
from tests.fakes.twilio_api import FakeTwilio, SentMessage

ROOT = Path(__file__).resolve().parents[2]
TWILIO_SID = "AC" + "4" * 32
TWILIO_TOKEN = "zero-to-sale-twilio-token-" + "9" * 6
WHATSAPP_SENDER = "whatsapp:+14155238886"
ANSWER_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@dataclass
class Fakes:
    telegram: FakeTelegram
    telegram_url: str
    twilio: FakeTwilio
    stripe: FakeStripe | None
    stripe_url: str


def operator_env(tmp_path: Path, fakes: Fakes, port: int, **extra: str) -> dict[str, str]:
    """Only what `.env.example` tells an operator to set (the API base URLs point at the
    fakes, as a proxy or a test server would)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SOKO_", "TELEGRAM_", "TWILIO_", "STRIPE_", "DATABASE_"))
    }
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'soko.db'}",
        "MEDIA_DIR": str(tmp_path / "media"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BOT_USERNAME": USERNAME,
        "TELEGRAM_API_BASE_URL": fakes.telegram_url,
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_SENDER,
        "TWILIO_API_BASE_URL": fakes.twilio.base_url,
        "TWILIO_TEMPLATES_FILE": str(tmp_path / "twilio_templates.json"),
    }
    if fakes.stripe is not None:
        env |= {
            "STRIPE_SECRET_KEY": stripe_api.API_KEY,
            "STRIPE_WEBHOOK_SECRET": stripe_api.WEBHOOK_SECRET,
            "STRIPE_API_BASE_URL": fakes.stripe_url,
        }
    return env | extra


@dataclass
class Stopped:
    status: int
    seconds: float


class Shop:
    """`soko run` on a database file, started and stopped as an operator would."""

    def __init__(self, tmp_path: Path, env: dict[str, str], port: int) -> None:
        self.env = env
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = tmp_path / "soko-run.log"
        self.database = tmp_path / "soko.db"
        self.process: subprocess.Popen[bytes] | None = None
        self._engine: Engine | None = None

    def start(self) -> float:
        """Start `soko run`; returns the monotonic time it was started at."""
        assert self.process is None
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._serving, 60, f"soko run to serve (log: {self.log})")
        return started

    def _serving(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"soko run exited:\n{self.log.read_text()[-3000:]}")
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code < 500
        except httpx.HTTPError:
            return False

    def stop(self, signum: int = signal.SIGTERM) -> Stopped:
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signum)
        try:
            status = self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.process = None
        return Stopped(status, time.monotonic() - started)

    def soko(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A documented `soko` command, run by the operator beside the shop."""
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    # --- looking, never touching -----------------------------------------------------------

    def query(self, sql: str, **params: Any) -> list[Any]:
        if self._engine is None:
            self._engine = create_engine(f"sqlite:///file:{self.database}?mode=ro&uri=true")
        with self._engine.connect() as connection:
            return list(connection.execute(text(sql), params))

    def counts(self) -> tuple[int, int, int]:
        """(updates recorded, updates handled or given up on, replies not yet sent)."""
        if not self.database.exists():
            return 0, 0, 0
        try:
            row = self.query(
                "SELECT (SELECT count(*) FROM inbox),"
                " (SELECT count(*) FROM inbox WHERE status IN ('handled', 'failed')),"
                " (SELECT count(*) FROM outbox WHERE status = 'pending')"
            )[0]
        except Exception:  # not migrated yet
            return 0, 0, 0
        return int(row[0]), int(row[1]), int(row[2])

    def settled_after(self, recorded_before: int, new_updates: int) -> bool:
        recorded, done, unsent = self.counts()
        return recorded >= recorded_before + new_updates and done == recorded and unsent == 0

    def close(self) -> None:
        if self.process is not None:
            self.stop(signal.SIGKILL)
        if self._engine is not None:
            self._engine.dispose()


@dataclass
class Person:
    """Someone chatting with the shop; counts what she sends."""

    name: str
    sent: int = 0
    log: list[str] = field(default_factory=list)  # the chat as she saw it, for failures

    def unread(self) -> list[str]:
        raise NotImplementedError

    def told(self, words: str, timeout: float = ANSWER_TIMEOUT) -> list[str]:
        """Wait until something she is sent says `words` (a notice, not an answer to her)."""
        seen: list[str] = []

        def arrived() -> bool:
            seen.extend(self.unread())
            return any(words in message for message in seen)

        wait_until(arrived, timeout, f"{self.name} to be told {words!r}")
        return self.heard("(waits)", seen)

    def heard(self, said: str, answers: list[str]) -> list[str]:
        self.log.append(f"{self.name} > {said}")
        self.log += [f"    {answer}".replace("\n", "\n    ") for answer in answers]
        return answers


def shown_telegram(call: Any) -> str:
    """A Telegram message as a person sees it: its text (or caption), then its buttons."""
    words = str(call.params.get("text") or call.params.get("caption") or "")
    markup = call.params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) + markup.get("keyboard", [])
    buttons = "".join(f"\n[{button['text']}]" for row in rows for button in row)
    return f"[photo] {words}{buttons}" if call.method == "sendPhoto" else words + buttons


@dataclass
class TelegramPerson(Person):
    shop: Shop | None = None
    fake: FakeTelegram | None = None
    telegram_id: int = 0
    language_code: str = "en"
    seen: int = 0
    links: list[str] = field(default_factory=list)

    @property
    def _user(self) -> dict[str, Any]:
        return telegram_user(self.telegram_id, self.name, self.language_code)

    def _send(self, *updates: dict[str, Any]) -> list[str]:
        assert self.shop is not None
        assert self.fake is not None
        before = self.shop.counts()[0]
        for update in updates:
            self.fake.feed(update)
        self.sent += len(updates)
        wait_until(
            lambda: self.shop is not None and self.shop.settled_after(before, len(updates)),
            ANSWER_TIMEOUT,
            f"{self.name}'s answer on Telegram",
        )
        return self.unread()

    def unread(self) -> list[str]:
        assert self.fake is not None
        calls = self.fake.sent_to(self.telegram_id)
        new, self.seen = calls[self.seen :], len(calls)
        for call in new:
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
                self.links += [button["url"] for button in row if "url" in button]
        return [shown_telegram(call) for call in new]

    def say(self, words: str) -> list[str]:
        return self.heard(words, self._send(text_update(self._user, words)))

    def say_and_go(self, words: str) -> None:
        """Send and walk away (signal lost, or the shop is going down): no waiting."""
        assert self.fake is not None
        self.fake.feed(text_update(self._user, words))
        self.sent += 1
        self.log.append(f"{self.name} > {words}  (not waiting)")

    def tap(self, label: str) -> list[str]:
        """Tap the button `label` on the latest message that has it."""
        assert self.fake is not None
        for call in reversed(self.fake.sent_to(self.telegram_id)):
            markup = call.params.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label and "callback_data" in button:
                        update = tap_update(
                            self._user, button["callback_data"], call.message_id or 1
                        )
                        return self.heard(f"[{label}]", self._send(update))
            for row in markup.get("keyboard", []):
                for button in row:
                    if button["text"] == label:  # a reply keyboard's button sends its words
                        return self.say(label)
        raise AssertionError(f"no button {label!r} in {self.name}'s Telegram chat")

    def share_own_contact(self, phone: str) -> list[str]:
        update = contact_update(self._user, phone, owner_id=self.telegram_id)
        return self.heard(f"(her contact {phone})", self._send(update))

    def send_photos(self, pictures: list[bytes], caption: str = "") -> list[str]:
        assert self.fake is not None
        updates = []
        for n, picture in enumerate(pictures):
            file_id = self.fake.add_file(picture)
            update = photo_update(self._user, file_id, len(picture), media_group_id="album-1")
            if caption and n == 0:
                update["message"]["caption"] = caption
            updates.append(update)
        return self.heard(f"({len(pictures)} photos)", self._send(*updates))


def shown_whatsapp(message: SentMessage) -> str:
    return message.body or message.content_variables.get("1", "")


_NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+(.+?)\s*$", re.MULTILINE)


@dataclass
class WhatsAppPerson(Person):
    shop: Shop | None = None
    fake: FakeTwilio | None = None
    phone: str = ""
    seen: int = 0
    _sids: int = 0

    def _post(self, form: dict[str, str]) -> None:
        assert self.shop is not None
        url = f"{self.shop.base_url}/webhooks/twilio/whatsapp"
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
        response = httpx.post(url, data=form, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200, response.text

    def _form(self, body: str, media: list[str] | None = None) -> dict[str, str]:
        self._sids += 1
        sid = f"SM{abs(hash((self.phone, self._sids, time.time_ns()))):032x}"[:34]
        form = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": TWILIO_SID,
            "WaId": self.phone.removeprefix("+"),
            "From": f"whatsapp:{self.phone}",
            "To": WHATSAPP_SENDER,
            "ProfileName": self.name,
            "Body": body,
            "NumMedia": str(len(media or [])),
        }
        for n, url in enumerate(media or []):
            form[f"MediaUrl{n}"] = url
            form[f"MediaContentType{n}"] = "image/jpeg"
        return form

    def _send(self, *forms: dict[str, str]) -> list[str]:
        assert self.shop is not None
        before = self.shop.counts()[0]
        for form in forms:
            self._post(form)
        self.sent += len(forms)
        wait_until(
            lambda: self.shop is not None and self.shop.settled_after(before, len(forms)),
            ANSWER_TIMEOUT,
            f"{self.name}'s answer on WhatsApp",
        )
        return self.unread()

    def unread(self) -> list[str]:
        assert self.fake is not None
        messages = self.fake.messages_to(self.phone)
        new, self.seen = messages[self.seen :], len(messages)
        return [shown_whatsapp(m) for m in new]

    def say(self, words: str) -> list[str]:
        return self.heard(words, self._send(self._form(words)))

    def choose(self, label: str) -> list[str]:
        """Reply with the number the latest numbered menu gives `label`, as people do."""
        assert self.fake is not None
        for message in reversed(self.fake.messages_to(self.phone)):
            for number, line in _NUMBERED.findall(shown_whatsapp(message)):
                if line == label:
                    return self.say(number)
        raise AssertionError(f"no choice {label!r} in {self.name}'s WhatsApp chat")

    def send_photos(self, pictures: list[bytes], caption: str = "") -> list[str]:
        assert self.fake is not None
        urls = [self.fake.add_media(picture) for picture in pictures]
        return self.heard(f"({len(pictures)} photos)", self._send(self._form(caption, urls)))


@contextmanager
def running_fakes(with_stripe: bool) -> Iterator[Fakes]:
    from tests.fakes.telegram_api import serve as serve_telegram
    from tests.fakes.twilio_api import Served

    telegram = FakeTelegram()
    twilio = FakeTwilio(TWILIO_SID, TWILIO_TOKEN, serve_media_directly=True)
    stripe = FakeStripe() if with_stripe else None
    with serve_telegram(telegram) as telegram_url, Served(twilio.app()) as twilio_port:
        twilio.port = twilio_port
        if stripe is None:
            yield Fakes(telegram, telegram_url, twilio, None, "")
            return
        with stripe_api.serve(stripe) as stripe_url:
            yield Fakes(telegram, telegram_url, twilio, stripe, stripe_url)
