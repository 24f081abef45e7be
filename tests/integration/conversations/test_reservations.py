"""Unpaid orders let go of their pieces when the reservation ends, and the buyer hears of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from bot.container import Container
from bot.jobs import scheduled_jobs
from bot.plugin import ChannelPasses
from bot.settings import Settings
from conversations.reservations import expire_unpaid_orders
from store.models import Channel, Order, OrderStatus, OutboxMessage, Product
from store.services import carts, orders
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user
from tests.market_support import TEST_PRICING

PLACED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def place_unpaid(uow_factory: UnitOfWorkFactory, *, locale: str = "sw") -> tuple[int, int, int]:
    """(order id, product id, buyer id) of an order holding one piece, unpaid."""
    with uow_factory() as uow:
        product = make_product(uow.session, make_artisan(uow.session), stock=1)
        buyer = make_user(uow.session, "Amani", locale=locale)
        carts.add_to_cart(uow.session, buyer.id, product.id, 1, now=PLACED)
        order = orders.place_order(
            uow.session,
            buyer.id,
            Channel.CONSOLE,
            TEST_PRICING,
            ShippingDetails(name="Amani", address="Moi Avenue 1, Mombasa", country="KE"),
            PLACED,
        )
        uow.commit()
        return order.id, product.id, buyer.id


def told(uow_factory: UnitOfWorkFactory, user_id: int) -> list[str]:
    with uow_factory(read_only=True) as uow:
        payloads = uow.session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.user_id == user_id)
        ).all()
    return [p["text"] for p in payloads]


def test_an_unpaid_order_expires_once_and_the_buyer_is_told_in_her_language(
    uow_factory: UnitOfWorkFactory,
) -> None:
    order_id, product_id, buyer_id = place_unpaid(uow_factory)
    assert expire_unpaid_orders(uow_factory, PLACED + timedelta(minutes=10)) == []  # still held
    later = PLACED + timedelta(minutes=31)
    [code] = expire_unpaid_orders(uow_factory, later)
    assert expire_unpaid_orders(uow_factory, later) == []  # a second pass changes nothing
    with uow_factory(read_only=True) as uow:
        order = uow.session.get(Order, order_id)
        product = uow.session.get(Product, product_id)
        assert order is not None
        assert product is not None
        assert (order.code, order.status) == (code, OrderStatus.EXPIRED)
        assert (product.stock_on_hand, product.stock_reserved) == (1, 0)
    [message] = told(uow_factory, buyer_id)
    assert message.startswith(f"Oda {code} haikulipwa kwa wakati")


def test_the_scheduler_expires_orders_every_minute(sqlite_engine: Engine, tmp_path: Path) -> None:
    container = Container(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=sqlite_engine.url.render_as_string(hide_password=False),
            media_dir=tmp_path / "media",
        )
    )
    order_id, _, _ = place_unpaid(container.uow_factory, locale="en")
    try:
        jobs = scheduled_jobs(container, ChannelPasses(), clock=lambda: PLACED + timedelta(hours=1))
        [expire] = [job for job in jobs if job.id == "expire_unpaid_orders"]
        assert str(expire.trigger) == "interval[0:01:00]"
        expire.run()
        with container.uow_factory(read_only=True) as uow:
            order = uow.session.get(Order, order_id)
            assert order is not None
            assert order.status is OrderStatus.EXPIRED
    finally:
        container.close()
