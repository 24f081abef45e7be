"""`soko admin jobs run NAME`: one scheduled job now, once, in the admin's process — the job's
own function, so a second run writes nothing more (its dedupe); an unknown name is told the
names (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot import cli
from store.models import Role
from store.uow import UnitOfWorkFactory
from tests.factories import make_user
from tests.integration.jobs.jobs_support import told


@pytest.fixture
def operator(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.chdir(tmp_path)  # no .env from the working copy


@pytest.mark.usefixtures("operator")
def test_runs_the_manager_s_week_now_and_once_a_week(
    uow_factory: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    with uow_factory() as uow:
        faith = make_user(uow.session, "Faith", roles=(Role.COMMUNITY_MANAGER,))
        uow.commit()
        faith_id = faith.id

    assert cli.main(["admin", "jobs", "run", "manager_week"]) == 0
    assert "ran manager_week once: " in capsys.readouterr().out
    [summary] = told(uow_factory, faith_id)
    assert summary.payload["text"].startswith("Your week on Soko, ")
    assert str(summary.dedupe_key).startswith("manager-week:")

    assert cli.main(["admin", "jobs", "run", "manager_week"]) == 0  # as a second scheduled run
    assert len(told(uow_factory, faith_id)) == 1


@pytest.mark.usefixtures("operator")
def test_an_unknown_name_is_told_the_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["admin", "jobs", "run", "manager-week"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: 'manager-week' is no job here; jobs to run: ")
    names = error.split("jobs to run: ", 1)[1].strip().split(", ")
    assert {"manager_week", "deliver_shipped_orders", "payouts_summary"} <= set(names)
    assert "sweep_inbox" not in names

    assert cli.main(["admin", "jobs", "run", "sweep_inbox"]) == 2
    assert "runs only in `soko run` / `soko scheduler`" in capsys.readouterr().err


@pytest.mark.usefixtures("operator")
def test_listing_the_jobs_still_works_without_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["admin", "jobs"]) == 0
    assert "no jobs scheduled yet" in capsys.readouterr().out
