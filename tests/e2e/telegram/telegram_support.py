"""Running the real Telegram channel (PTB over HTTP) against the fake Bot API: in a thread, or
as `soko run` in a process of its own."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.container import Container
from bot.settings import Settings, TelegramMode
from bot.telegram import TelegramChannel, build_telegram, run_telegram
from handlers.telegram.limits import SendLimits
from store.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import (
    TOKEN,
    Call,
    FakeTelegram,
    contact,
    photo,
    tap,
    text,
    user,
)

FAST = SendLimits(
    overall_per_second=2000, overall_burst=2000, per_chat_per_second=500, per_chat_burst=50
)
WEBHOOK_SECRET = "s3cret-Webhook_token"
ROOT = Path(__file__).resolve().parents[3]


def settings_for(
    database_url: str, media_dir: Path, api_url: str, mode: TelegramMode = TelegramMode.POLLING
) -> Settings:
    return Settings(
        database_url=database_url,
        media_dir=media_dir,
        public_base_url="http://shop.test",
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=api_url,
        telegram_mode=mode,
        telegram_webhook_secret=SecretStr(WEBHOOK_SECRET),
    )


class RunningBot:
    """A bot at work on `container`'s database: in this process (`channel`) or another."""

    def __init__(self, container: Container, channel: TelegramChannel | None = None) -> None:
        self.container = container
        self.channel = channel

    def counts(self) -> dict[str, int]:
        with self.container.uow_factory(read_only=True) as uow:
            session = uow.session
            return {
                "inbox": session.scalar(select(func.count()).select_from(InboxMessage)) or 0,
                "handled": session.scalar(
                    select(func.count())
                    .select_from(InboxMessage)
                    .where(InboxMessage.status == InboxStatus.HANDLED)
                )
                or 0,
                "pending_out": session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status == OutboxStatus.PENDING)
                )
                or 0,
            }

    def settled(self) -> bool:
        counts = self.counts()
        return counts["inbox"] == counts["handled"] and counts["pending_out"] == 0


class Phones:
    """People chatting with the bot; `say`/`tap` return what the bot answered."""

    def __init__(self, fake: FakeTelegram, bot: RunningBot) -> None:
        self.fake = fake
        self.bot = bot
        self.people: dict[int, dict[str, Any]] = {}
        self.seen: dict[int, int] = {}
        self.taps = 0

    def person(self, telegram_id: int, name: str, language: str = "en") -> None:
        self.people[telegram_id] = user(telegram_id, name, language)

    def _answers(self, telegram_id: int, update: dict[str, Any]) -> list[str]:
        inbox_before = self.bot.counts()["inbox"]
        self.fake.feed(update)
        wait_until(
            lambda: self.bot.counts()["inbox"] > inbox_before and self.bot.settled(),
            30,
            f"an answer to {update}",
        )
        return self.unread(telegram_id)

    def unread(self, telegram_id: int) -> list[str]:
        calls = self.fake.sent_to(telegram_id)
        new = calls[self.seen.get(telegram_id, 0) :]
        self.seen[telegram_id] = len(calls)
        return [shown(call) for call in new]

    def say(self, telegram_id: int, words: str) -> list[str]:
        return self._answers(telegram_id, text(self.people[telegram_id], words))

    def tap(self, telegram_id: int, label: str) -> list[str]:
        """Tap the inline button `label` of the latest message that has it."""
        for call in reversed(self.fake.sent_to(telegram_id)):
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label and "callback_data" in button:
                        data = button["callback_data"]
                        update = tap(self.people[telegram_id], data, call.message_id or 1)
                        self.taps += 1
                        return self._answers(telegram_id, update)
        raise AssertionError(f"no button {label!r} in the chat of {telegram_id}")

    def send_album(self, telegram_id: int, pictures: list[bytes]) -> list[str]:
        before = self.bot.counts()["inbox"]
        for picture in pictures:
            file_id = self.fake.add_file(picture)
            sender = self.people[telegram_id]
            self.fake.feed(photo(sender, file_id, len(picture), media_group_id="A1"))
        wait_until(
            lambda: self.bot.counts()["inbox"] >= before + len(pictures) and self.bot.settled(),
            60,
            "the album handled",
        )
        return self.unread(telegram_id)

    def share_own_number(self, telegram_id: int, phone: str) -> list[str]:
        update = contact(self.people[telegram_id], phone, owner_id=telegram_id)
        return self._answers(telegram_id, update)


def shown(call: Call) -> str:
    """A message as a person sees it: its text (or caption), then its buttons."""
    words = str(call.params.get("text") or call.params.get("caption") or "")
    markup = call.params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) + markup.get("keyboard", [])
    buttons = "".join(f"\n[{button['text']}]" for row in rows for button in row)
    return f"[photo] {words}{buttons}" if call.method == "sendPhoto" else words + buttons


def wait_until(condition: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)


@contextmanager
def running_bot(container: Container, *, poll_timeout: int = 1) -> Iterator[RunningBot]:
    """`run_telegram` in a thread with its own event loop, stopped on exit."""
    channel = build_telegram(container, limits=FAST)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(
                run_telegram(container, channel, stop, poll_timeout=poll_timeout)
            )
        except BaseException as exc:
            failure.append(exc)
        finally:
            loop.close()

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    try:
        yield RunningBot(container, channel)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
    if failure:
        raise failure[0]


@dataclass
class SokoRun:
    """`soko run` in its own process; `stderr` is its log, complete once it has stopped."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def stderr(self) -> str:
        return self.log.read_text()


@contextmanager
def soko_run(container: Container, api_url: str, cwd: Path, **settings: str) -> Iterator[SokoRun]:
    """`python -m bot.cli run` on `container`'s database and the fake Bot API at `api_url`,
    with only the settings given here (none from this machine's environment or a `.env`)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ours = {name.upper() for name in Settings.model_fields}
    env = {name: value for name, value in os.environ.items() if name not in ours}
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": container.settings.database_url,
        "MEDIA_DIR": str(container.settings.media_dir),
        "PUBLIC_BASE_URL": url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api_url,
        **settings,
    }
    log = cwd / f"soko-run-{port}.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--port", str(port)],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        wait_until(lambda: _answers(f"{url}/healthz") or process.poll() is not None, 60, "start")
        assert process.poll() is None, log.read_text()
        yield SokoRun(url, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.TransportError:
        return False
