"""A Telegram token that Telegram refuses (mistyped, or revoked at BotFather), as real `soko`
processes against the fake Telegram answering 401: every command that asks Telegram stops
with one line naming the setting and exit status 1 — no traceback, and the token nowhere in
what it prints or logs, even with `-v` (DEBUG). Also when Telegram accepts the token at the
start's check and refuses it when the channel starts (revoked in between)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.operator_env import Fakes
from tests.e2e.soko_process import soko
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN

REFUSED = "soko: Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather"
SECRET_PART = TOKEN.split(":", 1)[1]  # the bot id before the colon is public

COMMANDS = {
    "run": (["-v", "run"], {}),
    "scheduler": (["-v", "scheduler"], {}),
    "web in webhook mode": (
        ["-v", "web"],
        {"TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_SECRET": "a-webhook-secret_0123"},
    ),
    "roles grant": (["-v", "admin", "roles", "grant", "0722 000 111", "mentor"], {}),
    "telegram register": (
        ["-v", "telegram", "register"],
        {"TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_SECRET": "a-webhook-secret_0123"},
    ),
}


def refused(tmp_path: Path, fakes: Fakes, name: str, *, after: int = 0) -> str:
    """What `soko …` printed, Telegram refusing the token after `after` calls."""
    args, extra = COMMANDS[name]
    port = free_port()
    shop = fakes.operator_env(tmp_path, port=port, **extra)
    if "admin" in args:  # on a shop that has run before
        shop.variables["TELEGRAM_BOT_TOKEN"] = ""
        assert soko(shop, "db", "upgrade").returncode == 0
        shop.variables["TELEGRAM_BOT_TOKEN"] = TOKEN
    if args[1] in ("run", "web"):
        args = [*args, "--port", str(port)]
    fakes.telegram.reset()
    fakes.telegram.refuse_token(after=after)

    done = soko(shop, *args)

    printed = done.stdout + done.stderr
    assert done.returncode == 1, printed
    assert done.stderr.splitlines()[-1] == REFUSED
    return printed


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_refused_token_stops_the_command_in_one_line_that_does_not_show_it(
    tmp_path: Path, fakes: Fakes, name: str
) -> None:
    printed = refused(tmp_path, fakes, name)

    assert "Traceback" not in printed
    assert SECRET_PART not in printed


@pytest.mark.parametrize("name", ["run", "scheduler"])
def test_a_token_refused_when_the_channel_starts_stops_the_command_too(
    tmp_path: Path, fakes: Fakes, name: str
) -> None:
    printed = refused(tmp_path, fakes, name, after=1)  # the start's getMe is answered

    assert "Traceback" not in printed
    assert SECRET_PART not in printed
