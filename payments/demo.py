"""The demo payment provider: no card form, no network, for `soko demo` and tests.

The buyer confirms in the chat ("Pay now", `ConfirmInChat`) or on the shop's own pay page;
`confirm` plays the provider telling us the buyer paid, through the very path a real
provider's webhook takes (`complete_payment`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from payments.completion import complete_payment
from store.models import Order
from store.payment_port import Checkout, CheckoutLabels, CompletionResult, ConfirmInChat

EVENT_TYPE = "checkout.completed"


class DemoPayments:
    name = "demo"

    def __init__(self, public_base_url: str) -> None:
        self._base = public_base_url.rstrip("/")

    def start_checkout(
        self,
        session: Session,
        order: Order,
        *,
        locale: str,
        labels: CheckoutLabels,
        now: datetime,
    ) -> Checkout:
        return Checkout(
            self.name,
            reference(order.code),
            ConfirmInChat(f"{self._base}/pay/demo/{order.code}"),
            expires_at=order.reserved_until,
        )

    def confirm(self, session: Session, order_code: str, now: datetime) -> CompletionResult:
        """The buyer "paid": one event per order, so confirming twice has one effect."""
        ref = reference(order_code)
        return complete_payment(
            session,
            provider=self.name,
            event_id=f"evt_{ref}",
            event_type=EVENT_TYPE,
            order_code=order_code,
            payment_ref=ref,
            now=now,
            payload={"order_code": order_code},
        )


def reference(order_code: str) -> str:
    return f"demo_{order_code}"
