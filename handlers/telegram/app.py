"""Building PTB's `Application` and `Bot` for a Bot API server (Telegram's, a self-hosted one,
or the tests' fake), and keeping the token out of logs."""

from __future__ import annotations

from typing import Any

from telegram import Bot
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

# Long polling waits this long for updates; the read timeout must outlast it.
POLL_TIMEOUT_SECONDS = 25
# Every phase of every Bot API call (getFile and file downloads included) has a limit: a
# Telegram that stops answering costs a request at most these, never an open-ended wait.
CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 20.0
WRITE_TIMEOUT_SECONDS = 30.0  # uploads of product photos
POOL_TIMEOUT_SECONDS = 10.0  # waiting for a free connection of the pool
# What the bot subscribes to (polling and setWebhook alike).
ALLOWED_UPDATES = ("message", "callback_query", "pre_checkout_query")

# PTB's Application is generic in its context types; the defaults are all we use.
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    token: str, api_base_url: str, *, connection_pool_size: int = 16
) -> AnyApplication:
    """PTB's Application (no stock updater: `polling.LosslessPoller` fetches updates itself)."""
    base = api_base_url.rstrip("/")
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .request(
            HTTPXRequest(
                connection_pool_size=connection_pool_size,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                read_timeout=READ_TIMEOUT_SECONDS,
                write_timeout=WRITE_TIMEOUT_SECONDS,
                pool_timeout=POOL_TIMEOUT_SECONDS,
            )
        )
        .get_updates_request(
            HTTPXRequest(
                connection_pool_size=1,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                read_timeout=POLL_TIMEOUT_SECONDS + 10,
                write_timeout=CONNECT_TIMEOUT_SECONDS,
                pool_timeout=POOL_TIMEOUT_SECONDS,
            )
        )
        .updater(None)
        .build()
    )


def build_bot(token: str, api_base_url: str) -> Bot:
    bot: Bot = build_application(token, api_base_url).bot
    return bot


async def ask_username(token: str, api_base_url: str, *, timeout: float) -> str:
    """The bot's @username (without the @), from one getMe; each phase of the request (pool,
    connect, write, read) waits at most `timeout` seconds."""
    base = api_base_url.rstrip("/")
    request = HTTPXRequest(
        connection_pool_size=1,
        connect_timeout=timeout,
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=timeout,
    )
    bot = Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=request)
    async with bot:  # initialise: getMe
        username: str = bot.username
    return username


def bot_id_of(token: str) -> str:
    """The numeric id at the front of a token (`123456:ABC…` → `123456`)."""
    return token.split(":", 1)[0]
