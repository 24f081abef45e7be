"""What the commands do with the database they are pointed at, as real processes: one at an
older revision, or at one this code does not know, is refused in one line naming what to do,
and left untouched; `soko db upgrade` then brings it up to date, also a file an unmigrated
scheduler touched; `soko chat` creates a database that is not there yet, and stops on
SIGTERM without a traceback."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from store.db import make_engine
from store.migrate import MIGRATIONS_DIR, current_revision, upgrade
from tests.e2e.operator_env import operator_env
from tests.e2e.soko_process import SokoProcess, soko, wait_until
from tests.fakes.serving import TLS, free_port
from tests.integration.test_database_check import touched_by_an_unmigrated_scheduler

HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
# What refuses a database behind the code; `soko web` and `soko scheduler` wait for it.
REFUSING = (["run", "--port", "0"], ["chat"])


def at_revision(path: Path, revision: str) -> Path:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, revision)
    engine.dispose()
    return path


def older_revision() -> str:
    older = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(HEAD).down_revision
    assert isinstance(older, str)
    return older


@pytest.mark.parametrize("command", REFUSING, ids=[c[0] for c in REFUSING])
def test_a_database_at_an_older_revision_is_refused_in_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    shop = operator_env(tmp_path)
    database = at_revision(tmp_path / "soko.db", older_revision())
    before = database.read_bytes()

    done = soko(shop, *command)

    assert done.returncode != 0
    assert done.stderr.splitlines() == [
        f"soko: the database is at revision {older_revision()} and this version of Soko needs"
        f" {HEAD}: run `soko db upgrade` first (after a backup)"
    ]
    assert database.read_bytes() == before

    assert soko(shop, "db", "upgrade").returncode == 0
    assert soko(shop, "chat", stdin="/quit\n").returncode == 0


def test_web_and_scheduler_wait_for_soko_db_upgrade_and_web_says_it_is_not_ready(
    tmp_path: Path,
) -> None:
    shop = operator_env(tmp_path, port=free_port())
    database = at_revision(tmp_path / "soko.db", older_revision())
    before = database.read_bytes()
    waiting = (
        f"database at revision {older_revision()}, this version needs {HEAD}:"
        " waiting for `soko db upgrade`"
    )
    base = f"http://127.0.0.1:{shop.port}"
    with SokoProcess(shop, "web") as web, SokoProcess(shop, "scheduler") as scheduler:
        wait_until(lambda: waiting in web.logged(), 60, "web to say what it waits for")
        wait_until(lambda: waiting in scheduler.logged(), 60, "the scheduler to say it too")
        assert httpx.get(f"{base}/livez", verify=TLS).status_code == 200
        unready = httpx.get(f"{base}/readyz", verify=TLS)
        assert unready.status_code == 503
        assert unready.json() == {"status": "unready", "reason": waiting}
        page = f"{base}/p/K7Q2MX"  # a product page (reads the database)
        # Held for the app a while, then refused: not before the database is ready.
        assert httpx.get(page, timeout=30, verify=TLS).status_code == 503
        assert database.read_bytes() == before

        assert soko(shop, "db", "upgrade").returncode == 0

        wait_until(
            lambda: httpx.get(f"{base}/readyz", verify=TLS).status_code == 200, 60, "web ready"
        )
        wait_until(lambda: "scheduler lock taken" in scheduler.logged(), 60, "the scheduler")
        assert httpx.get(page, verify=TLS).status_code == 404  # the app's answer: no such piece
        assert web.logged().count(waiting) == scheduler.logged().count(waiting) == 1
    assert "Traceback" not in web.logged() + scheduler.logged()


@pytest.mark.parametrize("command", ["web", "scheduler"])
def test_sigterm_stops_a_command_waiting_for_soko_db_upgrade(tmp_path: Path, command: str) -> None:
    shop = operator_env(tmp_path, port=free_port())
    at_revision(tmp_path / "soko.db", older_revision())
    process = SokoProcess(shop, command).start()
    wait_until(lambda: "waiting for `soko db upgrade`" in process.logged(), 60, "waiting")

    stopped = process.stop(signal.SIGTERM)

    assert stopped.status == 0, process.logged()
    assert "Traceback" not in process.logged()


def test_a_database_a_newer_version_migrated_is_refused_in_one_line(tmp_path: Path) -> None:
    shop = operator_env(tmp_path)
    database = at_revision(tmp_path / "soko.db", "head")
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe9999'"))
    engine.dispose()
    before = database.read_bytes()

    done = soko(shop, "run", "--port", "0")

    assert done.returncode != 0
    [line] = done.stderr.splitlines()
    assert "f00dcafe9999" in line
    assert "a newer version migrated it" in line
    assert database.read_bytes() == before
    upgraded = soko(shop, "db", "upgrade")
    assert upgraded.returncode != 0
    assert upgraded.stderr.splitlines() == [f"soko: {line.removeprefix('soko: ')}"]


def test_soko_db_upgrade_takes_a_file_an_unmigrated_scheduler_touched(tmp_path: Path) -> None:
    database = tmp_path / "soko.db"
    engine = make_engine(f"sqlite:///{database}")
    touched_by_an_unmigrated_scheduler(engine, tmp_path)
    engine.dispose()

    done = soko(operator_env(tmp_path), "db", "upgrade")

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"database at revision {HEAD}"
    engine = make_engine(f"sqlite:///{database}")
    assert current_revision(engine) == HEAD
    engine.dispose()


def test_soko_chat_creates_a_missing_database_and_stops_on_sigterm(tmp_path: Path) -> None:
    database = tmp_path / "new" / "soko.db"
    shop = operator_env(tmp_path, DATABASE_URL=f"sqlite:///{database}")
    with SokoProcess(shop, "chat", "--as", "amina") as chat:
        chat.type_line("menu")
        wait_until(lambda: answer_to(chat.printed(), "amina> menu") is not None, 60, "an answer")
        stopped = chat.stop(signal.SIGTERM)
    assert stopped.status == 0, chat.logged()
    assert "Traceback" not in chat.logged()
    answer = answer_to(chat.printed(), "amina> menu") or ""
    assert answer.strip()


def answer_to(printed: str, echoed: str) -> str | None:
    """The line printed after the one that starts with `echoed`, once it is whole."""
    lines = printed.split("\n")  # the last one is not whole yet
    echo = next((n for n, line in enumerate(lines) if line.startswith(echoed)), None)
    return None if echo is None or len(lines) < echo + 3 else lines[echo + 1]


def test_a_database_that_cannot_be_opened_is_reported_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "soko.db").mkdir()  # a folder where the file should be

    done = soko(operator_env(tmp_path), "run", "--port", "0")

    assert done.returncode != 0
    assert done.stderr.splitlines() == [
        "soko: cannot open the database: unable to open database file"
    ]
