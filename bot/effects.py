"""Wiring the effect runner (`store/effect_runner.py`): the kinds of effect this shop has
(Stripe's when STRIPE_SECRET_KEY is set, M-Pesa's when MPESA_CONSUMER_KEY is) with what the
chat says about their results, and the runner `soko run` and `soko scheduler` keep going.
Commands that record an effect and end at once (`soko admin refund`) run it themselves
(`run_due_effects`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot import mpesa_wiring
from bot.container import Container
from bot.stripe_wiring import stripe_payments
from conversations.notify import payments as payment_notices
from payments.stripe_effects import stripe_effect_kinds
from store.effect_runner import EffectKind, EffectRunner
from store.models import Order
from store.models.types import utcnow
from store.payment_port import Checkout, OpenLink

logger = logging.getLogger(__name__)


def _link_ready(session: Session, order: Order, checkout: Checkout, now: datetime) -> None:
    link = checkout.action
    if isinstance(link, OpenLink):  # what a Checkout Session is
        payment_notices.checkout_ready(session, order, link.url, checkout.reference, now)


def effect_kinds(
    container: Container, *, clock: Callable[[], datetime] = utcnow
) -> list[EffectKind]:
    kinds = mpesa_wiring.effect_kinds(container)
    stripe = stripe_payments(container)
    if stripe is None:
        return kinds
    return kinds + stripe_effect_kinds(
        stripe, link_ready=_link_ready, link_failed=payment_notices.checkout_failed, clock=clock
    )


def effect_runner(container: Container, *, clock: Callable[[], datetime] = utcnow) -> EffectRunner:
    return EffectRunner(container.uow_factory, effect_kinds(container, clock=clock), clock)


async def run_effects(container: Container, stop: asyncio.Event) -> None:
    """Run effects until `stop` (nothing to run without a provider that records them)."""
    runner = effect_runner(container)
    if not runner.kinds:
        await stop.wait()
        return
    logger.info("effects: runner started (%s)", ", ".join(sorted(runner.kinds)))
    await runner.run(stop)


def run_due_effects(container: Container, since: datetime) -> int:
    """Run what is due now, in this thread, for a command that recorded effects since `since`;
    those a running runner took are waited for (`EffectRunner.run_recorded`)."""
    return effect_runner(container).run_recorded(since)
