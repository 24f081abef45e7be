"""`soko telegram register` as an operator runs it once per deploy, a real process against the
fake Bot API: the webhook with its secret, its updates and TELEGRAM_WEBHOOK_MAX_CONNECTIONS,
and the command menus in every language; what it prints says what it did, and never the
secret or the token. It needs no database."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.operator_env import Fakes, operator_env
from tests.e2e.soko_process import soko
from tests.fakes.telegram_api import TOKEN, USERNAME

SECRET = "a-webhook-secret_0123456789"


def test_it_registers_the_webhook_and_the_menus_and_says_so(tmp_path: Path, fakes: Fakes) -> None:
    shop = operator_env(
        tmp_path / "shop",
        telegram_url=fakes.telegram_url,
        PUBLIC_BASE_URL="https://shop.example.org",
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_WEBHOOK_MAX_CONNECTIONS="25",
    )

    done = soko(shop, "telegram", "register")

    assert (done.returncode, done.stderr) == (0, "")
    assert fakes.telegram.webhook == {
        "url": "https://shop.example.org/webhooks/telegram",
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query", "pre_checkout_query"],
        "max_connections": "25",  # a form field, as the Bot API gets it
    }
    assert fakes.telegram.commands[""][0] == {"command": "menu", "description": "Main menu"}
    assert fakes.telegram.commands["sw"][0] == {"command": "menu", "description": "Menyu kuu"}
    assert done.stdout.splitlines() == [
        f"telegram: @{USERNAME}",
        "webhook: https://shop.example.org/webhooks/telegram (secret token set; updates:"
        " message, callback_query, pre_checkout_query; at most 25 connections at once)",
        "command menus: en, sw (the first for every other language)",
    ]
    assert SECRET not in done.stdout
    assert TOKEN.split(":", 1)[1] not in done.stdout
    assert not (shop.folder / "soko.db").exists()


def test_in_polling_mode_it_registers_the_menus_and_no_webhook(
    tmp_path: Path, fakes: Fakes
) -> None:
    shop = operator_env(tmp_path / "shop", telegram_url=fakes.telegram_url)

    done = soko(shop, "telegram", "register")

    assert done.returncode == 0
    assert not fakes.telegram.calls_of("setWebhook")
    assert sorted(fakes.telegram.commands) == ["", "sw"]
    assert done.stdout.splitlines()[1] == (
        "webhook: none (TELEGRAM_MODE=polling: soko run asks Telegram for updates)"
    )


def test_without_a_token_it_names_the_setting_in_one_line(tmp_path: Path) -> None:
    shop = operator_env(tmp_path / "shop")

    done = soko(shop, "telegram", "register")

    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        "soko: TELEGRAM_BOT_TOKEN: needed to register with Telegram (empty: Telegram is off)"
    ]


def test_a_refused_or_failed_call_is_one_line_and_status_1_and_it_can_run_again(
    tmp_path: Path, fakes: Fakes
) -> None:
    shop = operator_env(
        tmp_path / "shop",
        telegram_url=fakes.telegram_url,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    fakes.telegram.fail("setWebhook", 400)
    refused = soko(shop, "telegram", "register")
    fakes.telegram.fail("setWebhook", 502)
    failed = soko(shop, "telegram", "register")

    assert refused.returncode == failed.returncode == 1
    assert refused.stderr.splitlines() == ["soko: Telegram refused: Bad Gateway"]
    assert failed.stderr.splitlines() == ["soko: Telegram could not be reached (NetworkError)"]
    assert not fakes.telegram.webhook

    assert soko(shop, "telegram", "register").returncode == 0  # run again, it is done
    assert fakes.telegram.webhook["max_connections"] == "40"  # when not set
