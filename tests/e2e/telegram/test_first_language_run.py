"""`soko run` against the fake Telegram, on a shop whose DEFAULT_LOCALE is Swahili: a newcomer
whose app speaks a language we don't have is welcomed in her words' language, else the
shop's."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.soko_run import running_soko, soko_env
from tests.e2e.telegram.telegram_support import wait_until
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram, text, user


def test_default_locale_sw_greets_a_german_app_in_swahili_unless_she_writes_english(
    tmp_path: Path, fake_telegram: FakeTelegram, telegram_server: tuple[FakeTelegram, str]
) -> None:
    _, api_url = telegram_server
    env = soko_env(
        tmp_path,
        public_base_url="http://shop.test",
        telegram_bot_token=TOKEN,
        telegram_api_base_url=api_url,
        default_locale="sw",
    )
    fake_telegram.feed(text(user(901, "Amani", "de"), "👋"))
    fake_telegram.feed(text(user(902, "Greta", "de"), "Hello"))
    with running_soko(env, free_port(), tmp_path / "soko.log"):
        wait_until(
            lambda: bool(fake_telegram.sent_to(901) and fake_telegram.sent_to(902)),
            timeout=30,
            what="both welcomes",
        )
    assert fake_telegram.sent_to(901)[0].params["text"] == (
        "Karibu Soko! Nunua na uuze vito vilivyotengenezwa kwa mikono."
    )
    assert fake_telegram.sent_to(902)[0].params["text"].startswith("Welcome to Soko!")
