"""The demo card's pay page (`/pay/demo/<code>`), the link the chat shows beside "Pay now
(demo card)": in the buyer's language, what she pays and a button that pays through the demo
provider; a clear page for a code that is unknown, paid, expired or not payable here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from bot.container import Container
from bot.web import create_app
from store.models import Channel, Order, OrderStatus, OutboxMessage
from store.services import carts, orders
from store.services.shipping import ShippingDetails
from tests.factories import make_artisan, make_product, make_user
from tests.integration.web.conftest import make_container
from tests.integration.web.html_support import parse

PAY_LINK_OR_BUTTON = "pay link or button we sent you there"


@pytest.fixture
def demo(engine: Engine, tmp_path: Path) -> Iterator[Container]:
    built = make_container(engine, tmp_path / "media", payments_demo=True)
    yield built
    built.close()


@pytest.fixture
def pay(demo: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(demo), base_url=demo.settings.public_base_url, follow_redirects=False
    ) as client:
        yield client


def pending_order(
    container: Container, *, locale: str = "en", channel: Channel = Channel.WHATSAPP
) -> str:
    """An order placed through the orders service, as the chat places it."""
    now = datetime.now(UTC)
    with container.uow_factory() as uow:
        session = uow.session
        piece = make_product(session, make_artisan(session), title="Maasai collar")
        buyer = make_user(session, locale=locale)
        carts.add_to_cart(session, buyer.id, piece.id, 1, now=now)
        order = orders.place_order(
            session,
            buyer.id,
            channel,
            container.pricing,
            ShippingDetails("Anna Schmidt", "Hauptstr. 1, Berlin", "DE"),
            now,
        )
        uow.commit()
        return order.code


def status_of(container: Container, code: str) -> OrderStatus:
    with container.uow_factory() as uow:
        return uow.session.scalars(select(Order.status).where(Order.code == code)).one()


def told_count(container: Container) -> int:
    with container.uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_the_buyer_sees_what_she_pays_and_pays_with_the_demo_card(
    demo: Container, pay: TestClient
) -> None:
    code = pending_order(demo)
    page = pay.get(f"/pay/demo/{code}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    shown = parse(page.text)
    assert f"Order {code}" in shown.text
    assert "1 × Maasai collar" in shown.text
    assert "Demo card: no money is taken." in shown.text
    assert f'action="/pay/demo/{code}"' in page.text
    assert "form-action 'self'" in page.headers["content-security-policy"]

    paid = pay.post(f"/pay/demo/{code}")
    assert paid.status_code == 303
    assert paid.headers["location"] == f"/pay/demo/{code}"
    assert status_of(demo, code) is OrderStatus.PAID
    after = parse(pay.get(f"/pay/demo/{code}").text)
    assert f"Order {code} is paid. Thank you!" in after.text
    assert "Back to WhatsApp" in after.text

    told = told_count(demo)  # the buyer and the artisan are told in the chat
    assert pay.post(f"/pay/demo/{code}").status_code == 303  # a second tap: no second effect
    assert told_count(demo) == told


def test_the_page_is_in_the_buyers_language(demo: Container, pay: TestClient) -> None:
    code = pending_order(demo, locale="sw")
    shown = parse(pay.get(f"/pay/demo/{code}").text)
    assert shown.lang == "sw"
    assert f"Oda {code}" in shown.text
    assert "Kadi ya majaribio: hakuna pesa zinazokatwa." in shown.text
    pay.post(f"/pay/demo/{code}")
    assert f"Oda {code} imelipwa. Asante!" in parse(pay.get(f"/pay/demo/{code}").text).text


def test_an_unknown_or_forged_code_gets_a_plain_page(pay: TestClient) -> None:
    unknown = pay.get("/pay/demo/SK-NOPE42")
    assert unknown.status_code == 404
    assert "We can't find this order." in parse(unknown.text).text
    assert pay.post("/pay/demo/SK-NOPE42").status_code == 404
    forged = pay.get("/pay/demo/<script>alert(1)<%2Fscript>")
    assert forged.status_code == 404
    assert "<script>" not in forged.text


def test_an_expired_order_is_not_paid(demo: Container, pay: TestClient) -> None:
    code = pending_order(demo)
    with demo.uow_factory() as uow:
        orders.expire_due_orders(uow.session, datetime.now(UTC) + timedelta(days=1))
        uow.commit()
    page = parse(pay.get(f"/pay/demo/{code}").text)
    assert f"Order {code} is no longer waiting for payment." in page.text
    assert pay.post(f"/pay/demo/{code}").status_code == 303
    assert status_of(demo, code) is OrderStatus.EXPIRED


def test_without_the_demo_card_the_page_takes_nothing(
    container: Container, client: TestClient
) -> None:
    code = pending_order(container)
    page = client.get(f"/pay/demo/{code}")
    assert page.status_code == 200
    text = parse(page.text).text
    assert f"Sorry, paying is not open yet, so order {code} can't be paid for now." in text
    assert "Maasai collar" not in text
    assert "<form" not in page.text
    client.post(f"/pay/demo/{code}")
    assert status_of(container, code) is OrderStatus.PENDING_PAYMENT


def test_an_order_paid_by_telegram_invoice_is_not_paid_here(engine: Engine, tmp_path: Path) -> None:
    container = make_container(
        engine,
        tmp_path / "media",
        payments_demo=True,
        telegram_bot_token=SecretStr("123:abc"),
        telegram_payment_provider_token=SecretStr("284685063:TEST:xyz"),
    )
    code = pending_order(container, channel=Channel.TELEGRAM)
    with TestClient(
        create_app(container), base_url=container.settings.public_base_url, follow_redirects=False
    ) as client:
        text = parse(client.get(f"/pay/demo/{code}").text).text
        assert f"Please pay for order {code} in the chat, with the {PAY_LINK_OR_BUTTON}." in text
        client.post(f"/pay/demo/{code}")
    assert status_of(container, code) is OrderStatus.PENDING_PAYMENT
    container.close()


@pytest.mark.parametrize(
    ("channel", "locale", "told"),
    [
        (
            Channel.WHATSAPP,
            "en",
            f"Please pay for order {{code}} in the chat, with the {PAY_LINK_OR_BUTTON}.",
        ),
        (
            Channel.TELEGRAM,
            "en",
            f"Please pay for order {{code}} in the chat, with the {PAY_LINK_OR_BUTTON}.",
        ),
        (
            Channel.WHATSAPP,
            "sw",
            "Tafadhali lipia oda {code} kwenye gumzo, kwa kiungo au kitufe cha kulipa"
            " tulichokutumia huko.",
        ),
    ],
)
def test_an_order_paid_through_stripe_is_sent_back_to_the_pay_link_of_its_chat(
    engine: Engine, tmp_path: Path, channel: Channel, locale: str, told: str
) -> None:
    """On WhatsApp the way to pay is a link in a message; on Telegram, a button."""
    container = make_container(
        engine,
        tmp_path / "media",
        payments_demo=True,
        stripe_secret_key=SecretStr("sk_test_123"),
        stripe_webhook_secret=SecretStr("whsec_123"),
    )
    code = pending_order(container, locale=locale, channel=channel)
    with TestClient(
        create_app(container), base_url=container.settings.public_base_url, follow_redirects=False
    ) as client:
        text = parse(client.get(f"/pay/demo/{code}").text).text
        assert told.format(code=code) in text
        assert "<form" not in client.get(f"/pay/demo/{code}").text
    assert status_of(container, code) is OrderStatus.PENDING_PAYMENT
    container.close()


def test_a_swahili_buyer_is_told_in_her_words_why_nothing_is_paid_here(
    container: Container, client: TestClient
) -> None:
    code = pending_order(container, locale="sw")
    text = parse(client.get(f"/pay/demo/{code}").text).text
    assert (
        f"Samahani, bado hatujaanza kupokea malipo, kwa hivyo oda {code} haiwezi kulipwa kwa"
        " sasa. Tafadhali jaribu tena baadaye."
    ) in text
    unknown = parse(client.get("/pay/demo/NO-SUCH-1?lang=sw").text).text
    assert (
        "Hatuioni oda hii. Tafadhali fungua tena kiungo cha kulipa kutoka kwenye gumzo."
    ) in unknown
