"""Engine creation: SQLite tuned for a single machine, PostgreSQL at scale.

SQLite: WAL, a busy timeout, foreign keys on, and ``BEGIN IMMEDIATE`` for every transaction
that may write, so two writers queue on the lock instead of failing half-way with
"database is locked" when a read transaction tries to upgrade. Read-only units of work use
``read_engine(engine)`` and a deferred ``BEGIN`` so readers never wait for writers.

WAL checkpoints (copying the log back into the database file, with its fsyncs) are SQLite's
one slow, irregular cost: by default the commit that takes the log past 1,000 pages does it,
so an unlucky update pays several milliseconds. A serving process runs a `WalCheckpointer`
instead, which checkpoints in a thread of its own (the driver releases the GIL meanwhile);
commits then checkpoint themselves only past `SQLITE_AUTOCHECKPOINT_PAGES`, a safety net for
when no checkpointer runs (command-line tools) or it falls behind.

PostgreSQL: a pool bounded by `PoolSettings` (each process's share of the server's
max_connections; docs/operations.md, "The connection budget"), an optional statement timeout,
and an `application_name` saying which process holds each connection (`pg_stat_activity`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import StaticPool

from store.errors import StoreError

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
# 16 MB of 4 KB pages: a busy bot writes that in a few seconds, the checkpointer empties the
# log well before.
SQLITE_AUTOCHECKPOINT_PAGES = 4_000
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class UnsupportedDatabase(StoreError):
    def __init__(self, backend: str) -> None:
        super().__init__(f"{backend} is not supported; use SQLite or PostgreSQL")
        self.backend = backend


_INSERTS: Final[dict[str, Any]] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(dialect: str) -> Any:
    """`insert` of the database's own dialect (`sqlite` or `postgresql`), which has
    `on_conflict_do_nothing` / `on_conflict_do_update`."""
    insert = _INSERTS.get(dialect)
    if insert is None:  # make_engine refuses other databases before we get here
        raise UnsupportedDatabase(dialect)
    return insert


_READ_ONLY = "soko_read_only"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


# A failed statement's parameters (what people typed, addresses, numbers) stay out of its
# error message, and so out of every logged traceback.
HIDE_PARAMETERS: Final = True


# PostgreSQL keeps the first 63 bytes of an application_name (NAMEDATALEN - 1).
APPLICATION_NAME_MAX = 63


@dataclass(frozen=True)
class PoolSettings:
    """A PostgreSQL process's connections: at most `size` + `max_overflow` open at once, a
    checkout waiting `timeout_seconds` for one to come back before it fails, and every
    statement cancelled after `statement_timeout_ms` (0: never)."""

    size: int = 5
    max_overflow: int = 5
    timeout_seconds: float = 10.0
    statement_timeout_ms: int = 0


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool: PoolSettings | None = None,
    application_name: str = "soko",
) -> Engine:
    """Create the engine for ``DATABASE_URL`` with the project's connection policy.

    `pool` and `application_name` apply to PostgreSQL (SQLite is one file on one machine and
    keeps its own policy); without `pool`, SQLAlchemy's default pool and no statement
    timeout. An `application_name` or `options` given in the URL itself wins."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise UnsupportedDatabase(parsed.get_backend_name())
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    name = application_name.encode()[:APPLICATION_NAME_MAX].decode(errors="ignore")
    connect_args: dict[str, Any] = {"application_name": name}
    kwargs: dict[str, Any] = {}
    if pool is not None:
        kwargs = {
            "pool_size": pool.size,
            "max_overflow": pool.max_overflow,
            "pool_timeout": pool.timeout_seconds,
        }
        if pool.statement_timeout_ms:
            connect_args["options"] = f"-c statement_timeout={pool.statement_timeout_ms}"
    for given in parsed.query:  # the operator's own, in DATABASE_URL
        connect_args.pop(given, None)
    engine = create_engine(
        parsed,
        echo=echo,
        future=True,
        hide_parameters=HIDE_PARAMETERS,
        connect_args=connect_args,
        **kwargs,
    )
    ping_after_idle(engine)
    return engine


