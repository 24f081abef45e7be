"""A `soko` command as a real process (`python -m bot.cli …`), for the end-to-end tests of
starting and stopping: started (again), signalled, waited for; its stderr kept in a file.
And what such a test asks the database it left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy import func, select

from store.db import make_engine
from store.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from store.models.types import utcnow

ROOT = Path(__file__).resolve().parents[2]
# SIGTERM or SIGINT must end every command within this (its own deadline is 8 s).
STOP_SECONDS = 10


class SokoProcess:
    def __init__(self, args: Sequence[str], env: Mapping[str, str], cwd: Path) -> None:
        self.args = list(args)
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        self.cwd = cwd
        self.log = cwd / f"soko-{'-'.join(a for a in args if not a.startswith('-'))}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.stopped_in = 0.0  # seconds from the last signal to the exit, for the record

    def start(self) -> SokoProcess:
        with self.log.open("ab") as err:
            self.started_at = time.monotonic()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", *self.args],
                cwd=self.cwd,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        return self

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send `signum`; the exit status (a process still running STOP_SECONDS later is
        killed, and the test fails)."""
        assert self.process is not None
        signalled = time.monotonic()
        self.process.send_signal(signum)
        try:
            status = self.process.wait(timeout=STOP_SECONDS)
            self.stopped_in = time.monotonic() - signalled
            return status
        except subprocess.TimeoutExpired as late:
            self.process.kill()
            self.process.wait()
            message = f"soko {self.args} still running {STOP_SECONDS}s after signal {signum}"
            raise AssertionError(message) from late

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def errors(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


def outbox_counts(database_url: str) -> dict[str, int]:
    """Outbox rows sent, pending, and pending but claimed (due only after a lease); inbox rows
    and those handled."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            now = utcnow()

            def count(model: type, *where: object) -> int:
                query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
                return connection.scalar(query) or 0

            pending = OutboxMessage.status == OutboxStatus.PENDING
            return {
                "sent": count(OutboxMessage, OutboxMessage.status == OutboxStatus.SENT),
                "pending": count(OutboxMessage, pending),
                "claimed": count(OutboxMessage, pending, OutboxMessage.next_attempt_at > now),
                "inbox": count(InboxMessage),
                "handled": count(InboxMessage, InboxMessage.status == InboxStatus.HANDLED),
            }
    finally:
        engine.dispose()
