"""Telegram in webhook mode needs TELEGRAM_WEBHOOK_SECRET: without it every call Telegram makes
would be refused and the bot would stay deaf. So it is an invalid setting: every command, as a
real process, prints one line naming the setting and how to make one and exits with status 2,
before anything is written (no database made, Telegram not asked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.operator_env import operator_env
from tests.e2e.soko_process import soko

REFUSED = (
    "soko: TELEGRAM_WEBHOOK_SECRET: needed with TELEGRAM_MODE=webhook (Telegram sends it with"
    " every update): 16 to 256 letters, digits, _ or - (make one with: python3 -c 'import"
    " secrets; print(secrets.token_urlsafe(32))')"
)


@pytest.mark.parametrize(
    "command", [["run", "--port", "0"], ["web", "--port", "0"], ["scheduler"]], ids=" ".join
)
def test_webhook_mode_without_a_secret_is_an_invalid_setting(
    tmp_path: Path, command: list[str]
) -> None:
    database = tmp_path / "shop" / "soko.db"
    shop = operator_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_DIR=str(tmp_path / "media"),
        TELEGRAM_BOT_TOKEN="7000001:AAE-never-asked",
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9",  # nothing listens: never asked
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET="",
    )

    done = soko(shop, *command)

    assert (done.returncode, done.stderr.splitlines()) == (2, [REFUSED])
    assert not (tmp_path / "shop").exists()