# A connection handed back moments ago is alive: pinging it again (SQLAlchemy's
# `pool_pre_ping`) would cost a round trip more per unit of work (an update has about ten). One
# idle longer may have been closed under us (a database restart, an idle timeout in between).
PING_AFTER_IDLE_SECONDS: Final = 5.0
_IDLE_SINCE: Final = "soko_idle_since"


def ping_after_idle(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Ping a pooled connection before handing it out when it sat idle `idle_seconds` or
    more; a dead one is replaced (the pool connects again) before anyone uses it."""

    @event.listens_for(engine.pool, "checkin")
    def _idle(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # new, or used moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError from exc  # the pool replaces the connection


def sqlite_file_empty(engine: Engine) -> bool:
    """True when `engine` is SQLite on a file that does not exist yet or holds nothing (0
    bytes): a database nothing has made yet, which connecting would create."""
    database = engine.url.database or ""
    if not is_sqlite(engine) or database in ("", ":memory:") or "mode=memory" in database:
        return False
    path = Path(database).expanduser()
    return not path.exists() or path.stat().st_size == 0


def read_engine(engine: Engine) -> Engine:
    """The same pool, flagged so SQLite opens a deferred (read) transaction."""
    return engine.execution_options(**{_READ_ONLY: True})


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    parsed = make_url(url)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in str(parsed.query)
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": HIDE_PARAMETERS}
    if in_memory:
        # One shared connection, or every connection would see its own empty database.
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    engine = create_engine(url, **kwargs)

    if not in_memory:
        folder = Path(database).expanduser().resolve().parent

        @event.listens_for(engine, "do_connect")
        def _make_folder(*_args: Any) -> None:
            # At the first connection, not here: a command that only checks the database
            # (`prepare_database(create=False)`) leaves no folder behind.
            folder.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's events issue BEGIN; pysqlite's implicit BEGIN is deferred.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            _use_wal(cursor)
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        # Straight to the driver: it runs once per unit of work, and SQLAlchemy's statement
        # machinery would cost more than the BEGIN itself.
        connection.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switch to WAL (a no-op once the file is in WAL mode). A new file is switched by the
    first process to ask; SQLite answers the others "database is locked" at once, without
    waiting for the busy timeout, so they ask again (processes starting together)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class WalCheckpointer:
    """PASSIVE checkpoints of an SQLite file every `interval` seconds, in a thread, while the
    block runs (nothing to do for PostgreSQL or an in-memory database). PASSIVE never waits
    for readers or writers: it copies what it can and tries again next time."""

    def __init__(self, engine: Engine, interval: float = 0.25) -> None:
        database = engine.url.database or ""
        self._engine = engine
        self._interval = interval
        self._wanted = is_sqlite(engine) and database not in ("", ":memory:")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0

    def __enter__(self) -> Self:
        if self._wanted:
            self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.checkpoint()
            except Exception as exc:  # the commits' own checkpoints still bound the log
                logger.warning("WAL checkpoint failed: %s", type(exc).__name__)

    def checkpoint(self) -> None:
        connection = self._engine.raw_connection()
        try:
            # Straight to the driver, outside any transaction (SQLAlchemy would BEGIN).
            connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
            self.checkpoints += 1
        finally:
            connection.close()


# PostgreSQL: serialization failure, deadlock detected, lock not available.
# Serialization failure, deadlock, lock timeout, and a statement cancelled (DB_STATEMENT_TIMEOUT_MS:
# usually one that waited that long behind a lock).
_BUSY_SQLSTATES: Final = frozenset({"40001", "40P01", "55P03", "57014"})
_SQLITE_BUSY: Final = ("database is locked", "database is busy", "database table is locked")


def is_database_busy(exc: BaseException) -> bool:
    """Whether `exc` says only that the database was busy (locked by another writer, a
    serialization conflict, a statement past DB_STATEMENT_TIMEOUT_MS, every connection of the
    pool in use for DB_POOL_TIMEOUT_SECONDS):
    trying again later may well succeed."""
    if isinstance(exc, PoolTimeout):
        return True
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    if getattr(cause, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    return isinstance(cause, sqlite3.OperationalError) and str(cause).lower().startswith(
        _SQLITE_BUSY
    )


def is_connection_lost(exc: BaseException) -> bool:
    """Whether `exc` says the connection to the database was lost (a restart, a failover, a
    connection that died in the pool): the pool connects again, so trying again may well
    succeed."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
