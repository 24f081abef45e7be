"""The atomic stock operations on both databases, one by one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from store.models import Product, ProductStatus
from store.services import inventory
from store.services.inventory import InsufficientStock, StockOutOfStep
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product


def _products(uow_factory: UnitOfWorkFactory, *stocks: int) -> list[int]:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        ids = [make_product(uow.session, artisan, stock=s).id for s in stocks]
        uow.commit()
    return ids


def _stock(uow_factory: UnitOfWorkFactory, product_id: int) -> tuple[int, int, ProductStatus]:
    with uow_factory() as uow:
        product = uow.session.get_one(Product, product_id)
        return product.stock_on_hand, product.stock_reserved, product.status


def test_reserve_merges_repeated_products(uow_factory: UnitOfWorkFactory) -> None:
    (product,) = _products(uow_factory, 5)
    with uow_factory() as uow:
        inventory.reserve(uow.session, [(product, 2), (product, 1)])
        assert uow.session.get_one(Product, product).stock_reserved == 3  # not stale
        uow.commit()
    assert _stock(uow_factory, product) == (5, 3, ProductStatus.ACTIVE)


def test_reserve_is_all_or_nothing(uow_factory: UnitOfWorkFactory) -> None:
    plenty, scarce = _products(uow_factory, 5, 1)
    with uow_factory() as uow:
        with pytest.raises(InsufficientStock) as caught:
            inventory.reserve(uow.session, [(scarce, 2), (plenty, 2)])
        assert caught.value.items == [(scarce, 2, 1)]
        uow.commit()
    assert _stock(uow_factory, plenty) == (5, 0, ProductStatus.ACTIVE)
    assert _stock(uow_factory, scarce) == (1, 0, ProductStatus.ACTIVE)


def test_commit_release_restock_keep_status_in_step(uow_factory: UnitOfWorkFactory) -> None:
    (product,) = _products(uow_factory, 2)
    with uow_factory() as uow:
        inventory.reserve(uow.session, [(product, 2)])
        inventory.commit_reserved(uow.session, [(product, 1)])
        assert _fresh(uow.session, product) == (1, 1, ProductStatus.SOLD_OUT)
        inventory.release(uow.session, [(product, 1)])
        assert _fresh(uow.session, product) == (1, 0, ProductStatus.ACTIVE)
        inventory.reserve(uow.session, [(product, 1)])
        inventory.commit_reserved(uow.session, [(product, 1)])
        assert _fresh(uow.session, product) == (0, 0, ProductStatus.SOLD_OUT)
        inventory.restock(uow.session, [(product, 1)])
        assert _fresh(uow.session, product) == (1, 0, ProductStatus.ACTIVE)


def test_an_archived_product_stays_archived_when_restocked(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (product,) = _products(uow_factory, 1)
    with uow_factory() as uow:
        uow.session.get_one(Product, product).status = ProductStatus.ARCHIVED
        uow.session.flush()
        inventory.restock(uow.session, [(product, 1)])
        assert _fresh(uow.session, product) == (2, 0, ProductStatus.ARCHIVED)
        with pytest.raises(InsufficientStock):
            inventory.reserve(uow.session, [(product, 1)])


@pytest.mark.parametrize("operation", [inventory.commit_reserved, inventory.release])
def test_more_than_reserved_is_a_bug_not_a_silent_negative(
    uow_factory: UnitOfWorkFactory, operation: Callable[[Session, inventory.Quantities], None]
) -> None:
    (product,) = _products(uow_factory, 3)
    with uow_factory() as uow:
        inventory.reserve(uow.session, [(product, 1)])
        with pytest.raises(StockOutOfStep):
            operation(uow.session, [(product, 2)])


def test_quantities_must_be_positive(uow_factory: UnitOfWorkFactory) -> None:
    (product,) = _products(uow_factory, 3)
    with uow_factory() as uow, pytest.raises(ValueError, match="positive"):
        inventory.reserve(uow.session, [(product, 0)])


def _fresh(session: Session, product_id: int) -> tuple[int, int, ProductStatus]:
    product = session.get_one(Product, product_id)
    return product.stock_on_hand, product.stock_reserved, product.status
