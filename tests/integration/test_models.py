"""Schema rules hold in the database itself, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from store.db import UnsupportedDatabase, make_engine
from store.models import Identity, Product, User
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user


def test_stock_cannot_go_negative_or_below_reserved(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        product = make_product(uow.session, make_artisan(uow.session), stock=2)
        uow.commit()
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.session.execute(
            update(Product).where(Product.id == product.id).values(stock_reserved=3)
        )
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.session.execute(
            update(Product).where(Product.id == product.id).values(stock_reserved=-1)
        )


def test_identity_is_unique_per_channel(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session)
        identity = uow.session.scalars(select(Identity).where(Identity.user_id == user.id)).one()
        uow.commit()
    with uow_factory() as uow:
        uow.session.add(
            Identity(
                user_id=user.id,
                channel=identity.channel,
                platform_user_id=identity.platform_user_id,
            )
        )
        with pytest.raises(IntegrityError):
            uow.session.flush()


def test_status_check_constraint_refuses_unknown_values(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        product = make_product(uow.session, make_artisan(uow.session))
        uow.commit()
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.session.connection().exec_driver_sql(
            f"UPDATE products SET status = 'bogus' WHERE id = {product.id}"
        )


def test_times_come_back_aware_utc(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        loaded = uow.session.get(User, user.id)
        assert loaded is not None
        assert loaded.created_at.tzinfo is not None
        assert loaded.created_at.utcoffset() == UTC.utcoffset(None)
        assert abs((datetime.now(UTC) - loaded.created_at).total_seconds()) < 60


def test_unit_of_work_rolls_back_without_commit(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        make_user(uow.session, "Forgotten")
    with uow_factory(read_only=True) as uow:
        names = uow.session.scalars(select(User.display_name)).all()
    assert "Forgotten" not in names


def test_a_read_only_unit_of_work_leaves_loaded_objects_readable(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        make_user(uow.session, "Wanjiru")
        uow.commit()
    with uow_factory(read_only=True) as uow:
        user = uow.session.scalars(select(User).where(User.display_name == "Wanjiru")).one()
    assert user.display_name == "Wanjiru"


def test_only_sqlite_and_postgresql_are_accepted() -> None:
    with pytest.raises(UnsupportedDatabase):
        make_engine("mysql://soko@localhost/soko")
