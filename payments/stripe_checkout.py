"""Stripe Checkout behind the payment port: one Checkout Session per order.

The session is asked for once per order, as an *effect* (``store/services/effects.py``)
recorded in the unit of work that placed the order: Stripe is called after the commit,
outside any transaction, with the effect's key (``checkout-<code>``) as its idempotency key,
and the session is remembered as a ``payment_events`` row (``checkout:<code>``) by the
effect's result handler, which also sends the buyer her link. Asking for the pay link
again returns the same page, or says it is being prepared, instead of a second session.

Stripe keeps a session open between 30 minutes and 24 hours. The session expires when the
order's reservation ends, clamped into that window, and the order's reservation is then
moved to the session's expiry (``payment_events.align_reservation``): the pay page and the
hold on the pieces end together, so a buyer cannot pay for pieces no longer held (and a
late payment still goes through ``mark_paid``'s expired-order path if it happens anyway).

Amounts: Stripe's ``unit_amount`` is in the currency's smallest unit, which is our minor
unit for the store currencies we sell in; for the few currencies where Stripe's unit differs
from ISO 4217 (ISK, HUF, TWD, UGX) we refuse rather than charge a wrong amount.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.errors import StoreError
from store.media.storage import media_url
from store.models import Effect, EffectStatus, Order, OrderStatus, PaymentEvent, ProductPhoto
from store.payment_port import Checkout, CheckoutLabels, LinkBeingMade, OpenLink
from store.savepoints import add_unless_taken
from store.services import effects, payment_events
from store.services.effects import Claimed

PROVIDER = "stripe"
CHECKOUT_EVENT = "soko.checkout_created"
CHECKOUT_EFFECT = "stripe.checkout_session"  # the effect that asks Stripe for a session
EXPIRE_EFFECT = "stripe.expire_session"  # the effect that closes the pay page of a cancelled order
MIN_OPEN = timedelta(minutes=30)
MAX_OPEN = timedelta(hours=24)
# Stripe measures "at least 30 minutes" on its own clock: keep a margin for clock drift.
CLOCK_MARGIN = timedelta(minutes=1)
# A session request may wait this long (Stripe down, retries with backoff) and still be sent
# under its first key, so that running it again never makes a second session.
REQUEST_HEADROOM = timedelta(minutes=15)
# Stripe's smallest unit differs from ISO 4217's minor unit for these.
_UNLIKE_ISO = frozenset({"ISK", "HUF", "TWD", "UGX"})
_STRIPE_LOCALES = frozenset({"en", "de", "fr", "es", "it", "nl", "pt", "sv", "ja"})
DEFAULT_SHIPPING_COUNTRIES = (
    "KE", "UG", "TZ", "RW", "US", "CA", "GB", "IE", "DE", "FR", "NL", "BE", "AT", "CH", "IT",
    "ES", "SE", "DK", "NO", "FI", "AU", "NZ", "ZA",
)  # fmt: skip


class StripeCheckoutError(StoreError):
    """Root of this adapter's refusals."""


class OrderNotPayable(StripeCheckoutError):
    def __init__(self, order_code: str, status: str) -> None:
        super().__init__(f"order {order_code} is {status}: there is nothing to pay")
        self.order_code = order_code
        self.status = status


class UnsupportedCurrency(StripeCheckoutError):
    def __init__(self, currency: str) -> None:
        super().__init__(f"Stripe's smallest unit for {currency} is not its ISO minor unit")
        self.currency = currency


def checkout_event_id(order_code: str) -> str:
    return f"checkout:{order_code}"


def success_url(public_base_url: str, order_code: str) -> str:
    return f"{public_base_url.rstrip('/')}/checkout/success?order={order_code}"


def cancel_url(public_base_url: str, order_code: str) -> str:
    return f"{public_base_url.rstrip('/')}/checkout/cancel?order={order_code}"


def session_expiry(
    reserved_until: datetime | None, now: datetime, headroom: timedelta = timedelta(0)
) -> datetime:
    """The order's reservation, moved into the window Stripe allows (whole seconds), and at
    least `headroom` later than Stripe's earliest."""
    earliest = now + MIN_OPEN + CLOCK_MARGIN + headroom
    latest = now + MAX_OPEN - CLOCK_MARGIN
    wanted = reserved_until if reserved_until is not None else earliest
    if wanted.tzinfo is None:  # SQLite hands timestamps back naive; they are UTC
        wanted = wanted.replace(tzinfo=UTC)
    clamped = min(max(wanted, earliest), latest)
    return datetime.fromtimestamp(int(clamped.timestamp()), UTC)


