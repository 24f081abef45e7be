"""The bot's @username, learnt from Telegram (getMe, against the fake Bot API) when a
long-running command starts: every engine and page of the process names the bot without
TELEGRAM_BOT_USERNAME; Telegram's answer wins over a stale setting; a Telegram that cannot be
asked costs one warning, never the start."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from starlette.testclient import TestClient

from bot.container import Container
from bot.lifecycle import start
from bot.market_rules import market_rules
from bot.settings import Settings
from bot.telegram_token import TokenRefused
from bot.telegram_username import learn_bot_username
from bot.web import build_pages, create_app
from bot.wiring import build_marketplace
from tests.factories import make_artisan, make_product
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN, USERNAME, FakeTelegram, serve
from tests.integration.web.html_support import parse

BOT_LINK = f"https://t.me/{USERNAME}?start=p-"


@pytest.fixture(scope="module")
def telegram_server() -> Iterator[tuple[FakeTelegram, str]]:
    fake = FakeTelegram()
    with serve(fake) as url:
        yield fake, url


@pytest.fixture
def telegram(telegram_server: tuple[FakeTelegram, str]) -> tuple[FakeTelegram, str]:
    telegram_server[0].reset()
    return telegram_server


def container_for(engine: Engine, tmp_path: Path, **settings: object) -> Container:
    return Container(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=engine.url.render_as_string(hide_password=False),
            media_dir=tmp_path / "media",
            public_base_url="https://soko.test",
            **settings,  # type: ignore[arg-type]
        )
    )


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_without_the_setting_every_engine_and_page_names_the_bot_telegram_gave(
    sqlite_engine: Engine,
    tmp_path: Path,
    telegram: tuple[FakeTelegram, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, url = telegram
    container = container_for(
        sqlite_engine, tmp_path, telegram_bot_token=SecretStr(TOKEN), telegram_api_base_url=url
    )
    with container.uow_factory() as uow:
        piece = make_product(uow.session, make_artisan(uow.session, "Wanjiru"))
        slug, piece_id = piece.slug, piece.id
        uow.commit()

    with caplog.at_level(logging.WARNING):
        assert start(container)
    assert warnings(caplog) == []
    assert len(fake.calls_of("getMe")) == 1
    assert container.telegram_bot_username == USERNAME
    assert market_rules(container).telegram_bot_username == USERNAME
    assert build_marketplace(container).config.telegram_bot_username == USERNAME  # every engine's
    assert build_pages(container).site.telegram_bot_username == USERNAME
    with TestClient(create_app(container), base_url=container.settings.public_base_url) as client:
        page = parse(client.get(f"/p/{slug}").text)
    assert page.link_to("Order on Telegram") == f"{BOT_LINK}{piece_id}"
    container.close()


def test_a_setting_telegram_contradicts_gets_a_warning_and_telegram_wins(
    sqlite_engine: Engine,
    tmp_path: Path,
    telegram: tuple[FakeTelegram, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, url = telegram
    stale = container_for(
        sqlite_engine,
        tmp_path,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=url,
        telegram_bot_username="@OldSokoBot",
    )
    with caplog.at_level(logging.WARNING):
        learn_bot_username(stale)
    assert warnings(caplog) == [
        f"TELEGRAM_BOT_USERNAME is @OldSokoBot but Telegram says this bot is @{USERNAME}: "
        f"links name @{USERNAME}"
    ]
    assert market_rules(stale).telegram_bot_username == USERNAME

    caplog.clear()
    same = container_for(
        sqlite_engine,
        tmp_path,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=url,
        telegram_bot_username=USERNAME.lower(),  # usernames are not case-sensitive
    )
    with caplog.at_level(logging.WARNING):
        learn_bot_username(same)
    assert warnings(caplog) == []
    assert same.telegram_bot_username == USERNAME


@pytest.mark.parametrize("setting", ["", "SokoShopBot"])
def test_a_telegram_that_cannot_be_reached_costs_one_warning_and_the_setting_stays(
    sqlite_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture, setting: str
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    container = container_for(
        sqlite_engine,
        tmp_path,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=nowhere,
        telegram_bot_username=setting,
    )
    with caplog.at_level(logging.WARNING):
        assert start(container)
    [warning] = warnings(caplog)
    assert warning.startswith("telegram: could not ask Telegram for the bot's username (")
    if setting:
        assert warning.endswith("; links into Telegram name @SokoShopBot (TELEGRAM_BOT_USERNAME)")
    else:
        assert warning.endswith(
            "; links into Telegram (invitations, the product pages' buttons) are left out: "
            "set TELEGRAM_BOT_USERNAME"
        )
    assert TOKEN not in warning
    assert container.telegram_bot_username == setting
    container.close()


def test_a_telegram_that_does_not_answer_is_one_warning(
    sqlite_engine: Engine,
    tmp_path: Path,
    telegram: tuple[FakeTelegram, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, url = telegram
    container = container_for(
        sqlite_engine, tmp_path, telegram_bot_token=SecretStr(TOKEN), telegram_api_base_url=url
    )
    fake.fail("getMe", 502)
    with caplog.at_level(logging.WARNING):
        learn_bot_username(container)
    fake.hang("getMe")
    with caplog.at_level(logging.WARNING):
        learn_bot_username(container, timeout=0.5)
    fake.unhang()
    found = warnings(caplog)
    assert len(found) == 2
    assert all(
        w.startswith("telegram: could not ask Telegram for the bot's username") for w in found
    )
    assert container.telegram_bot_username == ""


def test_a_refused_token_stops_the_start_in_one_line_without_the_token(
    sqlite_engine: Engine,
    tmp_path: Path,
    telegram: tuple[FakeTelegram, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, url = telegram
    container = container_for(
        sqlite_engine, tmp_path, telegram_bot_token=SecretStr(TOKEN), telegram_api_base_url=url
    )
    fake.refuse_token()
    with pytest.raises(TokenRefused) as refused:
        learn_bot_username(container)
    assert str(refused.value) == "Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather"
    assert refused.value.__suppress_context__

    assert not start(container)
    assert capsys.readouterr().err.splitlines() == [f"soko: {refused.value}"]
    container.close()


def test_without_a_token_telegram_is_not_asked(
    sqlite_engine: Engine,
    tmp_path: Path,
    telegram: tuple[FakeTelegram, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, url = telegram
    container = container_for(
        sqlite_engine, tmp_path, telegram_api_base_url=url, telegram_bot_username=USERNAME
    )
    with caplog.at_level(logging.WARNING):
        assert start(container)
    assert fake.calls_of("getMe") == []
    assert warnings(caplog) == []
    assert container.telegram_bot_username == USERNAME
    container.close()
