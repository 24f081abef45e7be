"""`POST /webhooks/stripe`: verify, record once, answer, then apply.

The body is read within a cap and a deadline (`handlers.bodies`: 413 or 408), then its
signature is checked on the raw body by the stripe library (300 s tolerance) before anything
else; a missing, wrong or stale signature, or a body that is not an event, gets 400 and
writes nothing. A verified event is recorded (unique on its id) and Stripe gets 200 at
once; the event is applied afterwards in a worker thread, in its own unit of work. A second
delivery finds the row and stops. If applying fails, the row stays unprocessed and a
reconcile replays it (the scheduler's `reconcile_stripe` job, or `soko admin reconcile`):
Stripe is not asked to retry, the event is safely ours.

Without a signing secret no event can be verified: `unverifiable_webhook_route` answers every
call 503, and Stripe keeps the event and sends it again later (for up to three days).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

import stripe
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from handlers.bodies import read_body
from payments.stripe_checkout import StripePayments
from payments.stripe_events import handle_recorded, record_event
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
# Stripe's events are a few kilobytes (objects are not expanded in them); this leaves room.
MAX_BODY_BYTES = 1024 * 1024


def stripe_webhook_routes(
    uow_factory: UnitOfWorkFactory,
    payments: StripePayments,
    webhook_secret: str,
    clock: Callable[[], datetime],
    on_refused: Callable[[], None] = lambda: None,
) -> list[Route]:
    """`on_refused` is told of each call refused for its signature (metrics)."""

    def record(event: dict[str, object]) -> int | None:
        with uow_factory() as uow:
            row_id = record_event(uow.session, event, clock())
            uow.commit()
        return row_id

    def apply(row_id: int) -> None:
        try:
            handle_recorded(uow_factory, row_id, clock())
        except Exception:
            logger.exception("Stripe event row %s not applied; reconcile replays it", row_id)

    async def webhook(request: Request) -> Response:
        body = await read_body(request, MAX_BODY_BYTES)
        signature = request.headers.get("stripe-signature")
        try:
            payments.client.construct_event(body, signature, webhook_secret, TOLERANCE_SECONDS)
            event = json.loads(body)
        except stripe.SignatureVerificationError:
            on_refused()
            return JSONResponse({"error": "invalid signature or payload"}, status_code=400)
        except ValueError:
            return JSONResponse({"error": "invalid signature or payload"}, status_code=400)
        if not isinstance(event, dict) or "id" not in event or "data" not in event:
            return JSONResponse({"error": "not an event"}, status_code=400)
        row_id = await run_in_threadpool(record, event)
        if row_id is None:
            return JSONResponse({"received": True, "duplicate": True})
        return JSONResponse({"received": True}, background=BackgroundTask(apply, row_id))

    return [Route("/webhooks/stripe", webhook, methods=["POST"], name="stripe_webhook")]


def unverifiable_webhook_route() -> Route:
    """`POST /webhooks/stripe` when Stripe is configured without the endpoint's signing
    secret: 503 (and a warning) for every call, nothing recorded."""

    async def webhook(request: Request) -> Response:
        logger.warning("stripe webhook: no signing secret to verify the event: answered 503")
        return JSONResponse({"error": "webhook not configured"}, status_code=503)

    return Route("/webhooks/stripe", webhook, methods=["POST"], name="stripe_webhook")
