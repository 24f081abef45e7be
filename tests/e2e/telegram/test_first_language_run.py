"""`soko run` against the fake Telegram, on a shop whose DEFAULT_LOCALE is Swahili: a newcomer
whose app speaks a language we don't have is welcomed in her words' language, else the
shop's."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.operator_env import operator_env
from tests.e2e.soko_process import SokoProcess, wait_until
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import FakeTelegram, text, user
from tests.said import things_in


def test_default_locale_sw_greets_a_german_app_in_swahili_unless_she_writes_english(
    tmp_path: Path, fake_telegram: FakeTelegram, telegram_server: tuple[FakeTelegram, str]
) -> None:
    _, api_url = telegram_server
    shop = operator_env(tmp_path, telegram_url=api_url, port=free_port(), DEFAULT_LOCALE="sw")
    fake_telegram.feed(text(user(901, "Amani", "de"), "👋"))
    fake_telegram.feed(text(user(902, "Greta", "de"), "Hello"))
    with SokoProcess(shop, "run"):
        wait_until(
            lambda: fake_telegram.sent_to(901) and fake_telegram.sent_to(902),
            30,
            "both welcomes",
        )
    assert things_in(fake_telegram.sent_to(901)[0].params["text"])[0] == (
        "Karibu Soko! Nunua na uuze vito vilivyotengenezwa kwa mikono."
    )
    assert fake_telegram.sent_to(902)[0].params["text"].startswith("Welcome to Soko!")
