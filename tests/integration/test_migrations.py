"""The models and the migrations describe the same schema, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from store.migrate import current_revision, downgrade, include_name, upgrade
from store.models import Base
from store.services.browse import search
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product


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


@pytest.mark.parametrize("revision", [f"{n:04d}" for n in range(1, 10)])
def test_a_step_down_and_back_keeps_search_finding_new_pieces(
    engine: Engine, revision: str
) -> None:
    """A rollback and its upgrade leave search working (SQLite's batch mode rebuilds a table
    without its full-text triggers)."""
    downgrade(engine, revision)
    upgrade(engine)
    with UnitOfWorkFactory(engine)() as uow:
        artisan = make_artisan(uow.session)
        piece = make_product(uow.session, artisan, title="Kisii soapstone bangle")
        uow.commit()
        found = [card.product_id for card in search(uow.session, "soapstone").items]
    assert found == [piece.id]
