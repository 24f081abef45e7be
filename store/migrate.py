"""Schema migrations (Alembic): applied by ``soko db upgrade``, by the demo and tests, and by
`prepare_database`, the check every command makes before it touches the database (the
serving commands create a database not there yet; `soko admin …` refuses it)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from store.db import sqlite_file_empty
from store.errors import StoreError
from store.models.scheduler import SCHEDULER_JOBS_TABLE

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Made by hand in migrations, not described by the models: full-text search.
UNMODELLED_PREFIXES = ("products_fts", "ix_products_search")
# What the app may have made in a database that has no migration applied: an APScheduler job
# store creates its table when it starts (`soko run` did, before it checked the database),
# and Alembic's own table stays, empty, after `soko db downgrade base`.
MADE_BEFORE_MIGRATING = frozenset({SCHEDULER_JOBS_TABLE, "alembic_version"})
UPGRADE_COMMAND = "soko db upgrade"
# PostgreSQL advisory lock key of schema changes ("soko" in ASCII).
_LOCK_KEY = 0x736F6B6F


class DatabaseNotReady(StoreError):
    """The database is not at the revision this code needs, and cannot simply be created.
    The message is one sentence for the operator."""


class DatabaseMissing(DatabaseNotReady):
    def __init__(self) -> None:
        super().__init__(f"no database yet: start `soko run` first or run `{UPGRADE_COMMAND}`")


class DatabaseBehind(DatabaseNotReady):
    def __init__(self, revision: str, head: str) -> None:
        super().__init__(
            f"the database is at revision {revision} and this version of Soko needs {head}:"
            f" run `{UPGRADE_COMMAND}` first (after a backup)"
        )
        self.revision = revision
        self.head = head


class DatabaseAhead(DatabaseNotReady):
    def __init__(self, revision: str, head: str) -> None:
        super().__init__(
            f"the database is at revision {revision}, which this version of Soko does not know"
            f" (its latest is {head}): a newer version migrated it; run that version"
        )
        self.revision = revision
        self.head = head


class UnknownTables(DatabaseNotReady):
    def __init__(self, tables: list[str]) -> None:
        super().__init__(
            f"the database has tables Soko did not make ({', '.join(tables)}) and no migration"
            " record: point DATABASE_URL at an empty or a Soko database"
        )
        self.tables = tables


class BrokenForeignKeys(StoreError):
    """A migration would leave rows pointing at nothing (SQLite checks them at its end)."""

    def __init__(self, rows: list[tuple[object, ...]]) -> None:
        super().__init__(f"the migration left rows pointing at nothing: {rows[:5]}")
        self.rows = rows


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic filter: leave the hand-made search objects out of model comparisons."""
    return not (name or "").startswith(UNMODELLED_PREFIXES)


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # env.py migrates on this connection, in its transaction (a URL could hold a password).
    config.attributes["connection"] = connection
    return config


@contextmanager
def migration_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that one process at a time holds, for looking at the schema and
    changing it: SQLite's write lock (the engine begins every writing transaction with
    ``BEGIN IMMEDIATE``), PostgreSQL's advisory lock. Two processes starting together on an
    empty database: the second waits, then finds it migrated. Commits when the block ends,
    rolls back when it raises.

    SQLite's foreign keys are off meanwhile, as its manual asks for schema changes: a table
    rebuilt in batch mode is dropped and its copy renamed, and with them on, dropping a
    table others point at fails (or cascades). They are checked, all of them, before the
    commit, and are on again afterwards."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_pragma(connection, "foreign_keys=OFF")  # a no-op inside a transaction
        try:
            with connection.begin():
                if not sqlite:
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY}
                    )
                yield connection
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                _sqlite_pragma(connection, "foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to `revision`. A database holding tables Soko did not make and no migration
    record is another application's: `UnknownTables`, and nothing is written."""
    with migration_transaction(engine) as connection:
        if _revision(connection) is None:
            _refuse_unknown_tables(connection)
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with migration_transaction(engine) as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _revision(connection)


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None
    return head


def is_known_revision(revision: str) -> bool:
    return revision in {script.revision for script in _scripts().walk_revisions()}


def prepare_database(engine: Engine, *, create: bool = True) -> bool:
    """Make sure the database is at this code's revision before anything else touches it.

    A database that does not exist yet (SQLite), has no tables, or only the table an
    unmigrated scheduler made, is migrated to the latest revision: True — or, when not
    `create`, refused with `DatabaseMissing`, and nothing made (not even the SQLite file).
    One already there: False. Anything else raises `DatabaseNotReady`, and nothing was
    written."""
    if not create and sqlite_file_empty(engine):
        raise DatabaseMissing()  # before connecting, which would create the file
    head = head_revision()
    with migration_transaction(engine) as connection:
        revision = _revision(connection)
        if revision == head:
            return False
        if revision is not None:
            if is_known_revision(revision):
                raise DatabaseBehind(revision, head)
            raise DatabaseAhead(revision, head)
        _refuse_unknown_tables(connection)
        if not create:
            raise DatabaseMissing()
        command.upgrade(alembic_config(connection), head)
    logger.info("database: it was empty; created at revision %s", head)
    return True


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    # Straight to the driver, outside SQLAlchemy's transaction (SQLite ignores this pragma
    # inside one).
    connection.connection.driver_connection.execute(f"PRAGMA {pragma}")  # type: ignore[union-attr]


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise BrokenForeignKeys([tuple(row) for row in broken])


def _refuse_unknown_tables(connection: Connection) -> None:
    unknown = sorted(set(inspect(connection).get_table_names()) - MADE_BEFORE_MIGRATING)
    if unknown:
        raise UnknownTables(unknown)


def _revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))
