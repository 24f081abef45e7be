"""Alembic environment: runs on the engine the caller put in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from store.migrate import include_name
from store.models import Base


def run_migrations() -> None:
    engine: Engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_name=include_name,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
