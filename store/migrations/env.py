"""Alembic environment: migrates on the connection the caller put in ``config.attributes``,
inside the caller's transaction (`store.migrate.migration_transaction`): every migration of
one command commits together, or none does."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from store.migrate import include_name
from store.models import Base


def run_migrations() -> None:
    connection: Connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():  # a no-op inside the caller's transaction
        context.run_migrations()


run_migrations()
