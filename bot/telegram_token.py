"""A TELEGRAM_BOT_TOKEN that Telegram refuses (mistyped, or revoked at BotFather): nothing on
Telegram can work until it is fixed, so the command stops with one line naming the setting
(`bot.lifecycle`), exit status 1.

PTB's `InvalidToken` says "The token `<the token>` was rejected by the server", so it never
reaches a log line or a traceback: `refused_token_stops` turns it into `TokenRefused`, whose
message names only the setting, without the exception it replaces in its context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from telegram.error import InvalidToken

REFUSED: Final = "Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather"


class TokenRefused(Exception):
    def __init__(self) -> None:
        super().__init__(REFUSED)


@contextmanager
def refused_token_stops() -> Iterator[None]:
    """Within the block, Telegram refusing the token raises `TokenRefused`."""
    try:
        yield
    except InvalidToken:
        raise TokenRefused() from None
