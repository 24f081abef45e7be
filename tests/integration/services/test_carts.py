"""Carts on both databases: what may go in, how much, and how it is shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from store.errors import NotFound
from store.models import Cart, CartItem, Product, ProductStatus
from store.money import Money
from store.pricing import PricingPolicy
from store.services import carts
from store.services.carts import CartProblem, InvalidQuantity, OwnProduct, ProductNotForSale
from store.services.inventory import InsufficientStock
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POLICY = PricingPolicy.from_strings("USD", {"KES/USD": "0.0077"}, 4000, 500)


def _setup(
    uow_factory: UnitOfWorkFactory, *, stock: int = 3, price_kes: int = 1500
) -> tuple[int, int, int]:
    """A buyer and an artisan's active product: (buyer user id, product id, artisan user id)."""
    with uow_factory() as uow:
        buyer = make_user(uow.session, "Amy")
        artisan = make_artisan(uow.session, "Wanjiru")
        product = make_product(uow.session, artisan, price_minor=price_kes * 100, stock=stock)
        ids = (buyer.id, product.id, artisan.user_id)
        uow.commit()
    return ids


def _reserve(uow_factory: UnitOfWorkFactory, product_id: int, reserved: int) -> None:
    with uow_factory() as uow:
        uow.session.execute(
            update(Product).where(Product.id == product_id).values(stock_reserved=reserved)
        )
        uow.commit()


def test_get_or_create_cart_makes_one_cart_per_user(uow_factory: UnitOfWorkFactory) -> None:
    buyer, _, _ = _setup(uow_factory)
    with uow_factory() as uow:
        first = carts.get_or_create_cart(uow.session, buyer, now=NOW)
        second = carts.get_or_create_cart(uow.session, buyer, now=NOW)
        assert first.id == second.id
        uow.commit()
    with uow_factory() as uow:
        count = uow.session.scalar(select(func.count()).select_from(Cart))
        assert count == 1


def test_adding_twice_adds_up(uow_factory: UnitOfWorkFactory) -> None:
    buyer, product, _ = _setup(uow_factory, stock=5)
    with uow_factory() as uow:
        assert carts.add_to_cart(uow.session, buyer, product, now=NOW).quantity == 1
        change = carts.add_to_cart(uow.session, buyer, product, 2, now=NOW)
        assert (change.quantity, change.capped) == (3, False)
        uow.commit()
    with uow_factory() as uow:
        items = uow.session.scalars(select(CartItem)).all()
        assert [(i.product_id, i.quantity) for i in items] == [(product, 3)]


def test_asking_for_more_than_available_is_capped(uow_factory: UnitOfWorkFactory) -> None:
    buyer, product, _ = _setup(uow_factory, stock=5)
    _reserve(uow_factory, product, 2)  # another buyer's unpaid order holds two
    with uow_factory() as uow:
        change = carts.add_to_cart(uow.session, buyer, product, 10, now=NOW)
        assert (change.requested, change.quantity, change.capped) == (10, 3, True)
        uow.commit()


def test_a_fully_reserved_product_cannot_be_added(uow_factory: UnitOfWorkFactory) -> None:
    buyer, product, _ = _setup(uow_factory, stock=2)
    _reserve(uow_factory, product, 2)
    with uow_factory() as uow, pytest.raises(InsufficientStock) as caught:
        carts.add_to_cart(uow.session, buyer, product, now=NOW)
    assert caught.value.items == [(product, 1, 0)]


def test_a_sold_out_product_cannot_be_added(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        buyer = make_user(uow.session)
        product = make_product(
            uow.session, make_artisan(uow.session), stock=0, status=ProductStatus.SOLD_OUT
        )
        with pytest.raises(InsufficientStock):
            carts.add_to_cart(uow.session, buyer.id, product.id, now=NOW)


@pytest.mark.parametrize(
    "status", [ProductStatus.DRAFT, ProductStatus.PENDING_REVIEW, ProductStatus.ARCHIVED]
)
def test_a_product_not_for_sale_cannot_be_added(
    uow_factory: UnitOfWorkFactory, status: ProductStatus
) -> None:
    with uow_factory() as uow:
        buyer = make_user(uow.session)
        product = make_product(uow.session, make_artisan(uow.session), status=status)
        with pytest.raises(ProductNotForSale) as caught:
            carts.add_to_cart(uow.session, buyer.id, product.id, now=NOW)
        assert caught.value.status == status


def test_an_unknown_product_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    buyer, _, _ = _setup(uow_factory)
    with uow_factory() as uow, pytest.raises(NotFound):
        carts.add_to_cart(uow.session, buyer, 999_999, now=NOW)


def test_an_artisan_cannot_buy_her_own_piece(uow_factory: UnitOfWorkFactory) -> None:
    _, product, seller = _setup(uow_factory)
    with uow_factory() as uow, pytest.raises(OwnProduct):
        carts.add_to_cart(uow.session, seller, product, now=NOW)


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantity_must_be_positive(uow_factory: UnitOfWorkFactory, quantity: int) -> None:
    buyer, product, _ = _setup(uow_factory)
    with uow_factory() as uow, pytest.raises(InvalidQuantity):
        carts.add_to_cart(uow.session, buyer, product, quantity, now=NOW)


def test_set_quantity_sets_caps_and_zero_removes(uow_factory: UnitOfWorkFactory) -> None:
    buyer, product, _ = _setup(uow_factory, stock=4)
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, buyer, product, 3, now=NOW)
        assert carts.set_quantity(uow.session, buyer, product, 1, now=NOW).quantity == 1
        assert carts.set_quantity(uow.session, buyer, product, 9, now=NOW).quantity == 4
        removed = carts.set_quantity(uow.session, buyer, product, 0, now=NOW)
        assert removed.quantity == 0
        uow.commit()
    with uow_factory() as uow:
        assert uow.session.scalars(select(CartItem)).all() == []