class StripePayments:
    """The payment port on Stripe Checkout, plus what webhooks, refunds and reconciliation
    ask of Stripe (all through one ``StripeClient``)."""

    name = PROVIDER

    def __init__(
        self,
        client: stripe.StripeClient,
        public_base_url: str,
        *,
        shipping_countries: Sequence[str] = DEFAULT_SHIPPING_COUNTRIES,
    ) -> None:
        self.client = client
        self._base = public_base_url.rstrip("/")
        self._shipping_countries = tuple(shipping_countries)

    # --- the port ----------------------------------------------------------------------

    def start_checkout(
        self,
        session: Session,
        order: Order,
        *,
        locale: str,
        labels: CheckoutLabels,
        now: datetime,
    ) -> Checkout:
        """The recorded session of the order; else the request for one, as an effect that
        runs after this unit of work commits (no call to Stripe here: see `create_session`)."""
        known = _recorded_checkout(session, order.code)
        if known is not None:
            return known
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise OrderNotPayable(order.code, order.status.value)
        expires_at = session_expiry(order.reserved_until, now, REQUEST_HEADROOM)
        params = self.session_params(session, order, locale, labels, expires_at)
        request_session(session, order, params, now)
        return Checkout(PROVIDER, "", LinkBeingMade(), expires_at)

    def create_session(self, claimed: Claimed, now: datetime) -> dict[str, Any]:
        """Run a session request (an effect, outside any transaction). The effect's key is
        Stripe's idempotency key, so running it again returns the same session. When the
        expiry asked for is no longer 30 minutes away (Stripe was down that long), a new one
        is asked for under a key naming it."""
        params = dict(claimed.payload["params"])
        key = claimed.key
        if params["expires_at"] < (now + MIN_OPEN + CLOCK_MARGIN / 2).timestamp():
            reserved = claimed.payload.get("reserved_until")
            expires = session_expiry(datetime.fromisoformat(reserved) if reserved else None, now)
            params["expires_at"] = int(expires.timestamp())
            key = f"{key}-{params['expires_at']}"
        created = self.client.v1.checkout.sessions.create(
            params,  # type: ignore[arg-type]
            {"idempotency_key": key},
        )
        expires_at = datetime.fromtimestamp(int(params["expires_at"]), UTC)
        return {
            "session_id": created.id,
            "url": str(created.url),
            "expires_at": expires_at.isoformat(),
        }

    def session_params(
        self,
        session: Session,
        order: Order,
        locale: str,
        labels: CheckoutLabels,
        expires_at: datetime,
    ) -> dict[str, Any]:
        currency = order.currency.upper()
        if currency in _UNLIKE_ISO:
            raise UnsupportedCurrency(currency)
        metadata = {"order_id": str(order.id), "order_code": order.code}
        images = _first_photos(session, [line.product_id for line in order.lines])
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": line.quantity,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": line.unit_price_minor,
                        "product_data": self._product_data(
                            line.title or labels.untitled, images.get(line.product_id)
                        ),
                    },
                }
                for line in order.lines
            ],
            "client_reference_id": order.code,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "expires_at": int(expires_at.timestamp()),
            "success_url": success_url(self._base, order.code),
            "cancel_url": cancel_url(self._base, order.code),
            "locale": locale if locale in _STRIPE_LOCALES else "auto",
        }
        if order.shipping_minor:  # the parcel's fee, one line under the pieces
            params["line_items"].append(
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": order.shipping_minor,
                        "product_data": {"name": labels.shipping},
                    },
                }
            )
        if not order.shipping_address.strip():
            params["shipping_address_collection"] = {
                "allowed_countries": list(self._shipping_countries)
            }
        return params

    def _product_data(self, title: str, image_key: str | None) -> dict[str, Any]:
        data: dict[str, Any] = {"name": title}
        if image_key is not None:
            data["images"] = [media_url(self._base, image_key)]  # public: Stripe fetches it
        return data

    # --- what the rest of the payments package asks of Stripe ----------------------------

    def refund(
        self, payment_ref: str, amount_minor: int, idempotency_key: str, metadata: Mapping[str, str]
    ) -> str:
        """Give ``amount_minor`` of a payment (a PaymentIntent id) back; the refund's id."""
        refund = self.client.v1.refunds.create(
            {
                "payment_intent": payment_ref,
                "amount": amount_minor,
                "metadata": dict(metadata),
                "reason": "requested_by_customer",
            },
            {"idempotency_key": idempotency_key},
        )
        return str(refund.id)

    def refunds_of_charge(self, charge_id: str) -> list[dict[str, Any]]:
        listing = self.client.v1.refunds.list({"charge": charge_id, "limit": 100})
        return [refund.to_dict() for refund in listing.auto_paging_iter()]

    def expire_session(self, session_id: str) -> bool:
        """Close a pay page; False when it was no longer open (paid or expired already)."""
        try:
            self.client.v1.checkout.sessions.expire(session_id)
        except stripe.InvalidRequestError:
            return False
        return True

    def recent_sessions(self, since: datetime) -> Iterator[dict[str, Any]]:
        """Checkout Sessions created since ``since``, newest first."""
        listing = self.client.v1.checkout.sessions.list(
            {"created": {"gte": int(since.timestamp())}, "limit": 100}
        )
        for found in listing.auto_paging_iter():
            yield found.to_dict()


