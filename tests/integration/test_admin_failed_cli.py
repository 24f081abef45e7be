"""`soko admin failed` through the real command line (`bot.cli.main`), on both databases:
the operator sees each parked update's id, time, channel and error, never what was written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.cli import main
from store.models import Channel, InboxMessage, InboxStatus
from store.uow import UnitOfWorkFactory

FAILED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> UnitOfWorkFactory:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "SokoTestBot")
    return UnitOfWorkFactory(engine)


def add_row(db: UnitOfWorkFactory, n: int, status: InboxStatus, error: str = "") -> int:
    with db() as uow:
        row = InboxMessage(
            channel=Channel.TELEGRAM,
            platform_id=f"tg-{n}",
            platform_user_id="4242",
            payload={"text": f"my secret address {n}"},
            status=status,
            attempts=1,
            error=error,
            received_at=FAILED_AT,
            handled_at=FAILED_AT,
        )
        uow.session.add(row)
        uow.commit()
        return row.id


def test_no_failed_updates_is_said_plainly(
    db: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    add_row(db, 1, InboxStatus.HANDLED)
    assert main(["admin", "failed"]) == 0
    assert capsys.readouterr().out == "no updates parked as failed\n"


def test_parked_updates_are_listed_newest_first_without_what_was_written(
    db: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    first = add_row(db, 1, InboxStatus.FAILED, "KeyError at listing.py:40")
    add_row(db, 2, InboxStatus.HANDLED)
    last = add_row(db, 3, InboxStatus.FAILED, "TypeError at cart.py:12")

    assert main(["admin", "failed"]) == 0
    out = capsys.readouterr().out
    when = f"{'2026-03-01 12:00:00 / 09:00:00 UTC':<44}"
    assert out.splitlines() == [
        "2 update(s) parked as failed; newest first:",
        f"{'inbox id':>8}  {'failed (Africa/Nairobi / UTC)':<44} {'channel':<9} error",
        f"{last:>8}  {when} telegram  TypeError at cart.py:12",
        f"{first:>8}  {when} telegram  KeyError at listing.py:40",
    ]
    assert "secret" not in out

    assert main(["admin", "failed", "--limit", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "2 update(s) parked as failed, the latest 1; newest first:"
    )
