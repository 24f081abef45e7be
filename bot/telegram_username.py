"""The bot's @username, which every link into Telegram names (`t.me/<username>`): a mentor's
invitation, a piece's "Order on Telegram" button, a shared piece.

When TELEGRAM_BOT_TOKEN is set, a long-running command (and `soko admin roles grant`) asks
Telegram once as it starts (getMe, before any engine or page is built, outside any
transaction, within `LOOKUP_TIMEOUT_SECONDS`), so every channel's engine and the web pages
name the bot even when TELEGRAM_BOT_USERNAME is not set. Telegram's answer wins over the
setting (a setting that differs is a warning). When Telegram cannot be asked, one warning
says so and the setting, if any, is used. When Telegram refuses the token, `TokenRefused`
(`bot.telegram_token`): the command stops.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from telegram.error import TelegramError

from bot.container import Container
from bot.telegram_token import refused_token_stops
from handlers.telegram.app import ask_username

logger = logging.getLogger(__name__)

LOOKUP_TIMEOUT_SECONDS: Final = 10.0


def learn_bot_username(container: Container, *, timeout: float = LOOKUP_TIMEOUT_SECONDS) -> None:
    """Ask Telegram for the bot's username and keep it in `container` (no token: nothing).
    Raises `TokenRefused` when Telegram refuses the token."""
    settings = container.settings
    token = settings.telegram_bot_token.get_secret_value()
    if not token:
        return
    configured = settings.telegram_bot_username
    try:
        with refused_token_stops():
            learnt = asyncio.run(
                asyncio.wait_for(
                    ask_username(token, settings.telegram_api_base_url, timeout=timeout), timeout
                )
            )
    except (TelegramError, TimeoutError, OSError) as exc:  # never the message: it may hold the URL
        logger.warning(
            "telegram: could not ask Telegram for the bot's username (%s); %s",
            type(exc).__name__,
            f"links into Telegram name @{configured} (TELEGRAM_BOT_USERNAME)"
            if configured
            else "links into Telegram (invitations, the product pages' buttons) are left out: "
            "set TELEGRAM_BOT_USERNAME",
        )
        return
    if configured and configured.casefold() != learnt.casefold():
        logger.warning(
            "TELEGRAM_BOT_USERNAME is @%s but Telegram says this bot is @%s: links name @%s",
            configured,
            learnt,
            learnt,
        )
    container.learnt_bot_username = learnt
