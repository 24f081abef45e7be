"""The models and the migrations describe the same schema, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from store.migrate import current_revision, downgrade, include_name, upgrade
from store.models import Base


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_name": include_name},
        )
        return list(compare_metadata(context, Base.metadata))


def test_autogenerate_finds_no_difference(engine: Engine) -> None:
    assert _diff(engine) == []


def test_head_is_applied_and_downgrade_round_trips(engine: Engine) -> None:
    assert current_revision(engine) is not None
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    assert _diff(engine) == []
