"""Helpers for the Stripe end-to-end tests: an order awaiting payment, a webhook app, and
deliveries signed with Stripe's scheme."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from conversations.notify import payments as payment_notices
from conversations.payment_labels import checkout_labels
from handlers.stripe.webhook import stripe_webhook_routes
from payments.stripe_checkout import StripePayments
from payments.stripe_effects import stripe_effect_kinds
from store.effect_runner import EffectRunner
from store.models import Channel, Order, PaymentEvent, ProductPhoto
from store.models.types import utcnow
from store.payment_port import Checkout, LinkBeingMade, OpenLink
from store.services import carts, orders
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user
from tests.fakes.stripe_api import WEBHOOK_SECRET, signed
from tests.market_support import TEST_PRICING

BASE_URL = "https://shop.test"
SHIPPING = ShippingDetails("Anna Schmidt", "Hauptstr. 1, 10115 Berlin", "DE")


@dataclass(frozen=True)
class Sale:
    order_id: int
    code: str
    buyer_id: int
    artisan_id: int
    product_id: int


def place(
    session: Session,
    *,
    now: datetime,
    stock: int = 1,
    quantity: int = 1,
    shipping: ShippingDetails = SHIPPING,
    reservation: timedelta = timedelta(minutes=30),
    buyer_locale: str = "en",
    pieces: int = 1,
) -> Sale:
    """An order awaiting payment: ``pieces`` products (each with a photo) from one artisan."""
    artisan = make_artisan(session, "Wanjiru Kamau")
    buyer = make_user(session, "Anna", locale=buyer_locale)
    product_ids = []
    for n in range(pieces):
        product = make_product(
            session, artisan, title=f"Maasai collar {n + 1}", stock=stock, price_minor=250_000
        )
        session.add(
            ProductPhoto(
                product_id=product.id,
                position=0,
                sha256=f"{n:064d}",
                phash="0" * 16,
                width=800,
                height=800,
                keys={"medium": f"{n:064d}/medium.jpg"},
            )
        )
        carts.add_to_cart(session, buyer.id, product.id, quantity=quantity, now=now)
        product_ids.append(product.id)
    order = orders.place_order(
        session, buyer.id, Channel.CONSOLE, TEST_PRICING, shipping, now, reservation
    )
    return Sale(order.id, order.code, buyer.id, artisan.id, product_ids[0])


def place_and_checkout(
    uow_factory: UnitOfWorkFactory, payments: StripePayments, now: datetime, **kwargs: Any
) -> tuple[Sale, str]:
    """Place an order and ask for its Checkout Session, then run that effect (as the runner
    of `soko run` does after the commit); (sale, session id)."""
    with uow_factory() as uow:
        sale = place(uow.session, now=now, **kwargs)
        order = uow.session.get(Order, sale.order_id)
        assert order is not None
        asked = payments.start_checkout(
            uow.session, order, locale="en", labels=checkout_labels("en", order.code), now=now
        )
        uow.commit()
    assert asked.action == LinkBeingMade()
    run_effects(uow_factory, payments, lambda: now)
    with uow_factory(read_only=True) as uow:
        order = uow.session.get(Order, sale.order_id)
        assert order is not None
        checkout = payments.start_checkout(
            uow.session, order, locale="en", labels=checkout_labels("en", order.code), now=now
        )
    assert isinstance(checkout.action, OpenLink)
    return sale, checkout.reference


def effect_runner(
    uow_factory: UnitOfWorkFactory,
    payments: StripePayments,
    clock: Callable[[], datetime] = utcnow,
) -> EffectRunner:
    """The runner `soko run` keeps going, with the chat's notices about Stripe's results."""

    def link_ready(session: Session, order: Order, checkout: Checkout, now: datetime) -> None:
        assert isinstance(checkout.action, OpenLink)
        payment_notices.checkout_ready(session, order, checkout.action.url, checkout.reference, now)

    kinds = stripe_effect_kinds(
        payments,
        link_ready=link_ready,
        link_failed=payment_notices.checkout_failed,
        clock=clock,
    )
    return EffectRunner(uow_factory, kinds, clock)


def run_effects(
    uow_factory: UnitOfWorkFactory,
    payments: StripePayments,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Run the due effects once (the Stripe calls recorded so far); how many ran."""
    return effect_runner(uow_factory, payments, clock).run_due()


class WebhookClient(TestClient):
    """The webhook, followed by the effect runner as `soko run` has it: after each delivery
    the Stripe calls it recorded (refunds, listings) run."""

    def __init__(self, app: Starlette, runner: EffectRunner) -> None:
        super().__init__(app)
        self.runner = runner

    def post(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        answer = super().post(*args, **kwargs)
        self.runner.run_due()
        return answer


def webhook_client(
    uow_factory: UnitOfWorkFactory, payments: StripePayments, clock: Callable[[], datetime]
) -> TestClient:
    app = Starlette(routes=stripe_webhook_routes(uow_factory, payments, WEBHOOK_SECRET, clock))
    return WebhookClient(app, effect_runner(uow_factory, payments, clock))


def deliver(client: TestClient, event: dict[str, Any], **kwargs: Any) -> int:
    body, headers = signed(event, **kwargs)
    return client.post("/webhooks/stripe", content=body, headers=headers).status_code


def order_status(uow_factory: UnitOfWorkFactory, order_id: int) -> str:
    with uow_factory(read_only=True) as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        return order.status.value


def count_events(uow_factory: UnitOfWorkFactory) -> int:
    with uow_factory(read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(PaymentEvent)) or 0)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
