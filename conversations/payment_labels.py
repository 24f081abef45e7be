"""The words a payment provider shows the buyer itself — an invoice's title and shipping line,
the name of a piece that has none on the payment page — written here in her language and
handed to the provider with the checkout (`store.payment_port.CheckoutLabels`): `payments/`
has no catalogs of its own."""

from __future__ import annotations

from typing import Final

from conversations.i18n import N_, Translator
from store.payment_port import CheckoutLabels

# TRANSLATORS: the title of a Telegram invoice (cut at 32 characters).
TITLE: Final = N_("Soko order {code}")
# TRANSLATORS: the shipping line of a Telegram invoice and of the card payment page (at most
# 64 characters).
SHIPPING: Final = N_("Shipping")
# TRANSLATORS: a piece's name on the card payment page when the artisan gave it none.
UNTITLED: Final = N_("Handmade piece")


def checkout_labels(locale: str, order_code: str) -> CheckoutLabels:
    t = Translator(locale)
    return CheckoutLabels(
        title=t._(TITLE).format(code=order_code),
        shipping=t._(SHIPPING),
        untitled=t._(UNTITLED),
    )
