"""Orders on both databases: placing, paying, expiring, cancelling, and the artisan's work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from store.errors import InvalidTransition, NotFound, PermissionDenied
from store.models import (
    Artisan,
    ArtisanStatus,
    Channel,
    LineStatus,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductStatus,
    Role,
)
from store.pricing import PricingPolicy
from store.services import carts, fulfilment, ledger, orders, referrals, roles, suspension
from store.services.audit import Actor
from store.services.buyer_limits import BuyerLimits
from store.services.inventory import InsufficientStock
from store.services.orders import (
    ORDER_CODE_ALPHABET,
    EmptyCart,
    PaymentForClosedOrder,
    PaymentForExpiredOrder,
    PaymentRefConflict,
)
from store.services.shipping import InvalidShipping, ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=31)
POLICY = PricingPolicy.from_strings("USD", {"KES/USD": "0.0077"}, 4000, 500)
SHIPPING = ShippingDetails("Amy Chen", "12 Elm St, Portland OR 97201", "us")


@dataclass
class Shop:
    buyer: int  # user ids
    other_buyer: int
    artisan_user: int
    other_artisan_user: int
    mentored_user: int
    plain: int  # product ids: by an independent artisan
    mentored: int  # by an artisan with a mentor
    other: int  # by the other artisan


@pytest.fixture
def shop(uow_factory: UnitOfWorkFactory) -> Shop:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s, "Wanjiru")
        other_artisan = make_artisan(s, "Achieng")
        mentored = make_artisan(s, "Njeri", mentor=artisan)
        shop = Shop(
            buyer=make_user(s, "Amy").id,
            other_buyer=make_user(s, "Ben").id,
            artisan_user=artisan.user_id,
            other_artisan_user=other_artisan.user_id,
            mentored_user=mentored.user_id,
            plain=make_product(s, artisan, title="Brass cuff", price_minor=150_000, stock=3).id,
            mentored=make_product(
                s, mentored, title="Bead choker", price_minor=100_000, stock=2
            ).id,
            other=make_product(s, other_artisan, title="Horn ring", stock=1).id,
        )
        uow.commit()
    return shop


def _order(
    uow_factory: UnitOfWorkFactory,
    buyer: int,
    items: list[tuple[int, int]],
    *,
    at: datetime = NOW,
) -> int:
    with uow_factory() as uow:
        for product, quantity in items:
            carts.add_to_cart(uow.session, buyer, product, quantity, now=at)
        order = orders.place_order(uow.session, buyer, Channel.TELEGRAM, POLICY, SHIPPING, at)
        uow.commit()
        return order.id


def _stock(uow_factory: UnitOfWorkFactory, product_id: int) -> tuple[int, int, ProductStatus]:
    with uow_factory() as uow:
        product = uow.session.get_one(Product, product_id)
        return product.stock_on_hand, product.stock_reserved, product.status


def _status(uow_factory: UnitOfWorkFactory, order_id: int) -> tuple[OrderStatus, list[LineStatus]]:
    with uow_factory() as uow:
        order = uow.session.get_one(Order, order_id)
        return order.status, [line.status for line in order.lines]


def _pay(
    uow_factory: UnitOfWorkFactory, order_id: int, ref: str = "pi_1", at: datetime = NOW
) -> None:
    with uow_factory() as uow:
        orders.mark_paid(uow.session, order_id, "stripe", ref, at)
        uow.commit()


# --- placing ------------------------------------------------------------------------------


def test_place_order_copies_prices_reserves_and_empties_the_cart(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 2), (shop.mentored, 1)])
    with uow_factory() as uow:
        order = uow.session.get_one(Order, order_id)
        assert order.status == OrderStatus.PENDING_PAYMENT
        assert order.currency == "USD"
        assert order.reserved_until == NOW + timedelta(minutes=30)
        assert (order.shipping_name, order.shipping_country) == ("Amy Chen", "US")
        plain, mentored = order.lines
        # KES 1500 → 16.17 USD each; KES 1000 → 10.78 USD.
        assert (plain.title, plain.quantity, plain.unit_price_minor) == ("Brass cuff", 2, 1617)
        assert (plain.artisan_share_minor, plain.mentor_id) == (300_000, None)
        assert plain.mentor_commission_minor == 0
        assert plain.payout_cost_minor == 2310  # 3000 KES × 0.0077
        assert mentored.mentor_id is not None
        assert mentored.mentor_commission_minor == 5_000  # 5 % of KES 1000
        assert mentored.payout_cost_minor == 809  # ⌈1050 × 0.77⌉ cents
        assert order.subtotal_minor == 2 * 1617 + 1078
        # Three pieces to the US (North America): US$15 the parcel, US$3 each further piece.
        assert order.shipping_minor == 1500 + 2 * 300
        assert order.total_minor == order.subtotal_minor + order.shipping_minor
        assert all(line.status == LineStatus.PENDING for line in order.lines)
        assert carts.view_cart(uow.session, shop.buyer, POLICY).is_empty
    assert _stock(uow_factory, shop.plain) == (3, 2, ProductStatus.ACTIVE)
    assert _stock(uow_factory, shop.mentored) == (2, 1, ProductStatus.ACTIVE)


@pytest.mark.parametrize(
    ("country", "currency", "shipping"),
    [("DE", "USD", 1200 + 300), ("KE", "USD", 400 + 100), ("KE", "KES", 50_000 + 10_000)],
)
def test_shipping_is_the_zone_fee_in_the_order_currency(
    uow_factory: UnitOfWorkFactory, shop: Shop, country: str, currency: str, shipping: int
) -> None:
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, shop.buyer, shop.plain, 2, now=NOW)
        ship_to = ShippingDetails("Amy Chen", "Somewhere 1", country)
        policy = POLICY.in_currency(currency)
        order = orders.place_order(uow.session, shop.buyer, Channel.TELEGRAM, policy, ship_to, NOW)
        assert (order.currency, order.shipping_minor) == (currency, shipping)
        assert order.total_minor == order.subtotal_minor + shipping


def test_order_codes_are_readable_aloud(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    with uow_factory() as uow:
        code = uow.session.get_one(Order, order_id).code
    assert code.startswith("SK-")
    assert len(code) == 9
    assert set(code[3:]) <= set(ORDER_CODE_ALPHABET)
    assert not set("01OI") & set(ORDER_CODE_ALPHABET)


def test_a_clashing_code_is_drawn_again(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    first = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    with uow_factory() as uow:
        taken = uow.session.get_one(Order, first).code
        codes = iter([taken, "SK-ABCDEF"])
        carts.add_to_cart(uow.session, shop.buyer, shop.plain, now=NOW)
        order = orders.place_order(
            uow.session,
            shop.buyer,
            Channel.WHATSAPP,
            POLICY,
            SHIPPING,
            NOW,
            new_code=lambda: next(codes),
        )
        assert order.code == "SK-ABCDEF"


def test_an_empty_cart_cannot_be_ordered(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    with uow_factory() as uow, pytest.raises(EmptyCart):
        orders.place_order(uow.session, shop.buyer, Channel.TELEGRAM, POLICY, SHIPPING, NOW)


def test_buying_what_just_sold_out_writes_nothing(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, shop.other_buyer, shop.plain, 1, now=NOW)
        carts.add_to_cart(uow.session, shop.other_buyer, shop.other, 1, now=NOW)
        uow.commit()
    _order(uow_factory, shop.buyer, [(shop.other, 1)])  # the last horn ring goes first
    with uow_factory() as uow:
        with pytest.raises(InsufficientStock) as caught:
            orders.place_order(
                uow.session, shop.other_buyer, Channel.TELEGRAM, POLICY, SHIPPING, NOW
            )
        assert caught.value.items == [(shop.other, 1, 0)]
        # The caller may go on and commit (e.g. to record its reply): nothing was held.
        uow.commit()
    assert _stock(uow_factory, shop.plain) == (3, 0, ProductStatus.ACTIVE)
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 1
        assert not carts.view_cart(uow.session, shop.other_buyer, POLICY).is_empty


def test_every_short_product_is_reported(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, shop.buyer, shop.plain, 3, now=NOW)
        carts.add_to_cart(uow.session, shop.buyer, shop.mentored, 2, now=NOW)
        carts.add_to_cart(uow.session, shop.buyer, shop.other, 1, now=NOW)
        uow.commit()
    _order(uow_factory, shop.other_buyer, [(shop.plain, 1), (shop.other, 1)])
    with uow_factory() as uow, pytest.raises(InsufficientStock) as caught:
        orders.place_order(uow.session, shop.buyer, Channel.TELEGRAM, POLICY, SHIPPING, NOW)
    assert caught.value.items == [(shop.plain, 3, 2), (shop.other, 1, 0)]


def test_an_archived_product_in_the_cart_blocks_the_order(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, shop.buyer, shop.plain, 1, now=NOW)
        uow.session.get_one(Product, shop.plain).status = ProductStatus.ARCHIVED
        uow.commit()
    with uow_factory() as uow, pytest.raises(InsufficientStock) as caught:
        orders.place_order(uow.session, shop.buyer, Channel.TELEGRAM, POLICY, SHIPPING, NOW)
    assert caught.value.items == [(shop.plain, 1, 0)]


@pytest.mark.parametrize(
    ("name", "address", "country", "field"),
    [
        ("", "12 Elm St", "US", "name"),
        ("Amy", "   ", "US", "address"),
        ("Amy", "12 Elm St", "XX", "country"),
        ("Amy", "12 Elm St", "EU", "country"),
        ("Amy", "12 Elm St", "USA", "country"),
    ],
)
def test_shipping_details_are_checked(name: str, address: str, country: str, field: str) -> None:
    with pytest.raises(InvalidShipping) as caught:
        ShippingDetails(name, address, country)
    assert caught.value.field == field


def test_shipping_details_are_tidied() -> None:
    details = ShippingDetails("  Amy   Chen ", " Ngong Rd\n Nairobi ", " ke ")
    assert (details.name, details.address, details.country) == (
        "Amy Chen",
        "Ngong Rd\n Nairobi",
        "KE",
    )


# --- paying -------------------------------------------------------------------------------


def test_mark_paid_commits_stock_and_marks_the_last_piece_sold_out(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1), (shop.other, 1)])
    _pay(uow_factory, order_id)
    assert _status(uow_factory, order_id) == (OrderStatus.PAID, [LineStatus.PAID] * 2)
    assert _stock(uow_factory, shop.plain) == (2, 0, ProductStatus.ACTIVE)
    assert _stock(uow_factory, shop.other) == (0, 0, ProductStatus.SOLD_OUT)
    with uow_factory() as uow:
        order = uow.session.get_one(Order, order_id)
        assert (order.payment_provider, order.payment_ref, order.paid_at) == ("stripe", "pi_1", NOW)


def test_mark_paid_twice_with_the_same_ref_is_a_no_op(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 2)])
    _pay(uow_factory, order_id)
    _pay(uow_factory, order_id, at=LATER)
    assert _stock(uow_factory, shop.plain) == (1, 0, ProductStatus.ACTIVE)
    with uow_factory() as uow:
        assert uow.session.get_one(Order, order_id).paid_at == NOW


def test_mark_paid_with_another_ref_is_refused(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    _pay(uow_factory, order_id, "pi_1")
    with pytest.raises(PaymentRefConflict):
        _pay(uow_factory, order_id, "pi_2")


def test_one_payment_cannot_pay_two_orders(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    first = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    second = _order(uow_factory, shop.other_buyer, [(shop.plain, 1)])
    _pay(uow_factory, first, "pi_1")
    with pytest.raises(PaymentRefConflict) as caught:
        _pay(uow_factory, second, "pi_1")
    assert caught.value.existing == first


def test_a_late_payment_retakes_the_stock_if_it_is_still_there(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.other, 1)])
    with uow_factory() as uow:
        orders.expire_due_orders(uow.session, LATER)
        uow.commit()
    assert _stock(uow_factory, shop.other) == (1, 0, ProductStatus.ACTIVE)
    _pay(uow_factory, order_id, at=LATER)
    assert _status(uow_factory, order_id) == (OrderStatus.PAID, [LineStatus.PAID])
    assert _stock(uow_factory, shop.other) == (0, 0, ProductStatus.SOLD_OUT)


def test_a_late_payment_for_a_piece_sold_since_must_be_refunded(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1), (shop.other, 1)])
    with uow_factory() as uow:
        orders.expire_due_orders(uow.session, LATER)
        uow.commit()
    _order(uow_factory, shop.other_buyer, [(shop.other, 1)], at=LATER)
    with uow_factory() as uow:
        with pytest.raises(PaymentForExpiredOrder) as caught:
            orders.mark_paid(uow.session, order_id, "stripe", "pi_late", LATER)
        assert caught.value.order_id == order_id
        uow.commit()  # whatever the caller records, the order and stock are untouched
    assert _status(uow_factory, order_id) == (OrderStatus.EXPIRED, [LineStatus.PENDING] * 2)
    assert _stock(uow_factory, shop.plain) == (3, 0, ProductStatus.ACTIVE)
    assert _stock(uow_factory, shop.other) == (1, 1, ProductStatus.ACTIVE)


def test_a_payment_for_a_cancelled_order_must_be_refunded(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    with uow_factory() as uow:
        orders.cancel_order(uow.session, shop.buyer, order_id, NOW)
        uow.commit()
    with pytest.raises(PaymentForClosedOrder) as caught:
        _pay(uow_factory, order_id)
    assert caught.value.status == OrderStatus.CANCELLED


def test_paying_an_unknown_order_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(NotFound):
        _pay(uow_factory, 424242)


# --- expiring -----------------------------------------------------------------------------


def test_expire_releases_only_orders_past_their_reservation(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    early = _order(uow_factory, shop.buyer, [(shop.plain, 2)])
    late = _order(uow_factory, shop.other_buyer, [(shop.plain, 1)], at=NOW + timedelta(minutes=20))
    with uow_factory() as uow:
        expired = orders.expire_due_orders(uow.session, LATER)
        assert [order.id for order in expired] == [early]
        uow.commit()
    assert _status(uow_factory, early)[0] == OrderStatus.EXPIRED
    assert _status(uow_factory, late)[0] == OrderStatus.PENDING_PAYMENT
    assert _stock(uow_factory, shop.plain) == (3, 1, ProductStatus.ACTIVE)


def test_expire_twice_releases_once(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    _order(uow_factory, shop.buyer, [(shop.plain, 2)])
    for expected in (1, 0):
        with uow_factory() as uow:
            assert len(orders.expire_due_orders(uow.session, LATER)) == expected
            uow.commit()
    assert _stock(uow_factory, shop.plain) == (3, 0, ProductStatus.ACTIVE)


def test_paid_orders_never_expire(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    _pay(uow_factory, order_id)
    with uow_factory() as uow:
        assert orders.expire_due_orders(uow.session, LATER + timedelta(days=9)) == []


# --- cancelling ---------------------------------------------------------------------------


def test_cancelling_an_unpaid_order_releases_the_reservation(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 2)])
    with uow_factory() as uow:
        orders.cancel_order(uow.session, shop.buyer, order_id, NOW)
        uow.commit()
    assert _status(uow_factory, order_id) == (OrderStatus.CANCELLED, [LineStatus.CANCELLED])
    assert _stock(uow_factory, shop.plain) == (3, 0, ProductStatus.ACTIVE)


def test_cancelling_a_paid_order_puts_the_pieces_back_on_sale(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.other, 1), (shop.plain, 1)])
    _pay(uow_factory, order_id)
    with uow_factory() as uow:
        line = uow.session.scalars(
            select(OrderLine).where(
                OrderLine.order_id == order_id, OrderLine.product_id == shop.plain
            )
        ).one()
        fulfilment.accept_line(uow.session, shop.artisan_user, line.id, NOW)
        uow.commit()
    assert _stock(uow_factory, shop.other)[2] == ProductStatus.SOLD_OUT
    with uow_factory() as uow:
        order = orders.cancel_order(uow.session, shop.buyer, order_id, LATER)
        assert order.closed_at == LATER
        uow.commit()
    assert _status(uow_factory, order_id) == (OrderStatus.CANCELLED, [LineStatus.CANCELLED] * 2)
    assert _stock(uow_factory, shop.other) == (1, 0, ProductStatus.ACTIVE)
    assert _stock(uow_factory, shop.plain) == (3, 0, ProductStatus.ACTIVE)


def test_only_the_buyer_may_cancel(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    with uow_factory() as uow, pytest.raises(PermissionDenied):
        orders.cancel_order(uow.session, shop.other_buyer, order_id, NOW)
    assert _status(uow_factory, order_id)[0] == OrderStatus.PENDING_PAYMENT


def test_nothing_can_be_cancelled_once_a_line_shipped(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1), (shop.other, 1)])
    _pay(uow_factory, order_id)
    with uow_factory() as uow:
        line = uow.session.scalars(
            select(OrderLine).where(
                OrderLine.order_id == order_id, OrderLine.product_id == shop.plain
            )
        ).one()
        for step in (
            fulfilment.accept_line,
            fulfilment.mark_line_ready,
            fulfilment.mark_line_shipped,
        ):
            step(uow.session, shop.artisan_user, line.id, NOW)
        uow.commit()
    with uow_factory() as uow, pytest.raises(InvalidTransition):
        orders.cancel_order(uow.session, shop.buyer, order_id, NOW)
    assert _stock(uow_factory, shop.plain) == (2, 0, ProductStatus.ACTIVE)


@pytest.mark.parametrize("close", ["expire", "cancel"])
def test_a_closed_order_cannot_be_cancelled(
    uow_factory: UnitOfWorkFactory, shop: Shop, close: str
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    with uow_factory() as uow:
        if close == "expire":
            orders.expire_due_orders(uow.session, LATER)
        else:
            orders.cancel_order(uow.session, shop.buyer, order_id, NOW)
        uow.commit()
    with uow_factory() as uow, pytest.raises(InvalidTransition):
        orders.cancel_order(uow.session, shop.buyer, order_id, LATER)
    assert _stock(uow_factory, shop.plain) == (3, 0, ProductStatus.ACTIVE)


# --- the artisan's work -------------------------------------------------------------------


def _line_of(uow_factory: UnitOfWorkFactory, order_id: int, product_id: int) -> int:
    with uow_factory() as uow:
        return uow.session.scalars(
            select(OrderLine.id).where(
                OrderLine.order_id == order_id, OrderLine.product_id == product_id
            )
        ).one()


def test_the_order_ships_when_every_live_line_has_shipped(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1), (shop.other, 1)])
    _pay(uow_factory, order_id)
    mine = _line_of(uow_factory, order_id, shop.plain)
    theirs = _line_of(uow_factory, order_id, shop.other)
    steps = (fulfilment.accept_line, fulfilment.mark_line_ready, fulfilment.mark_line_shipped)
    with uow_factory() as uow:
        for step in steps:
            step(uow.session, shop.artisan_user, mine, NOW)
        uow.commit()
    assert _status(uow_factory, order_id) == (
        OrderStatus.PAID,
        [LineStatus.SHIPPED, LineStatus.PAID],
    )
    with uow_factory() as uow:
        for step in steps:
            step(uow.session, shop.other_artisan_user, theirs, NOW)
        uow.commit()
    assert _status(uow_factory, order_id) == (OrderStatus.SHIPPED, [LineStatus.SHIPPED] * 2)


def test_another_artisan_cannot_move_a_line(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    _pay(uow_factory, order_id)
    line = _line_of(uow_factory, order_id, shop.plain)
    for intruder in (shop.other_artisan_user, shop.buyer):
        with uow_factory() as uow, pytest.raises(PermissionDenied):
            fulfilment.accept_line(uow.session, intruder, line, NOW)
    assert _status(uow_factory, order_id)[1] == [LineStatus.PAID]


def test_line_steps_follow_the_table(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    line = _line_of(uow_factory, order_id, shop.plain)
    with uow_factory() as uow, pytest.raises(InvalidTransition):
        fulfilment.accept_line(uow.session, shop.artisan_user, line, NOW)  # not paid yet
    _pay(uow_factory, order_id)
    with uow_factory() as uow:
        with pytest.raises(InvalidTransition):
            fulfilment.mark_line_shipped(uow.session, shop.artisan_user, line, NOW)
        fulfilment.accept_line(uow.session, shop.artisan_user, line, NOW)
        again = fulfilment.accept_line(uow.session, shop.artisan_user, line, LATER)
        assert (again.status, again.updated_at) == (LineStatus.ACCEPTED, NOW)  # a double tap


def test_a_cancelled_order_s_lines_cannot_be_worked(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    order_id = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    _pay(uow_factory, order_id)
    with uow_factory() as uow:
        orders.cancel_order(uow.session, shop.buyer, order_id, NOW)
        uow.commit()
    line = _line_of(uow_factory, order_id, shop.plain)
    with uow_factory() as uow, pytest.raises(InvalidTransition):
        fulfilment.accept_line(uow.session, shop.artisan_user, line, NOW)


def test_orders_for_artisan_show_only_her_lines(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    paid = _order(uow_factory, shop.buyer, [(shop.plain, 1), (shop.other, 1)])
    _pay(uow_factory, paid)
    _order(uow_factory, shop.other_buyer, [(shop.plain, 1)])  # unpaid: not her work yet
    with uow_factory() as uow:
        artisan_id = uow.session.get_one(Product, shop.plain).artisan_id
        work = fulfilment.orders_for_artisan(uow.session, artisan_id, [LineStatus.PAID])
        assert [(view.order.id, [line.product_id for line in view.lines]) for view in work] == [
            (paid, [shop.plain])
        ]
        assert fulfilment.orders_for_artisan(uow.session, artisan_id, [LineStatus.SHIPPED]) == []


def test_orders_for_buyer_newest_first(uow_factory: UnitOfWorkFactory, shop: Shop) -> None:
    first = _order(uow_factory, shop.buyer, [(shop.plain, 1)])
    second = _order(uow_factory, shop.buyer, [(shop.mentored, 1)])
    _order(uow_factory, shop.other_buyer, [(shop.other, 1)])
    with uow_factory() as uow:
        mine = orders.orders_for_buyer(uow.session, shop.buyer)
        assert [order.id for order in mine] == [second, first]
        assert [line.title for line in mine[0].lines] == ["Bead choker"]


# --- the mentor's commission --------------------------------------------------------------


@pytest.mark.parametrize("pause", ["stop mentoring", "suspend her shop"])
def test_a_mentor_earns_on_her_recruits_sales_only_while_she_mentors(
    uow_factory: UnitOfWorkFactory, pause: str
) -> None:
    with uow_factory() as uow:
        s = uow.session
        mentor = make_artisan(s, "Mama Shiro", status=ArtisanStatus.INDEPENDENT)
        referrals.make_mentor(s, mentor.id, NOW, threshold=None)
        recruit = make_artisan(s, "Njeri", mentor=mentor)
        product = make_product(s, recruit, title="Bead choker", price_minor=100_000, stock=9)
        buyer = make_user(s, "Amy").id
        mentor_id, mentor_user, recruit_id = mentor.id, mentor.user_id, recruit.id
        uow.commit()

    def sold(ref: str) -> tuple[int | None, int, int]:
        """A sale of the recruit's piece: the line's mentor, commission and payout cost."""
        order_id = _order(uow_factory, buyer, [(product.id, 1)])
        with uow_factory() as uow:
            order = orders.mark_paid(uow.session, order_id, "stripe", ref, NOW)
            ledger.record_sale(uow.session, order)  # refuses an unbalanced transaction
            [line] = order.lines
            uow.commit()
            return line.mentor_id, line.mentor_commission_minor, line.payout_cost_minor

    def earned() -> int:
        with uow_factory(read_only=True) as uow:
            return ledger.commissions(uow.session, mentor_id, "KES").amount

    def change(stop: bool) -> None:
        with uow_factory() as uow:
            s = uow.session
            if pause == "stop mentoring" and stop:
                roles.revoke(s, Actor.operator(), mentor_user, Role.MENTOR, NOW)
            elif pause == "stop mentoring":
                roles.grant(s, Actor.operator(), mentor_user, Role.MENTOR, NOW)
            elif stop:
                suspension.suspend_shop(s, Actor.operator(), mentor_id, NOW, reason="test")
            else:
                suspension.reinstate_shop(s, Actor.operator(), mentor_id, NOW)
            uow.commit()

    assert sold("pi_1") == (mentor_id, 5_000, 809)  # 5 % of KES 1000; ⌈1050 × 0.77⌉ cents
    change(stop=True)
    # Nobody earns a commission: the platform keeps it (the buyer pays the same US$10.78).
    assert sold("pi_2") == (None, 0, 770)  # ⌈1000 × 0.77⌉ cents
    assert earned() == 5_000
    with uow_factory(read_only=True) as uow:  # she is still her mentor, for when she is back
        assert uow.session.get_one(Artisan, recruit_id).mentor_id == mentor_id
    change(stop=False)
    assert sold("pi_3") == (mentor_id, 5_000, 809)
    assert earned() == 10_000


# --- limits per buyer ---------------------------------------------------------------------


def test_a_new_order_that_cannot_be_held_keeps_the_unpaid_one(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    first = _order(uow_factory, shop.buyer, [(shop.plain, 2)])
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, shop.buyer, shop.other, 1, now=NOW)
        uow.commit()
    _order(uow_factory, shop.other_buyer, [(shop.other, 1)])  # the last horn ring goes

    with uow_factory() as uow, pytest.raises(InsufficientStock):
        orders.place_order(uow.session, shop.buyer, Channel.TELEGRAM, POLICY, SHIPPING, NOW)

    assert _status(uow_factory, first) == (OrderStatus.PENDING_PAYMENT, [LineStatus.PENDING])
    assert _stock(uow_factory, shop.plain) == (3, 2, ProductStatus.ACTIVE)


def test_an_order_holds_at_most_the_limit_of_a_piece_from_an_older_cart(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    with uow_factory() as uow:
        carts.add_to_cart(uow.session, shop.buyer, shop.plain, 3, now=NOW)  # before the limit
        order = orders.place_order(
            uow.session,
            shop.buyer,
            Channel.TELEGRAM,
            POLICY,
            SHIPPING,
            NOW,
            limits=BuyerLimits(pieces_per_product=2),
        )
        uow.commit()
        assert [line.quantity for line in order.lines] == [2]
    assert _stock(uow_factory, shop.plain) == (3, 2, ProductStatus.ACTIVE)


def test_an_order_holds_at_most_the_limit_of_pieces_from_an_older_cart(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    with uow_factory() as uow:  # filled before the limit was lowered: 3 + 2 + 1 pieces
        carts.add_to_cart(uow.session, shop.buyer, shop.plain, 3, now=NOW)
        carts.add_to_cart(uow.session, shop.buyer, shop.mentored, 2, now=NOW)
        carts.add_to_cart(uow.session, shop.buyer, shop.other, 1, now=NOW)
        order = orders.place_order(
            uow.session,
            shop.buyer,
            Channel.TELEGRAM,
            POLICY,
            SHIPPING,
            NOW,
            limits=BuyerLimits(pieces_per_order=4),
        )
        uow.commit()
        assert [(line.product_id, line.quantity) for line in order.lines] == [
            (shop.plain, 3),
            (shop.mentored, 1),
        ]
    assert _stock(uow_factory, shop.plain) == (3, 3, ProductStatus.ACTIVE)
    assert _stock(uow_factory, shop.mentored) == (2, 1, ProductStatus.ACTIVE)
    assert _stock(uow_factory, shop.other) == (1, 0, ProductStatus.ACTIVE)


def test_orders_an_hour_are_limited_and_the_wait_is_told(
    uow_factory: UnitOfWorkFactory, shop: Shop
) -> None:
    limits = BuyerLimits(orders_per_hour=2)

    def place(at: datetime) -> int:
        with uow_factory() as uow:
            carts.add_to_cart(uow.session, shop.buyer, shop.plain, 1, now=at)
            order = orders.place_order(
                uow.session, shop.buyer, Channel.TELEGRAM, POLICY, SHIPPING, at, limits=limits
            )
            uow.commit()
            return order.id

    place(NOW)
    place(NOW + timedelta(minutes=10))
    with pytest.raises(orders.OrderRateLimited) as refused:
        place(NOW + timedelta(minutes=20))
    assert refused.value.wait == timedelta(minutes=40)
    assert _stock(uow_factory, shop.plain) == (3, 1, ProductStatus.ACTIVE)
    place(NOW + timedelta(minutes=61))  # the first one's hour is over
