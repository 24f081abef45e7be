"""What the commands do with the database they are pointed at, as real processes: one at an
older revision, or at one this code does not know, is refused in one line naming what to do,
and left untouched; `soko db upgrade` then brings it up to date, also a file an unmigrated
scheduler touched; `soko chat` creates a database that is not there yet, and stops on
SIGTERM without a traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from store.db import make_engine
from store.migrate import MIGRATIONS_DIR, current_revision, upgrade
from tests.e2e.soko_process import ROOT, STOP_SECONDS
from tests.integration.test_database_check import touched_by_an_unmigrated_scheduler

HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
SERVING = (["run", "--port", "0"], ["web", "--port", "0"], ["scheduler"], ["chat"])


def soko(*args: str, database: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": f"sqlite:///{database}", "MEDIA_DIR": str(database.parent / "media")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env},
        cwd=database.parent,
        timeout=120,
        check=False,
    )


def at_revision(path: Path, revision: str) -> Path:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, revision)
    engine.dispose()
    return path


def older_revision() -> str:
    older = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(HEAD).down_revision
    assert isinstance(older, str)
    return older


@pytest.mark.parametrize("command", SERVING, ids=[c[0] for c in SERVING])
def test_a_database_at_an_older_revision_is_refused_in_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    database = at_revision(tmp_path / "soko.db", older_revision())
    before = database.read_bytes()

    done = soko(*command, database=database)

    assert done.returncode != 0
    assert done.stderr.splitlines() == [
        f"soko: the database is at revision {older_revision()} and this version of Soko needs"
        f" {HEAD}: run `soko db upgrade` first (after a backup)"
    ]
    assert database.read_bytes() == before

    assert soko("db", "upgrade", database=database).returncode == 0
    assert soko("chat", database=database, stdin="/quit\n").returncode == 0


def test_a_database_a_newer_version_migrated_is_refused_in_one_line(tmp_path: Path) -> None:
    database = at_revision(tmp_path / "soko.db", "head")
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe9999'"))
    engine.dispose()
    before = database.read_bytes()

    done = soko("run", "--port", "0", database=database)

    assert done.returncode != 0
    [line] = done.stderr.splitlines()
    assert "f00dcafe9999" in line
    assert "a newer version migrated it" in line
    assert database.read_bytes() == before
    upgraded = soko("db", "upgrade", database=database)
    assert upgraded.returncode != 0
    assert upgraded.stderr.splitlines() == [f"soko: {line.removeprefix('soko: ')}"]


def test_soko_db_upgrade_takes_a_file_an_unmigrated_scheduler_touched(tmp_path: Path) -> None:
    database = tmp_path / "soko.db"
    engine = make_engine(f"sqlite:///{database}")
    touched_by_an_unmigrated_scheduler(engine, tmp_path)
    engine.dispose()

    done = soko("db", "upgrade", database=database)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"database at revision {HEAD}"
    engine = make_engine(f"sqlite:///{database}")
    assert current_revision(engine) == HEAD
    engine.dispose()


def test_soko_chat_creates_a_missing_database_and_stops_on_sigterm(tmp_path: Path) -> None:
    database = tmp_path / "new" / "soko.db"
    env = {"DATABASE_URL": f"sqlite:///{database}", "MEDIA_DIR": str(tmp_path / "media")}
    chat = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "chat", "--as", "amina"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env},
        cwd=tmp_path,
    )
    assert chat.stdin is not None
    assert chat.stdout is not None
    chat.stdin.write("menu\n")
    chat.stdin.flush()
    while not chat.stdout.readline().startswith("amina> menu"):  # the echo
        pass
    answer = chat.stdout.readline()  # the bot's
    chat.send_signal(signal.SIGTERM)
    try:
        _, errors = chat.communicate(timeout=STOP_SECONDS)
    finally:
        chat.kill()
        chat.communicate()
    assert chat.returncode == 0, errors
    assert "Traceback" not in errors
    assert answer.strip()


def test_a_database_that_cannot_be_opened_is_reported_in_one_line(tmp_path: Path) -> None:
    database = tmp_path / "soko.db"
    database.mkdir()  # a folder where the file should be

    done = soko("run", "--port", "0", database=database)

    assert done.returncode != 0
    assert done.stderr.splitlines() == [
        "soko: cannot open the database: unable to open database file"
    ]
