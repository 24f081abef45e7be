"""`soko telegram register`: the Telegram webhook and command menus, once per deploy.

`soko web` workers do not register them when they start (N workers would each call
`setWebhook` again); the operator runs this once a deploy is up, and again whenever
PUBLIC_BASE_URL, TELEGRAM_WEBHOOK_SECRET or TELEGRAM_WEBHOOK_MAX_CONNECTIONS change. `soko run`,
one process, still registers them itself at each start. It prints what it did, never the
secret.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.settings import InvalidSettings, Settings, TelegramMode, load_settings
from bot.telegram import register_webhook
from bot.telegram_token import TokenRefused, refused_token_stops
from handlers.telegram.app import ALLOWED_UPDATES, build_bot
from handlers.telegram.commands import register_commands


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "telegram", help="Telegram: the webhook and the command menus"
    )
    actions = parser.add_subparsers(dest="telegram_action", required=True, metavar="ACTION")
    actions.add_parser(
        "register",
        help="register the webhook (webhook mode) and the command menus, once per deploy",
    ).set_defaults(handler=_register)


def _register(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.telegram_bot_token.get_secret_value():
        raise InvalidSettings(
            ["TELEGRAM_BOT_TOKEN: needed to register with Telegram (empty: Telegram is off)"]
        )
    try:
        asyncio.run(register_with_telegram(settings, print))
    except TokenRefused as refused:
        print(f"soko: {refused}", file=sys.stderr)
        return 1
    except (BadRequest, Forbidden) as exc:  # Telegram's own words, such as "bad webhook: …"
        print(f"soko: Telegram refused: {exc.message}", file=sys.stderr)
        return 1
    except TelegramError as exc:  # never its message: it may hold the Bot API address
        print(f"soko: Telegram could not be reached ({type(exc).__name__})", file=sys.stderr)
        return 1
    return 0


async def register_with_telegram(settings: Settings, say: Callable[[str], None]) -> None:
    """getMe, then (webhook mode) setWebhook, then the command menus; `say` is told each."""
    bot = build_bot(settings.telegram_bot_token.get_secret_value(), settings.telegram_api_base_url)
    with refused_token_stops():
        async with bot:
            say(f"telegram: @{bot.username}")
            if settings.telegram_mode is TelegramMode.WEBHOOK:
                url = await register_webhook(bot, settings)
                say(
                    f"webhook: {url} (secret token set; updates: {', '.join(ALLOWED_UPDATES)};"
                    f" at most {settings.telegram_webhook_max_connections} connections at once)"
                )
            else:
                say("webhook: none (TELEGRAM_MODE=polling: soko run asks Telegram for updates)")
            locales = await register_commands(bot)
            say(f"command menus: {', '.join(locales)} (the first for every other language)")
