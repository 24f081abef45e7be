"""The buyer's "Received" on a shipping notice, until the delivery flow takes the tap over
(it marks the order delivered): thanked kindly, nothing changed."""

from __future__ import annotations

from typing import Final

from conversations.flow import END, FlowRegistry, StepContext, StepResult
from conversations.i18n import N_
from conversations.payloads import ParcelReceived
from store.models import Order

THANKS: Final = N_("Thank you for telling us! We are glad your parcel from order {code} arrived.")


def received(ctx: StepContext, tapped: ParcelReceived) -> StepResult | None:
    order = ctx.session.get(Order, tapped.order_id)
    if order is None or order.buyer_user_id != ctx.user.id:
        return None  # not hers: answered as a button from an earlier message
    ctx.leave()
    ctx.say(ctx._(THANKS).format(code=order.code))
    return StepResult(END)


def register(registry: FlowRegistry) -> None:
    registry.add_route(ParcelReceived, received)
