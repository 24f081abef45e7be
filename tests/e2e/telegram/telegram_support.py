"""Running the real Telegram channel (PTB over HTTP) against the fake Bot API in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import SecretStr

from bot.container import Container
from bot.settings import Settings, TelegramMode
from bot.telegram import TelegramChannel, build_telegram, run_telegram
from bot.wiring import host
from handlers.telegram.limits import SendLimits
from tests.e2e.shop_database import ShopDatabase
from tests.fakes.telegram_api import TOKEN

FAST = SendLimits(overall=2000, per_chat=50, per_chat_seconds=0.1)
WEBHOOK_SECRET = "s3cret-Webhook_token"


def settings_for(
    database_url: str, media_dir: Path, api_url: str, mode: TelegramMode = TelegramMode.POLLING
) -> Settings:
    return Settings(
        database_url=database_url,
        media_dir=media_dir,
        public_base_url="http://shop.test",
        allowed_hosts=["127.0.0.1"],  # where the tests serve the web app
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=api_url,
        telegram_mode=mode,
        telegram_webhook_secret=SecretStr(WEBHOOK_SECRET),
    )


class RunningBot:
    def __init__(self, container: Container, channel: TelegramChannel) -> None:
        self.container = container
        self.channel = channel
        self.database = ShopDatabase(container.settings.database_url)

    def counts(self) -> dict[str, int]:
        return self.database.counts()

    def settled(self) -> bool:
        counts = self.counts()
        return counts["inbox"] == counts["handled"] and counts["pending"] == 0


@contextmanager
def running_bot(container: Container, *, poll_timeout: int = 1) -> Iterator[RunningBot]:
    """`run_telegram` in a thread with its own event loop, stopped on exit."""
    channel = build_telegram(host(container), limits=FAST)
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
