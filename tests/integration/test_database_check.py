"""The check every serving command makes before it touches the database
(`store.migrate.prepare_database`): a missing or empty database is created at the latest
revision; one an unmigrated scheduler touched is too; an older or unknown revision, or tables
of unknown origin, are refused with one sentence, and nothing is written to them.
Two processes starting at once on an empty database do not both migrate it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text

from bot.cli import main
from bot.container import Container
from bot.jobs import scheduled_jobs
from bot.plugin import ChannelPasses
from bot.scheduler import build_scheduler, install_jobs
from bot.settings import Settings
from store.db import make_engine
from store.migrate import (
    MIGRATIONS_DIR,
    DatabaseAhead,
    DatabaseBehind,
    UnknownTables,
    current_revision,
    prepare_database,
    upgrade,
)
from store.models import Base, scheduler_jobs
from tests.conftest import new_postgres_database
from tests.integration.test_migrations import _diff

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ScriptDirectory(str(MIGRATIONS_DIR))
HEAD = SCRIPTS.get_current_head()


@pytest.fixture(params=["sqlite", "postgres"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database nothing ever touched: an SQLite file not there yet, or a new,
    empty PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop' / 'soko.db'}"
        return
    with new_postgres_database("soko_check") as url:
        yield url


@pytest.fixture
def blank(blank_url: str) -> Iterator[Engine]:
    engine = make_engine(blank_url)
    yield engine
    engine.dispose()


def snapshot(engine: Engine) -> object:
    """What a refused database holds: the SQLite file's bytes, or every PostgreSQL table's
    rows."""
    engine.dispose()  # SQLite: the last connection to close folds the WAL into the file
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes(), wal.exists() and wal.read_bytes()
    with engine.connect() as connection:
        tables = sorted(inspect(connection).get_table_names())
        rows = {t: connection.execute(text(f'SELECT * FROM "{t}"')).all() for t in tables}
    engine.dispose()
    return rows


def touched_by_an_unmigrated_scheduler(engine: Engine, tmp_path: Path) -> None:
    """What `soko run` used to leave behind on a database nobody had migrated: APScheduler's
    job store made its own table and stored the jobs, then the first query for the inbox
    failed."""
    url = engine.url.render_as_string(hide_password=False)
    container = Container(
        Settings(_env_file=None, database_url=url, media_dir=tmp_path / "media")  # type: ignore[call-arg]
    )
    zone = ZoneInfo(container.settings.artisan_timezone)
    jobs = scheduled_jobs(container, ChannelPasses())
    scheduler = build_scheduler(engine, jobs, zone)
    scheduler.start(paused=True)
    install_jobs(scheduler, jobs)
    scheduler.shutdown(wait=False)


def test_a_database_not_there_yet_is_created_at_the_latest_revision(blank: Engine) -> None:
    assert prepare_database(blank) is True
    assert current_revision(blank) == HEAD
    assert set(Base.metadata.tables) <= set(inspect(blank).get_table_names())
    assert _diff(blank) == []
    assert prepare_database(blank) is False  # the next start finds it ready


def test_an_empty_sqlite_file_is_created_too(tmp_path: Path) -> None:
    path = tmp_path / "soko.db"
    path.touch()
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert prepare_database(engine) is True
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_a_database_an_unmigrated_scheduler_touched_is_migrated(
    blank: Engine, tmp_path: Path
) -> None:
    touched_by_an_unmigrated_scheduler(blank, tmp_path)
    assert inspect(blank).get_table_names() == ["apscheduler_jobs"]
    assert prepare_database(blank) is True
    assert current_revision(blank) == HEAD
    assert _diff(blank) == []


def test_soko_db_upgrade_works_on_a_database_an_unmigrated_scheduler_touched(
    blank: Engine, tmp_path: Path
) -> None:
    touched_by_an_unmigrated_scheduler(blank, tmp_path)
    upgrade(blank)
    assert current_revision(blank) == HEAD
    assert _diff(blank) == []
    with blank.connect() as connection:  # the jobs it stored are still there
        assert connection.scalar(select(scheduler_jobs.c.id).limit(1)) is not None


def test_an_older_revision_is_refused_and_left_as_it_was(blank: Engine) -> None:
    older = SCRIPTS.get_revision(HEAD).down_revision
    assert isinstance(older, str)
    upgrade(blank, older)
    before = snapshot(blank)
    with pytest.raises(DatabaseBehind) as refused:
        prepare_database(blank)
    assert snapshot(blank) == before
    message = str(refused.value)
    assert "soko db upgrade" in message
    assert older in message
    assert "\n" not in message


def test_a_revision_this_code_does_not_know_is_refused_and_left_as_it_was(
    blank: Engine,
) -> None:
    upgrade(blank)
    with blank.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe9999'"))
    before = snapshot(blank)
    with pytest.raises(DatabaseAhead) as refused:
        prepare_database(blank)
    assert snapshot(blank) == before
    message = str(refused.value)
    assert "f00dcafe9999" in message
    assert "newer" in message
    assert "\n" not in message


def test_tables_of_unknown_origin_are_refused_and_left_as_they_were(blank: Engine) -> None:
    with blank.begin() as connection:
        connection.execute(text("CREATE TABLE customers (id INTEGER PRIMARY KEY)"))
    before = snapshot(blank)
    with pytest.raises(UnknownTables) as refused:
        prepare_database(blank)
    assert snapshot(blank) == before
    assert "customers" in str(refused.value)


def test_soko_db_upgrade_refuses_another_applications_database_and_leaves_it(
    blank: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with blank.begin() as connection:
        connection.execute(text("CREATE TABLE customers (id INTEGER PRIMARY KEY)"))
    before = snapshot(blank)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", blank.url.render_as_string(hide_password=False))
    assert main(["db", "upgrade"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "soko: the database has tables Soko did not make (customers) and no migration record: "
        "point DATABASE_URL at an empty or a Soko database\n"
    )
    assert snapshot(blank) == before
    with pytest.raises(UnknownTables):  # the service itself refuses, whoever calls it
        upgrade(blank)
    assert snapshot(blank) == before


RACER = """
import sys
from store.db import make_engine
from store.migrate import prepare_database
engine = make_engine(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()  # all go at once
print(prepare_database(engine), flush=True)
"""


def test_processes_starting_together_on_an_empty_database_migrate_it_once(
    blank_url: str,
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, blank_url],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for racer in racers:
        assert racer.stdout is not None
        assert racer.stdout.readline().strip() == "ready"
    for racer in racers:
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    results = [racer.communicate(timeout=120) for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0, 0], [err for _, err in results]
    assert sorted(out.strip() for out, _ in results) == ["False", "False", "True"]
    engine = make_engine(blank_url)
    try:
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


UPGRADER = """
import sys
from bot.cli import main
print("ready", flush=True)
sys.stdin.readline()  # all go at once
sys.exit(main(["db", "upgrade"]))
"""


def test_two_soko_db_upgrade_at_once_one_migrates_the_other_waits_and_reports_the_head(
    blank_url: str, tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SOKO_", "DATABASE_"))},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": blank_url,
        "MEDIA_DIR": str(tmp_path / "media"),
    }
    upgrades = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADER],
            env=env,
            cwd=tmp_path,  # no .env of this checkout
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for upgrading in upgrades:
        assert upgrading.stdout is not None
        assert upgrading.stdout.readline().strip() == "ready"
    for upgrading in upgrades:
        assert upgrading.stdin is not None
        upgrading.stdin.write("go\n")
        upgrading.stdin.flush()
    results = [upgrading.communicate(timeout=120) for upgrading in upgrades]
    assert [upgrading.returncode for upgrading in upgrades] == [0, 0], [e for _, e in results]
    assert [out.strip() for out, _ in results] == [f"database at revision {HEAD}"] * 2
