"""`soko admin …` checks the database as the serving commands do (`prepare_database`), but
never creates one: pointed at a database that is not there yet or is empty (a wrong
DATABASE_URL, a shop never started), every admin command refuses in one line and exit
status 1, and nothing is made — no SQLite file, no folder, no table; one at an older
revision gets the serving commands' line. Through the real command line (`bot.cli.main`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from bot.cli import main
from store.db import make_engine
from store.migrate import upgrade
from tests.integration.test_database_check import HEAD, SCRIPTS, blank, blank_url, snapshot

__all__ = ["blank", "blank_url"]  # the fixtures, parametrized over SQLite and PostgreSQL

NO_DATABASE = "soko: no database yet: start `soko run` first or run `soko db upgrade`"
ADMIN_COMMANDS = [
    ["admin", "roles", "list"],
    ["admin", "roles", "list", "--history"],
    ["admin", "roles", "grant", "0722 000 111", "mentor"],
    ["admin", "roles", "revoke", "0722 000 111", "mentor"],
    ["admin", "payouts"],
    ["admin", "payouts", "--record", "wanjiru-beads", "1000", "QJK4ABC123"],
    ["admin", "refund", "SK-HBD7B8"],
    ["admin", "reconcile"],
    ["admin", "jobs"],
]


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("ADMIN_PHONES", "+254711000001")
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path / "media"))
    return monkeypatch


@pytest.mark.parametrize("command", ADMIN_COMMANDS, ids=" ".join)
def test_no_database_yet_is_refused_in_one_line_and_nothing_is_made(
    settings: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    folder = tmp_path / "wrong" / "place"
    settings.setenv("DATABASE_URL", f"sqlite:///{folder / 'soko.db'}")

    assert main(command) == 1

    assert capsys.readouterr().err.splitlines() == [NO_DATABASE]
    assert not (tmp_path / "wrong").exists()


@pytest.mark.parametrize("command", [ADMIN_COMMANDS[0], ADMIN_COMMANDS[-1]], ids=" ".join)
def test_an_empty_database_is_refused_and_left_empty(
    settings: pytest.MonkeyPatch,
    blank_url: str,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    engine = make_engine(blank_url)
    if engine.dialect.name == "sqlite":  # a file that exists but holds nothing
        path = Path(engine.url.database or "")
        path.parent.mkdir(parents=True)
        path.touch()
    settings.setenv("DATABASE_URL", blank_url)

    assert main(command) == 1

    assert capsys.readouterr().err.splitlines() == [NO_DATABASE]
    if engine.dialect.name == "sqlite":
        assert Path(engine.url.database or "").stat().st_size == 0
    else:
        assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_an_older_revision_is_refused_as_the_serving_commands_refuse_it(
    settings: pytest.MonkeyPatch, blank: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    older = SCRIPTS.get_revision(HEAD).down_revision
    assert isinstance(older, str)
    upgrade(blank, older)
    before = snapshot(blank)
    settings.setenv("DATABASE_URL", blank.url.render_as_string(hide_password=False))

    assert main(["admin", "roles", "list"]) == 1

    assert capsys.readouterr().err.splitlines() == [
        f"soko: the database is at revision {older} and this version of Soko needs {HEAD}:"
        " run `soko db upgrade` first (after a backup)"
    ]
    assert snapshot(blank) == before


def test_a_database_at_the_latest_revision_is_used(
    settings: pytest.MonkeyPatch, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))

    assert main(["admin", "roles", "list"]) == 0
    assert main(["admin", "jobs"]) == 0

    out = capsys.readouterr().out
    assert "nobody has a role yet" in out
    assert "no jobs scheduled yet" in out