def test_remove_says_whether_it_was_there(uow_factory: UnitOfWorkFactory) -> None:
    buyer, product, _ = _setup(uow_factory)
    with uow_factory() as uow:
        assert carts.remove_from_cart(uow.session, buyer, product) is False
        carts.add_to_cart(uow.session, buyer, product, now=NOW)
        assert carts.remove_from_cart(uow.session, buyer, product, now=NOW) is True
        assert carts.remove_from_cart(uow.session, buyer, product, now=NOW) is False


def test_view_prices_lines_in_the_store_currency(uow_factory: UnitOfWorkFactory) -> None:
    buyer, product, _ = _setup(uow_factory, stock=5, price_kes=1500)
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, buyer, product, 2, now=NOW)
        uow.commit()
    with uow_factory() as uow:
        view = carts.view_cart(uow.session, buyer, POLICY)
    (line,) = view.lines
    assert line.unit_price == Money(1617, "USD")  # 1500 × 0.0077 × 1.4
    assert line.line_total == Money(3234, "USD")
    assert (line.quantity, line.available, line.problem) == (2, 5, None)
    assert view.subtotal == Money(3234, "USD")
    assert view.ready_to_order
    assert view.item_count == 2


def test_view_of_no_cart_is_empty(uow_factory: UnitOfWorkFactory) -> None:
    buyer, _, _ = _setup(uow_factory)
    with uow_factory() as uow:
        view = carts.view_cart(uow.session, buyer, POLICY)
    assert view.is_empty
    assert not view.ready_to_order
    assert view.subtotal == Money.zero("USD")


def test_view_flags_what_can_no_longer_be_ordered(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        buyer = make_user(uow.session).id
        artisan = make_artisan(uow.session)
        fine = make_product(uow.session, artisan, stock=3, price_minor=100_000).id
        short = make_product(uow.session, artisan, stock=3).id
        gone = make_product(uow.session, artisan, stock=3).id
        archived = make_product(uow.session, artisan, stock=3).id
        for product in (fine, short, gone, archived):
            carts.add_to_cart(uow.session, buyer, product, 2, now=NOW)
        uow.commit()
    _reserve(uow_factory, short, 2)
    _reserve(uow_factory, gone, 3)
    with uow_factory() as uow:
        uow.session.execute(
            update(Product).where(Product.id == archived).values(status=ProductStatus.ARCHIVED)
        )
        uow.commit()
    with uow_factory() as uow:
        view = carts.view_cart(uow.session, buyer, POLICY)
    problems = {line.product_id: line.problem for line in view.lines}
    assert problems == {
        fine: None,
        short: CartProblem.NOT_ENOUGH,
        gone: CartProblem.SOLD_OUT,
        archived: CartProblem.NOT_FOR_SALE,
    }
    assert view.subtotal == Money(2 * 1078, "USD")  # only the orderable line: 1000 KES each
    assert not view.ready_to_order


def test_the_pieces_of_one_order_are_limited(uow_factory: UnitOfWorkFactory) -> None:
    buyer, first, _ = _setup(uow_factory, stock=5)
    with uow_factory() as uow:
        second = make_product(uow.session, make_artisan(uow.session, "Achieng"), stock=5).id
        uow.commit()
    with uow_factory() as uow:
        s = uow.session
        assert carts.add_to_cart(s, buyer, first, 4, now=NOW, most_in_order=5).quantity == 4
        change = carts.add_to_cart(s, buyer, second, 3, now=NOW, most_in_order=5)
        assert (change.quantity, change.at_order_limit, change.at_limit) == (1, True, False)
        change = carts.add_to_cart(s, buyer, second, 1, now=NOW, most_in_order=5)
        assert (change.quantity, change.at_order_limit) == (1, True)
        change = carts.set_quantity(s, buyer, first, 5, now=NOW, most_in_order=5)
        assert (change.quantity, change.at_order_limit) == (4, True)
        uow.commit()
    with uow_factory() as uow:
        items = uow.session.scalars(select(CartItem).order_by(CartItem.product_id)).all()
        assert [(i.product_id, i.quantity) for i in items] == [(first, 4), (second, 1)]


def test_a_full_cart_takes_no_new_piece(uow_factory: UnitOfWorkFactory) -> None:
    buyer, first, _ = _setup(uow_factory, stock=2)
    with uow_factory() as uow:
        second = make_product(uow.session, make_artisan(uow.session, "Achieng"), stock=1).id
        uow.commit()
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, buyer, first, 2, now=NOW, most_in_order=2)
        change = carts.add_to_cart(uow.session, buyer, second, 1, now=NOW, most_in_order=2)
        assert (change.requested, change.quantity, change.at_order_limit) == (1, 0, True)
        uow.commit()
    with uow_factory() as uow:
        items = uow.session.scalars(select(CartItem)).all()
        assert [(i.product_id, i.quantity) for i in items] == [(first, 2)]
