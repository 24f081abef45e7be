"""M-Pesa STK push behind the payment port: the buyer confirms a prompt on her phone.

`start_checkout` never calls Daraja. For an order in KES with the number to charge
(`order.payer_phone`), it answers the push still open for the order, if there is one (no
second buzz), else writes a push "requested" and the effect that sends it after the commit
(`SEND_EFFECT`, run by the effect runner outside any transaction); its `ConfirmOnPhone`
says where the push stands (`PROMPT_STATES`: being sent, so the chat never says "sent"
before Daraja took it). The effect's answer comes back in a unit of work of its own
(`record_sent`): "sent" with Daraja's CheckoutRequestID (`PhonePaymentPrompted`: the chat
tells her it is on her phone); "failed" when Daraja refused it (`PhonePaymentFailed`, reason
FAILED: the chat tells her and offers to try again); "unknown" when the request may have
reached Daraja but its answer was lost (a read timeout, a 5xx:
`DarajaUnavailable.maybe_received`; `PhonePaymentUnconfirmed`: the chat tells her it is not
confirmed to be on her phone).

An "unknown" push has no CheckoutRequestID to query, and must not be sent again (she would
be prompted twice). It is resolved in one of two ways (`payments/mpesa/stk_results.py`):
- its callback comes: a callback naming a CheckoutRequestID we never recorded is matched to
  the unknown push of the last `UNKNOWN_WAIT` for the same number and amount, which takes
  that id and is then confirmed by an STK query like any other (so is a push still
  "requested": she can answer the prompt before the effect has written Daraja's answer down);
- nothing comes within `UNKNOWN_WAIT` (the prompt on her phone is long gone by then): the
  query job marks it failed ("not_sent") and publishes `PhonePaymentFailed` (FAILED), so she
  can try again.

What Daraja posts back is trusted only after checks of our own (`stk_results.py`): the
order is paid only when an STK query confirms it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from payments.mpesa.client import DarajaClient
from payments.mpesa.errors import DarajaUnavailable, MalformedDarajaBody
from payments.mpesa.models import StkPushRequest, whole_shillings
from store.errors import StoreError
from store.models import OPEN_PUSH, Order, OrderStatus, StkPush, StkPushStatus
from store.payment_port import Checkout, CheckoutLabels, ConfirmOnPhone, PromptState
from store.services import effects, orders
from store.services.effects import Claimed

PROVIDER: Final = "mpesa"
SEND_EFFECT: Final = "mpesa.stk_push"
QUERY_EFFECT: Final = "mpesa.stk_query"
CALLBACK_PATH: Final = "/webhooks/mpesa/stk/{token}"
DESCRIPTION: Final = "Soko order"  # TransactionDesc: at most 13 characters
# A push whose answer was lost is matched to its callback, or given up, after this.
UNKNOWN_WAIT: Final = timedelta(minutes=5)
# What she is told of an open push (`OPEN_PUSH`) when she asks to pay again.
PROMPT_STATES: Final = {
    StkPushStatus.REQUESTED: PromptState.SENDING,
    StkPushStatus.SENT: PromptState.SENT,
    StkPushStatus.UNKNOWN: PromptState.UNCONFIRMED,
}


class StkCheckoutError(StoreError):
    """Root of this provider's refusals."""


class NotPayableByMpesa(StkCheckoutError):
    def __init__(self, order_code: str, why: str) -> None:
        super().__init__(f"order {order_code} cannot be paid by M-Pesa: {why}")
        self.order_code = order_code


def callback_url(public_base_url: str, token: str) -> str:
    return public_base_url.rstrip("/") + CALLBACK_PATH.format(token=token)


def push_reference(push: StkPush) -> str:
    """The checkout's reference: Daraja's id once it took the push, ours before."""
    return push.checkout_request_id or f"stk-push-{push.id}"


@dataclass(frozen=True)
class Sent:
    """What the send effect learnt (its result, as stored on the effect)."""

    checkout_request_id: str = ""
    merchant_request_id: str = ""
    unknown: str = ""  # why the answer was lost; "" when Daraja answered

    def as_result(self) -> dict[str, Any]:
        return {
            "checkout_request_id": self.checkout_request_id,
            "merchant_request_id": self.merchant_request_id,
            "unknown": self.unknown,
        }


