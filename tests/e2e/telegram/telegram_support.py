"""Running the real Telegram channel (PTB over HTTP) against the fake Bot API in a thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.container import Container
from bot.settings import Settings, TelegramMode
from bot.telegram import TelegramChannel, build_telegram, run_telegram
from handlers.telegram.limits import SendLimits
from store.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from tests.fakes.telegram_api import TOKEN, free_port

FAST = SendLimits(
    overall_per_second=2000, overall_burst=2000, per_chat_per_second=500, per_chat_burst=50
)
WEBHOOK_SECRET = "s3cret-Webhook_token"


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
    def __init__(self, container: Container, channel: TelegramChannel) -> None:
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


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """An ASGI app on 127.0.0.1 in a background thread (uvicorn); yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 10, "the web app to start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
