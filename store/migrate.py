"""Schema migrations (Alembic), applied by ``soko db upgrade`` and by the demo and tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Made by hand in migrations, not described by the models: full-text search.
UNMODELLED_PREFIXES = ("products_fts", "ix_products_search")


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic filter: leave the hand-made search objects out of model comparisons."""
    return not (name or "").startswith(UNMODELLED_PREFIXES)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # env.py takes the live engine from here rather than a URL (which may hold a password).
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
