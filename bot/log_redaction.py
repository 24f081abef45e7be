"""Secrets kept out of every log line, at every level.

One filter (`SECRETS`) sits on the root logger's handlers (`bot.cli.configure_logging`), so
every record is redacted before it is written, whichever library logged it (PTB logs each
Bot API call's parameters at DEBUG: the webhook secret, the payments provider token). It is
fed by the settings (`keep_secrets_out_of_logs`, called as they are loaded): the value of
every `SecretStr` setting and the database URL's password, so a new secret setting is covered
without a change here. It also cuts out, whatever their value, a Telegram token in a Bot API
URL (`/bot<token>/…`) and the value of an `Authorization` header.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

REDACTED: Final = "<redacted>"
# Shorter values are not secrets worth the name, and cutting them out everywhere would leave
# the logs unreadable ("1" would take every digit).
MIN_SECRET_LENGTH: Final = 4
_BOT_API_TOKEN: Final = re.compile(r"(/(?:file/)?bot)\d+:[A-Za-z0-9_-]+")
# "Authorization: Basic …", "'authorization': 'Bearer …'", (b'Authorization', b'…').
_AUTHORIZATION: Final = re.compile(
    r"""(authorization['"]?\s*(?:[:=]|,)\s*b?['"]?)[^'"\n]+""", re.IGNORECASE
)


class RedactSecrets(logging.Filter):
    """Replaces known secrets, Bot API tokens in URLs and Authorization header values in a
    record's message, traceback and stack."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()

    def keep_out(self, *secrets: str) -> None:
        known = {*self._secrets, *(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)}
        self._secrets = tuple(sorted(known, key=len, reverse=True))  # longest first

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _BOT_API_TOKEN.sub(rf"\1{REDACTED}", text)
        return _AUTHORIZATION.sub(rf"\1{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # the handler reports a record it cannot format
            return True
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


SECRETS: Final = RedactSecrets()


def install(handler: logging.Handler) -> None:
    handler.addFilter(SECRETS)


def keep_secrets_out_of_logs(settings: BaseModel) -> None:
    """Every `SecretStr` setting's value, and the password in `database_url`, redacted from
    now on."""
    values = [getattr(settings, name) for name in type(settings).model_fields]
    secrets = [value.get_secret_value() for value in values if isinstance(value, SecretStr)]
    database_url = getattr(settings, "database_url", "")
    try:
        password = make_url(database_url).password if database_url else None
    except ArgumentError:
        password = None
    SECRETS.keep_out(*secrets, *([str(password)] if password else []))
