"""WAL checkpoints in the background: a serving process copies SQLite's log into the database
file in a thread of its own, so no committing update pays for it."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, text

from store.db import SQLITE_AUTOCHECKPOINT_PAGES, WalCheckpointer, make_engine
from store.models import Channel, OutboxMessage, OutboxStatus, User
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory


def write_some(engine: Engine, rows: int = 50) -> None:
    factory = UnitOfWorkFactory(engine)
    for n in range(rows):
        with factory() as uow:
            user = User(display_name=f"u{n}", locale="en")
            uow.session.add(user)
            uow.session.flush()
            uow.session.add(
                OutboxMessage(
                    user_id=user.id,
                    channel=Channel.TELEGRAM,
                    platform_user_id=str(n),
                    payload={"text": "x" * 500},
                    status=OutboxStatus.PENDING,
                    next_attempt_at=utcnow(),
                    created_at=utcnow(),
                )
            )
            uow.commit()


def users_in_database_file(engine: Engine, tmp_path: Path) -> int:
    """Users in the database file alone, without its log: what has been checkpointed."""
    assert engine.url.database is not None
    copy = tmp_path / "file-only.db"
    shutil.copyfile(engine.url.database, copy)
    connection = sqlite3.connect(copy)
    try:
        return int(connection.execute("SELECT count(*) FROM users").fetchone()[0])
    finally:
        connection.close()


def test_commits_checkpoint_only_past_the_safety_net(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        pages = connection.execute(text("PRAGMA wal_autocheckpoint")).scalar_one()
    assert pages == SQLITE_AUTOCHECKPOINT_PAGES


def test_the_checkpointer_copies_the_log_into_the_database_in_the_background(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    write_some(sqlite_engine)
    assert users_in_database_file(sqlite_engine, tmp_path) == 0  # all still in the log
    with WalCheckpointer(sqlite_engine, interval=0.01) as checkpointer:
        deadline = time.monotonic() + 5
        while checkpointer.checkpoints < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert checkpointer.checkpoints >= 2
    assert not any(t.name == "wal-checkpoint" for t in threading.enumerate())
    assert users_in_database_file(sqlite_engine, tmp_path) == 50


def test_nothing_runs_for_an_in_memory_database() -> None:
    engine = make_engine("sqlite://")
    try:
        with WalCheckpointer(engine, interval=0.01) as checkpointer:
            time.sleep(0.05)
        assert checkpointer.checkpoints == 0
    finally:
        engine.dispose()
