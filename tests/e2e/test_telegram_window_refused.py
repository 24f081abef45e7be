"""TELEGRAM_CHAT_WINDOW_SECONDS shorter than Telegram's limit (3 messages in 3 seconds to one
chat) would have Telegram answer 429 and pause every chat: against Telegram's own API it is
an invalid setting. `soko run`, as a real process, prints one line naming it and exits with
status 2 before anything is written (no database made, Telegram not asked). The tests' fake
Telegram, which has no limit per chat, still takes a short window (`running_shop`)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.operator_env import operator_env
from tests.e2e.soko_process import soko

REFUSED = (
    "soko: TELEGRAM_CHAT_WINDOW_SECONDS: at least 3 on Telegram's own API (api.telegram.org):"
    " a shorter window gets the bot refused with 429, pausing every chat"
)


def test_a_short_window_on_telegram_s_own_api_is_an_invalid_setting(tmp_path: Path) -> None:
    database = tmp_path / "shop" / "soko.db"
    shop = operator_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_DIR=str(tmp_path / "media"),
        TELEGRAM_BOT_TOKEN="7000001:AAE-never-asked",
        TELEGRAM_API_BASE_URL="https://api.telegram.org",
        TELEGRAM_CHAT_WINDOW_SECONDS="0.1",
    )

    done = soko(shop, "run", "--port", "0")

    assert (done.returncode, done.stderr.splitlines()) == (2, [REFUSED])
    assert not (tmp_path / "shop").exists()