class MpesaStk:
    """The payment port on STK push, and the Daraja calls its effects make."""

    name = PROVIDER

    def __init__(self, client: DarajaClient, public_base_url: str, callback_token: str) -> None:
        self.client = client
        self._callback_url = callback_url(public_base_url, callback_token)

    def start_checkout(
        self,
        session: Session,
        order: Order,
        *,
        locale: str,
        labels: CheckoutLabels,
        now: datetime,
    ) -> Checkout:
        """The push still open for the order, else a new one, sent after the commit."""
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise NotPayableByMpesa(order.code, f"it is {order.status.value}")
        phone = order.payer_phone
        if not phone:
            raise NotPayableByMpesa(order.code, "no number to charge")
        try:
            whole_shillings(order.total_minor, order.currency)
        except ValueError as wrong:
            raise NotPayableByMpesa(order.code, str(wrong)) from None
        order = orders.lock_order(session, order.id)  # two taps at once: one push
        push = open_push(session, order.id)
        if push is None:
            push = request_push(session, order, phone, now)
        action = ConfirmOnPhone(push.phone, PROMPT_STATES[push.status])
        return Checkout(PROVIDER, push_reference(push), action, order.reserved_until)

    def send(self, claimed: Claimed) -> Mapping[str, Any]:
        """Send a requested push (an effect, outside any transaction). Daraja refusing it, or
        unreachable before it took the request, raises (refused: failed for good;
        unreachable: tried again). An answer lost after the request may have been taken is
        a result: the push is then "unknown" (see the module's doc), never sent twice."""
        payload = claimed.payload
        request = StkPushRequest(
            amount_minor=int(payload["amount_minor"]),
            currency=str(payload["currency"]),
            phone=str(payload["phone"]),
            account_reference=str(payload["order_code"]),
            description=DESCRIPTION,
            callback_url=self._callback_url,
        )
        try:
            accepted = self.client.stk_push(request)
        except DarajaUnavailable as lost:
            if not lost.maybe_received:
                raise
            return Sent(unknown=type(lost).__name__).as_result()
        except MalformedDarajaBody:  # it answered, but not with the push's ids
            return Sent(unknown="MalformedDarajaBody").as_result()
        return Sent(accepted.checkout_request_id, accepted.merchant_request_id).as_result()

    def query(self, claimed: Claimed) -> Mapping[str, Any]:
        """Ask Daraja where a push stands (an effect, outside any transaction)."""
        found = self.client.stk_query(str(claimed.payload["checkout_request_id"]))
        return {"result_code": found.result_code, "result_desc": found.result_desc[:255]}


def open_push(session: Session, order_id: int) -> StkPush | None:
    """The order's push still waiting for an answer (requested, sent, or unknown)."""
    return session.scalar(
        select(StkPush)
        .where(StkPush.order_id == order_id, StkPush.status.in_(OPEN_PUSH))
        .order_by(StkPush.id.desc())
        .limit(1)
    )


def request_push(session: Session, order: Order, phone: str, now: datetime) -> StkPush:
    """Write a push for the whole order and the effect that sends it."""
    push = StkPush(
        order_id=order.id,
        phone=phone,
        amount_minor=order.total_minor,
        currency=order.currency,
        status=StkPushStatus.REQUESTED,
        failure="",
        result_desc="",
        requested_at=now,
    )
    session.add(push)
    session.flush()
    payload = {
        "push_id": push.id,
        "order_code": order.code,
        "phone": phone,
        "amount_minor": order.total_minor,
        "currency": order.currency,
    }
    effects.record(session, SEND_EFFECT, f"mpesa-stk-push-{push.id}", payload, now)
    return push


def request_query(session: Session, push: StkPush, now: datetime, why: str) -> bool:
    """Ask Daraja about `push` after the commit (an effect; `why` is for people reading the
    effects). False when the push has no id to ask about yet."""
    if push.checkout_request_id is None:
        return False
    push.checked_at = now
    key = f"mpesa-stk-query-{push.id}-{why}-{uuid.uuid4().hex[:16]}"  # a query repeats safely
    payload = {"push_id": push.id, "checkout_request_id": push.checkout_request_id}
    effects.record(session, QUERY_EFFECT, key, payload, now)
    return True
