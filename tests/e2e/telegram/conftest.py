"""Fixtures for the Telegram end-to-end tests: one fake Bot API server per session, and a
shop (migrated SQLite file, local media) whose settings point the bot at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.container import Container
from tests.e2e.telegram.telegram_support import settings_for
from tests.fakes.telegram_api import FakeTelegram, serve


@pytest.fixture(scope="session")
def telegram_server() -> Iterator[tuple[FakeTelegram, str]]:
    fake = FakeTelegram()
    with serve(fake) as url:
        yield fake, url


@pytest.fixture
def fake_telegram(telegram_server: tuple[FakeTelegram, str]) -> FakeTelegram:
    fake, _ = telegram_server
    fake.reset()
    return fake


@pytest.fixture
def container(
    sqlite_engine: Engine, tmp_path: Path, telegram_server: tuple[FakeTelegram, str]
) -> Iterator[Container]:
    _, url = telegram_server
    database_url = sqlite_engine.url.render_as_string(hide_password=False)
    container = Container(settings_for(database_url, tmp_path / "media", url))
    yield container
    container.close()
