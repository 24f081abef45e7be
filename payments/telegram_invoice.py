"""Telegram native invoices: the buyer pays inside the chat (sendInvoice, answered
pre_checkout_query, successful_payment) through the payment provider set up with BotFather.

`start_checkout` does no network I/O: it says what the invoice must show, and the Telegram
renderer sends it. The invoice payload is the order code and a short keyed check, so a
payload nobody signed (Telegram echoes it back to us) names no order.

The check's key is derived from the bot token (`payload_key`), a secret only we and Telegram
hold, which every process that sends or reads invoices already has; not from the payment
provider token, which the payment provider holds too. Invoices sent under an older key (or
before the bot token was changed) name no order any more: pre-checkout refuses them kindly.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from conversations.i18n import N_, Translator
from conversations.messages import Invoice, InvoicePrice
from payments.port import Checkout
from store.models import Order

NAME = "telegram"
TITLE_MAX = 32
DESCRIPTION_MAX = 255
PAYLOAD_MAX_BYTES = 128
LABEL_MAX = 64  # a LabeledPrice label shown on the invoice
CHECK_CHARS = 12
SEPARATOR = "."
# What the bot token is turned into the payload key with (changing it voids open invoices).
KEY_LABEL = b"soko telegram invoice payload v1"

# TRANSLATORS: the title of a Telegram invoice (cut at 32 characters).
TITLE: Final = N_("Soko order {code}")
# TRANSLATORS: a price line on a Telegram invoice (at most 64 characters).
SHIPPING: Final = N_("Shipping")


class TelegramInvoices:
    name = NAME

    def __init__(self, bot_token: str) -> None:
        if not bot_token:
            raise ValueError("Telegram invoices need TELEGRAM_BOT_TOKEN")
        self._key = payload_key(bot_token)

    def start_checkout(
        self, session: Session, order: Order, *, locale: str, now: datetime
    ) -> Checkout:
        invoice = invoice_for(order, locale, self.payload(order.code))
        return Checkout(
            self.name, invoice.payload, "", expires_at=order.reserved_until, invoice=invoice
        )

    def payload(self, order_code: str) -> str:
        payload = f"{order_code}{SEPARATOR}{self._check(order_code)}"
        if len(payload.encode()) > PAYLOAD_MAX_BYTES:
            raise ValueError(f"order code {order_code!r} too long for an invoice payload")
        return payload

    def order_code_of(self, payload: str) -> str | None:
        """The order code an invoice payload names, or None when its check does not hold."""
        code, _, check = payload.rpartition(SEPARATOR)
        if not code or not hmac.compare_digest(check, self._check(code)):
            return None
        return code

    def _check(self, order_code: str) -> str:
        digest = hmac.new(self._key, order_code.encode(), hashlib.sha256).hexdigest()
        return digest[:CHECK_CHARS]


def payload_key(bot_token: str) -> bytes:
    """The payload check's key: HMAC-SHA256 of a fixed label under the bot token (one block
    of HKDF-Expand), so the token itself never signs anything we hand out."""
    return hmac.new(bot_token.encode(), KEY_LABEL + b"\x01", hashlib.sha256).digest()


def invoice_for(order: Order, locale: str, payload: str) -> Invoice:
    """One price per line (its total, in the order currency's minor units), plus shipping."""
    t = Translator(locale)
    prices = [
        InvoicePrice(_cut(f"{line.quantity} × {line.title}", LABEL_MAX), line.line_total_minor)
        for line in order.lines
    ]
    if order.shipping_minor:
        prices.append(InvoicePrice(t._(SHIPPING), order.shipping_minor))
    description = ", ".join(f"{line.quantity} × {line.title}" for line in order.lines)
    return Invoice(
        title=_cut(t._(TITLE).format(code=order.code), TITLE_MAX),
        description=_cut(description or order.code, DESCRIPTION_MAX),
        payload=payload,
        currency=order.currency,
        prices=tuple(prices),
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
