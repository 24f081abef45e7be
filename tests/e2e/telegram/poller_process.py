"""The Telegram bot alone in a process, for the kill tests:
`python -m tests.e2e.telegram.poller_process DATABASE_URL MEDIA_DIR API_URL`. Logs everything
at DEBUG to stderr (through the filter `soko` installs, fed by the settings), so a test can
also check the token never shows."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import timedelta
from pathlib import Path

from bot.container import Container
from bot.log_redaction import install, keep_secrets_out_of_logs
from bot.telegram import build_telegram, run_telegram
from bot.wiring import host
from handlers.telegram.delivery import TelegramDelivery
from tests.e2e.telegram.telegram_support import FAST, settings_for


def main() -> None:
    database_url, media_dir, api_url = sys.argv[1:4]
    logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    # Its people send "menu" ten times at once: floods, whose held answers the next message
    # replaces by design. The test is about kills, so every update must be answered here.
    settings = settings_for(database_url, Path(media_dir), api_url)
    container = Container(settings.model_copy(update={"flood_messages": 1_000_000}))
    for handler in logging.getLogger().handlers:
        install(handler)
    keep_secrets_out_of_logs(container.settings)
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # the worst case: URLs logged
    channel = build_telegram(host(container), limits=FAST)
    # A short lease, so rows a killed run had claimed come due again within the test.
    channel.delivery = TelegramDelivery(
        channel.application.bot,
        container.uow_factory,
        container.media_store,
        limits=FAST,
        lease=timedelta(seconds=2),
    )
    asyncio.run(run_telegram(container, channel, asyncio.Event(), poll_timeout=1))


if __name__ == "__main__":
    main()
