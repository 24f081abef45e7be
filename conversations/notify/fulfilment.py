"""What a buyer is told as the artisans send his order, in his language."""

from __future__ import annotations

from typing import Final

from conversations.flow import StepContext
from conversations.i18n import N_, Translator
from conversations.messages import Outbound
from conversations.notify.templates import UtilityTemplate
from store.models import Order, OrderLine, OrderStatus

SHIPPED: Final = N_("Your order {code}: {title} has been shipped.")
SHIPPED_ALL: Final = N_("Everything in order {code} is on its way. Thank you for buying handmade!")


def line_shipped(ctx: StepContext, order: Order, line: OrderLine) -> None:
    """An artisan shipped her piece of the order; when it was the last one, say so too."""
    code, title, complete = order.code, line.title, order.status is OrderStatus.SHIPPED

    def message(t: Translator) -> Outbound:
        text = t._(SHIPPED).format(code=code, title=title)
        if complete:
            text += "\n" + t._(SHIPPED_ALL).format(code=code)
        return Outbound(text=text, template=UtilityTemplate.ORDER_SHIPPED)

    ctx.notify(order.buyer_user_id, message)
