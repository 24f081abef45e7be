"""A database locked by another process for longer than SQLite's busy timeout (a backup tool,
a long command at the server) is a transient failure: `soko run` keeps polling, and once the
lock is gone she is answered, once, without an apology and without a traceback."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

from sqlalchemy.engine import make_url

from store.db import SQLITE_BUSY_TIMEOUT_MS
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.operator_env import Fakes
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN

AMINA_TELEGRAM = 92301
# Held past the busy timeout, so that whatever waits for the lock gives up once.
HOLD_SECONDS = SQLITE_BUSY_TIMEOUT_MS / 1000 + 5


def test_soko_run_outlasts_a_database_locked_by_another_process(
    tmp_path: Path, fakes: Fakes
) -> None:
    shop = fakes.operator_env(tmp_path, port=free_port())
    database = ShopDatabase(shop.database_url)
    amina = TelegramPerson("Amina", AMINA_TELEGRAM, fakes.telegram, database)

    with SokoProcess(shop, "run") as run:
        amina.say("Hi")
        amina.say("1")
        menu = amina.say("menu")

        other = sqlite3.connect(
            str(make_url(shop.database_url).database),
            isolation_level=None,
            check_same_thread=False,
        )
        other.execute("BEGIN IMMEDIATE")  # another process writing, for a long time
        released = threading.Timer(HOLD_SECONDS, other.execute, ("ROLLBACK",))
        released.start()
        try:
            assert amina.say("menu") == menu
        finally:
            released.join()
            other.close()

        assert amina.say("menu") == menu
    log = run.logged()
    # Whichever writer met the lock first (the poller recording her update, or a sweep or the
    # effect runner holding the process's writer turn before it) gave up with a warning.
    assert re.search(r"^\S+ \S+ WARNING \S+: .*OperationalError", log, re.MULTILINE), log
    assert "Traceback" not in log
    assert "Sorry" not in "".join(amina.transcript)
    assert TOKEN not in log
