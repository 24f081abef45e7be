"""The Telegram invoice provider (what an invoice says, its signed payload), the renderer's
sendInvoice, and the per-channel router."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from bot.container import Container
from bot.settings import Settings
from bot.wiring import payment_provider
from conversations.messages import Choice, Invoice, InvoicePrice, Outbound
from handlers.telegram.render import SendKind, render
from payments.demo import DemoPayments
from payments.port import provider_for
from payments.telegram_invoice import (
    CHECK_CHARS,
    DESCRIPTION_MAX,
    PAYLOAD_MAX_BYTES,
    TITLE_MAX,
    TelegramInvoices,
)
from store.models import Channel, Order, OrderLine

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def order(titles: list[str], shipping: int = 0) -> Order:
    lines = [
        OrderLine(title=title, quantity=n + 1, line_total_minor=1000 * (n + 1))
        for n, title in enumerate(titles)
    ]
    total = sum(line.line_total_minor for line in lines) + shipping
    return Order(
        code="SK-7Q2M4X",
        channel=Channel.TELEGRAM,
        currency="EUR",
        shipping_minor=shipping,
        total_minor=total,
        reserved_until=NOW,
        lines=lines,
    )


def test_an_invoice_has_one_price_per_line_and_fits_telegrams_limits() -> None:
    invoices = TelegramInvoices("prov:TEST:x")
    long_titles = ["Copper leaf earrings " * 4, "Maasai bead necklace " * 4] * 4
    checkout = invoices.start_checkout(
        None,  # type: ignore[arg-type]  # no database needed: no I/O at all
        order(long_titles, shipping=900),
        locale="sw",
        now=NOW,
    )
    invoice = checkout.invoice
    assert invoice is not None
    assert checkout.url == ""
    assert checkout.provider == "telegram"
    assert checkout.expires_at == NOW
    assert len(invoice.title) <= TITLE_MAX
    assert invoice.title.startswith("Oda ya Soko")
    assert len(invoice.description) <= DESCRIPTION_MAX
    assert len(invoice.payload.encode()) <= PAYLOAD_MAX_BYTES
    assert invoice.currency == "EUR"
    assert [p.amount for p in invoice.prices] == [1000 * (n + 1) for n in range(8)] + [900]
    assert invoice.prices[-1].label == "Usafirishaji"
    assert sum(p.amount for p in invoice.prices) == 36_900


def test_a_payload_names_its_order_only_with_the_right_check() -> None:
    invoices = TelegramInvoices("prov:TEST:x")
    payload = invoices.payload("SK-7Q2M4X")
    assert invoices.order_code_of(payload) == "SK-7Q2M4X"
    assert invoices.order_code_of(payload.replace("SK-7Q2M4X", "SK-AAAAAA")) is None
    flipped = payload[:-1] + ("1" if payload.endswith("0") else "0")
    assert invoices.order_code_of(flipped) is None
    assert invoices.order_code_of("SK-7Q2M4X") is None
    assert TelegramInvoices("other:TEST:y").order_code_of(payload) is None
    with pytest.raises(ValueError, match="TOKEN"):
        TelegramInvoices("")


def test_the_renderer_sends_the_invoice_last_and_no_empty_message() -> None:
    invoice = Invoice("Soko order SK-1", "1 × Earrings", "SK-1.abc", "EUR", (InvoicePrice("x", 5),))
    alone = render(Outbound("", invoice=invoice))
    assert [s.kind for s in alone] == [SendKind.INVOICE]
    assert alone[0].invoice == invoice
    with_text = render(Outbound("Order SK-1", choices=(Choice("Back", "back"),), invoice=invoice))
    assert [s.kind for s in with_text] == [SendKind.MESSAGE, SendKind.INVOICE]
    assert with_text[0].reply_markup is not None
    assert [s.kind for s in render(Outbound("hi"))] == [SendKind.MESSAGE]


def test_telegram_buyers_get_invoices_and_everyone_else_the_default() -> None:
    settings = Settings(
        public_base_url="http://shop.test",
        telegram_bot_token=SecretStr("123:abc"),
        telegram_payment_provider_token=SecretStr("prov:TEST:x"),
        payments_demo=True,
    )
    router = payment_provider(Container(settings))
    assert isinstance(provider_for(router, Channel.TELEGRAM), TelegramInvoices)
    demo = provider_for(router, Channel.WHATSAPP)
    assert isinstance(demo, DemoPayments)
    assert provider_for(demo, Channel.TELEGRAM) is demo
    on_whatsapp = order(["Earrings"])
    on_whatsapp.channel = Channel.WHATSAPP
    checkout = router.start_checkout(None, on_whatsapp, locale="en", now=NOW)  # type: ignore[arg-type]
    assert checkout.invoice is None
    assert checkout.url == "http://shop.test/pay/demo/SK-7Q2M4X"


def test_the_payload_check_is_not_keyed_with_the_provider_token() -> None:
    """The provider token is shared with the payment provider (and was logged): a payload
    signed with it, as invoices sent before were, names no order any more."""
    settings = Settings(
        telegram_bot_token=SecretStr("123:abc"),
        telegram_payment_provider_token=SecretStr("prov:TEST:x"),
    )
    invoices = provider_for(payment_provider(Container(settings)), Channel.TELEGRAM)
    assert isinstance(invoices, TelegramInvoices)
    check = hmac.new(b"prov:TEST:x", b"SK-7Q2M4X", hashlib.sha256).hexdigest()[:CHECK_CHARS]
    assert invoices.order_code_of(f"SK-7Q2M4X.{check}") is None
    assert invoices.order_code_of(invoices.payload("SK-7Q2M4X")) == "SK-7Q2M4X"
    other_bot = Settings(
        telegram_bot_token=SecretStr("456:def"),
        telegram_payment_provider_token=SecretStr("prov:TEST:x"),
    )
    elsewhere = provider_for(payment_provider(Container(other_bot)), Channel.TELEGRAM)
    assert isinstance(elsewhere, TelegramInvoices)
    assert elsewhere.order_code_of(invoices.payload("SK-7Q2M4X")) is None
