"""The Stripe calls that run as effects (after the commit that asked for them, outside any
transaction): a Checkout Session, closing one, a refund, a charge's refund listing. Each is a
kind the effect runner knows (`store/effect_runner.py`); `bot/effects.py` registers them with what
the chat says about them (the buyer's link, or that it could not be made)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import stripe
from sqlalchemy.orm import Session

from payments import refunds
from payments.port import Checkout
from payments.stripe_checkout import (
    CHECKOUT_EFFECT,
    EXPIRE_EFFECT,
    StripePayments,
    record_session,
)
from payments.stripe_events import (
    CHARGE_REFUNDS_EFFECT,
    list_charge_refunds,
    record_listed_refunds,
)
from store.effect_runner import EffectKind
from store.models import Order
from store.models.types import utcnow
from store.services.effects import Claimed

REFUND_ATTEMPTS = 20  # with backoff up to 5 minutes apart: about an hour of no answer
LinkReady = Callable[[Session, Order, Checkout, datetime], None]
LinkFailed = Callable[[Session, Order, datetime], None]


def transient(exc: BaseException) -> bool:
    """Worth another try: Stripe did not answer (timeout, connection), was busy (429), or
    failed on its side (5xx). Anything else is a refusal that trying again will not change."""
    if isinstance(
        exc,
        stripe.APIConnectionError
        | stripe.RateLimitError
        | stripe.APIError
        | stripe.IdempotencyError,
    ):
        return True
    status = getattr(exc, "http_status", None)
    return isinstance(exc, stripe.StripeError) and status is not None and status >= 500


def stripe_effect_kinds(
    payments: StripePayments,
    *,
    link_ready: LinkReady,
    link_failed: LinkFailed,
    clock: Callable[[], datetime] = utcnow,
) -> list[EffectKind]:
    def create_session(claimed: Claimed) -> Mapping[str, Any]:
        return payments.create_session(claimed, clock())

    def session_made(
        session: Session, claimed: Claimed, result: Mapping[str, Any], now: datetime
    ) -> None:
        made = record_session(session, int(claimed.payload["order_id"]), result, now)
        if made is not None:
            link_ready(session, *made, now)

    def session_refused(session: Session, claimed: Claimed, error: str, now: datetime) -> None:
        order = session.get(Order, int(claimed.payload["order_id"]))
        if order is not None:
            link_failed(session, order, now)

    def refund_made(
        session: Session, claimed: Claimed, result: Mapping[str, Any], now: datetime
    ) -> None:
        refunds.record_sent(session, claimed.key, str(result["refund_id"]), now)

    def refund_refused(session: Session, claimed: Claimed, error: str, now: datetime) -> None:
        # Failing on its last try, it was failing with errors worth another try (a refusal
        # fails at once): Stripe never answered.
        tries_ran_out = claimed.attempts + 1 >= REFUND_ATTEMPTS
        refunds.record_refused(session, claimed.key, refunds.refusal_of(error, tries_ran_out), now)

    def refunds_listed(
        session: Session, claimed: Claimed, result: Mapping[str, Any], now: datetime
    ) -> None:
        record_listed_refunds(session, int(claimed.payload["order_id"]), result, now)

    def expire_session(claimed: Claimed) -> Mapping[str, Any]:
        return {"expired": payments.expire_session(str(claimed.payload["session_id"]))}

    def session_expired(
        session: Session, claimed: Claimed, result: Mapping[str, Any], now: datetime
    ) -> None:
        """Nothing to write: Stripe's `checkout.session.expired` event follows, and finds the
        order closed already."""

    return [
        EffectKind(EXPIRE_EFFECT, expire_session, session_expired, transient=transient),
        EffectKind(
            CHECKOUT_EFFECT,
            create_session,
            session_made,
            session_refused,
            transient,
            # A link that comes much later than this is of no use: her pieces are gone.
            max_attempts=10,
        ),
        EffectKind(
            refunds.REFUND_EFFECT,
            lambda claimed: refunds.send_refund(payments, claimed),
            refund_made,
            refund_refused,
            transient=transient,
            max_attempts=REFUND_ATTEMPTS,
        ),
        EffectKind(
            CHARGE_REFUNDS_EFFECT,
            lambda claimed: list_charge_refunds(payments, claimed),
            refunds_listed,
            transient=transient,
            max_attempts=20,
        ),
    ]