def checkout_key(order_code: str) -> str:
    """The key of an order's session request (an effect), and Stripe's idempotency key."""
    return f"checkout-{order_code}"


def request_session(
    session: Session, order: Order, params: Mapping[str, Any], now: datetime
) -> Effect:
    """Record the effect that asks Stripe for the order's session, unless one is under way.
    After a request that failed for good, viewing the order asks again (a new key)."""
    base = checkout_key(order.code)
    tried = session.scalars(
        select(Effect).where(or_(Effect.key == base, Effect.key.startswith(f"{base}-r")))
    ).all()
    live = next((effect for effect in tried if effect.status != EffectStatus.FAILED), None)
    if live is not None:
        return live
    reserved = order.reserved_until
    payload = {
        "order_id": order.id,
        "order_code": order.code,
        "params": dict(params),
        "reserved_until": reserved.replace(tzinfo=reserved.tzinfo or UTC).isoformat()
        if reserved is not None
        else None,
    }
    key = base if not tried else f"{base}-r{len(tried)}"
    return effects.record(session, CHECKOUT_EFFECT, key, payload, now)


def record_session(
    session: Session, order_id: int, result: Mapping[str, Any], now: datetime
) -> tuple[Order, Checkout] | None:
    """A session Stripe made (the effect's result, in its own unit of work): remember it as
    the order's pay page and hold the pieces until it expires. The order and its checkout
    when the buyer should now be sent the link; ``None`` when the order no longer waits for
    payment (paid, cancelled or expired meanwhile) or already has its page."""
    order = session.get(Order, order_id)
    if order is None or _recorded_checkout(session, order.code) is not None:
        return None
    session_id, url = str(result["session_id"]), str(result["url"])
    expires_at = datetime.fromisoformat(str(result["expires_at"]))
    _record_checkout(session, order, session_id, url, expires_at, now)
    if order.status == OrderStatus.CANCELLED:  # cancelled while Stripe made it: close it
        close_checkout(session, order, now)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return None
    order = payment_events.align_reservation(session, order.id, expires_at)
    return order, Checkout(PROVIDER, session_id, OpenLink(url), expires_at)


def close_checkout(session: Session, order: Order, now: datetime) -> None:
    """The order no longer waits for payment (cancelled, or replaced by her new order): its
    pay page, if Stripe made one, is closed after the commit (an effect), so she cannot pay
    for it by mistake. (A payment that still gets through is refunded: the order is closed.)
    A page still being made is closed when it arrives (`record_session`)."""
    checkout = _recorded_checkout(session, order.code)
    if checkout is not None:
        key = f"expire-{checkout.reference}"
        effects.record(session, EXPIRE_EFFECT, key, {"session_id": checkout.reference}, now)


def _first_photos(session: Session, product_ids: list[int]) -> dict[int, str]:
    """Each product's first photo, as the media key of its medium rendition."""
    if not product_ids:
        return {}
    rows = session.execute(
        select(ProductPhoto.product_id, ProductPhoto.keys)
        .where(ProductPhoto.product_id.in_(product_ids))
        .order_by(ProductPhoto.product_id, ProductPhoto.position)
    )
    found: dict[int, str] = {}
    for product_id, keys in rows:
        key = keys.get("medium") or keys.get("large")
        if product_id not in found and isinstance(key, str):
            found[product_id] = key
    return found


def _recorded_checkout(session: Session, order_code: str) -> Checkout | None:
    row = session.scalar(
        select(PaymentEvent).where(
            PaymentEvent.provider == PROVIDER,
            PaymentEvent.event_id == checkout_event_id(order_code),
        )
    )
    if row is None:
        return None
    data = row.payload
    return Checkout(
        PROVIDER,
        data["session_id"],
        OpenLink(data["url"]),
        datetime.fromisoformat(data["expires_at"]),
    )


def _record_checkout(
    session: Session,
    order: Order,
    session_id: str,
    url: str,
    expires_at: datetime,
    now: datetime,
) -> None:
    row = PaymentEvent(
        provider=PROVIDER,
        event_id=checkout_event_id(order.code),
        event_type=CHECKOUT_EVENT,
        order_id=order.id,
        payload={"session_id": session_id, "url": url, "expires_at": expires_at.isoformat()},
        received_at=now,
        processed_at=now,
    )
    # A double tap may have recorded the same session (same idempotency key) first: it stands.
    add_unless_taken(session, row)
