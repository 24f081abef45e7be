"""Stripe is chosen by configuration: the provider, the webhook and the return pages."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from starlette.testclient import TestClient

from bot.container import Container
from bot.routes import channel_routes
from bot.settings import Settings
from bot.web import create_app
from bot.wiring import payment_provider
from payments.demo import DemoPayments
from payments.stripe_checkout import StripePayments
from store.uow import UnitOfWorkFactory
from tests.e2e.stripe.stripe_support import count_events
from tests.fakes.stripe_api import API_KEY, WEBHOOK_SECRET, FakeStripe


def _container(engine: Engine, **settings: object) -> Container:
    url = engine.url.render_as_string(hide_password=False)
    return Container(Settings(database_url=url, public_base_url="https://shop.test", **settings))  # type: ignore[arg-type]


def test_without_stripe_keys_the_demo_provider_runs_and_no_stripe_route_exists(
    sqlite_engine: Engine,
) -> None:
    container = _container(sqlite_engine)
    assert isinstance(payment_provider(container), DemoPayments)
    client = TestClient(create_app(container, channel_routes(container)))
    assert client.post("/webhooks/stripe", content=b"{}").status_code == 404
    container.close()


def test_with_stripe_keys_checkout_webhook_and_return_pages_are_on(
    sqlite_engine: Engine, stripe_server: tuple[FakeStripe, str]
) -> None:
    container = _container(
        sqlite_engine,
        stripe_secret_key=SecretStr(API_KEY),
        stripe_webhook_secret=SecretStr(WEBHOOK_SECRET),
        stripe_api_base_url=stripe_server[1],
        twilio_whatsapp_from="whatsapp:+14155238886",
    )
    provider = payment_provider(container)
    assert isinstance(provider, StripePayments)
    client = TestClient(create_app(container, channel_routes(container)))
    forged = client.post(
        "/webhooks/stripe", content=b'{"id": "evt_1"}', headers={"Stripe-Signature": "t=1,v1=00"}
    )
    assert forged.status_code == 400
    assert count_events(UnitOfWorkFactory(sqlite_engine)) == 0
    page = client.get("/checkout/success", params={"order": "SK-ABC234"})
    assert page.status_code == 200
    assert "Order SK-ABC234" in page.text
    assert 'href="https://wa.me/14155238886"' in page.text
    cancel = client.get("/checkout/cancel", params={"order": "<script>"})
    assert "<script>" not in cancel.text
    container.close()


@pytest.mark.parametrize("secret_setting", ["stripe_secret_key", "stripe_webhook_secret"])
def test_the_webhook_needs_both_secrets(sqlite_engine: Engine, secret_setting: str) -> None:
    container = _container(sqlite_engine, **{secret_setting: SecretStr("x")})
    paths = {getattr(route, "path", "") for route in channel_routes(container)}
    assert "/webhooks/stripe" not in paths
    container.close()
