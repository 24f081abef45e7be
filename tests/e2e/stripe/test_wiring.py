"""Payment providers are chosen by configuration: Stripe (its webhook and return pages), the
demo card only when PAYMENTS_DEMO asks for it, else none — and `soko web` says so at start."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from starlette.testclient import TestClient

from bot.commands.web import web_app
from bot.container import Container
from bot.routes import channel_routes
from bot.settings import Settings
from bot.web import create_app
from bot.wiring import payment_provider
from payments.demo import DemoPayments
from payments.port import NoPayments, provider_for, takes_payments
from payments.stripe_checkout import StripePayments
from payments.telegram_invoice import TelegramInvoices
from store.models import Channel
from store.uow import UnitOfWorkFactory
from tests.e2e.stripe.stripe_support import count_events
from tests.fakes.stripe_api import API_KEY, WEBHOOK_SECRET, FakeStripe


def _container(engine: Engine, **settings: object) -> Container:
    url = engine.url.render_as_string(hide_password=False)
    return Container(Settings(database_url=url, public_base_url="https://shop.test", **settings))  # type: ignore[arg-type]


TELEGRAM = {"telegram_bot_token": SecretStr("123:abc")}
TELEGRAM_INVOICES = {**TELEGRAM, "telegram_payment_provider_token": SecretStr("284685063:TEST:x")}
WHATSAPP = {"twilio_account_sid": "AC" + "1" * 32, "twilio_auth_token": SecretStr("t")}


def test_without_any_provider_nobody_can_pay_and_no_stripe_route_exists(
    sqlite_engine: Engine,
) -> None:
    container = _container(sqlite_engine)
    payments = payment_provider(container)
    assert isinstance(payments, NoPayments)
    assert not any(takes_payments(payments, channel) for channel in Channel)
    client = TestClient(
        create_app(container, channel_routes(container)),
        base_url=container.settings.public_base_url,
    )
    assert client.post("/webhooks/stripe", content=b"{}").status_code == 404
    container.close()


def test_the_demo_card_only_when_asked_for_and_never_over_stripe(sqlite_engine: Engine) -> None:
    assert isinstance(payment_provider(_container(sqlite_engine, payments_demo=True)), DemoPayments)
    with_stripe = _container(sqlite_engine, payments_demo=True, stripe_secret_key=SecretStr("sk"))
    assert isinstance(payment_provider(with_stripe), StripePayments)


def test_telegram_invoices_serve_telegram_buyers_only(sqlite_engine: Engine) -> None:
    payments = payment_provider(_container(sqlite_engine, **TELEGRAM_INVOICES))
    assert isinstance(provider_for(payments, Channel.TELEGRAM), TelegramInvoices)
    assert not takes_payments(payments, Channel.WHATSAPP)


def _warnings_at_start(
    caplog: pytest.LogCaptureFixture, engine: Engine, **settings: object
) -> list[str]:
    container = _container(engine, **settings)
    with caplog.at_level(logging.WARNING):
        web_app(container)  # what `soko web` builds when it starts
    container.close()
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_soko_web_warns_once_at_start_when_buyers_cannot_pay(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    [warning] = _warnings_at_start(caplog, sqlite_engine, **TELEGRAM, **WHATSAPP)
    assert warning == (
        "Paying is not open: buyers on Telegram and WhatsApp are told so at checkout and can"
        " place no order. Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (or, for Telegram"
        " buyers, TELEGRAM_PAYMENT_PROVIDER_TOKEN) to take payments."
    )


def test_the_warning_names_only_the_chats_without_a_provider(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    [warning] = _warnings_at_start(caplog, sqlite_engine, **TELEGRAM_INVOICES, **WHATSAPP)
    assert warning.startswith("Paying is not open: buyers on WhatsApp are told so")
    assert "TELEGRAM_PAYMENT_PROVIDER_TOKEN" not in warning


STRIPE = {"stripe_secret_key": SecretStr("sk_test_x"), "stripe_webhook_secret": SecretStr("w")}


@pytest.mark.parametrize(
    "settings",
    [
        {**STRIPE, **TELEGRAM, **WHATSAPP},
        TELEGRAM_INVOICES,  # a Telegram-only shop with invoices
    ],
    ids=["stripe", "telegram-invoices"],
)
def test_no_warning_when_every_buyer_can_pay(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture, settings: dict[str, object]
) -> None:
    assert _warnings_at_start(caplog, sqlite_engine, **settings) == []


def test_a_stripe_key_without_its_webhook_secret_is_one_warning(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    key_only = {"stripe_secret_key": SecretStr("sk_test_x")}
    [warning] = _warnings_at_start(caplog, sqlite_engine, **key_only, **TELEGRAM, **WHATSAPP)
    assert warning.startswith("STRIPE_WEBHOOK_SECRET is not set: buyers pay on Stripe, but")
    assert "a paid order stays unpaid until" in warning
    assert "soko admin reconcile" in warning
    assert "sk_test_x" not in warning


def test_the_demo_card_is_announced_as_taking_no_money(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    [warning] = _warnings_at_start(caplog, sqlite_engine, payments_demo=True, **WHATSAPP)
    assert warning.startswith("PAYMENTS_DEMO is on: buyers pay with the demo card, which takes")


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
    client = TestClient(
        create_app(container, channel_routes(container)),
        base_url=container.settings.public_base_url,
    )
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


def test_without_its_webhook_secret_stripe_is_answered_503_and_nothing_is_recorded(
    sqlite_engine: Engine,
) -> None:
    """Stripe keeps an event it could not deliver and sends it again (for up to three days):
    once the secret is set, it arrives."""
    container = _container(sqlite_engine, stripe_secret_key=SecretStr("sk_test_x"))
    client = TestClient(
        create_app(container, channel_routes(container)),
        base_url=container.settings.public_base_url,
    )
    answer = client.post(
        "/webhooks/stripe", content=b'{"id": "evt_1"}', headers={"Stripe-Signature": "t=1,v1=0"}
    )
    assert answer.status_code == 503
    assert count_events(UnitOfWorkFactory(sqlite_engine)) == 0
    container.close()


def test_a_webhook_secret_without_stripe_is_no_route(sqlite_engine: Engine) -> None:
    container = _container(sqlite_engine, stripe_webhook_secret=SecretStr("x"))
    client = TestClient(
        create_app(container, channel_routes(container)),
        base_url=container.settings.public_base_url,
    )
    assert client.post("/webhooks/stripe", content=b"{}").status_code == 404
    container.close()
