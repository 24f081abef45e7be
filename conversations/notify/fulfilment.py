"""What a buyer is told as the artisans send his order, in his language."""

from __future__ import annotations

from typing import Final

from conversations.flow import StepContext
from conversations.i18n import N_, Translator
from conversations.messages import Choice, Outbound
from conversations.notify.templates import UtilityTemplate
from conversations.payloads import ParcelReceived, ReportParcel
from store.models import CaseKind, Order, OrderLine, OrderStatus, Parcel
from store.tracking import link_for

SHIPPED: Final = N_("Your order {code}: {title} has been shipped.")
SHIPPED_ALL: Final = N_("Everything in order {code} is on its way. Thank you for buying handmade!")
PARCEL_SHIPPED: Final = N_("Your parcel from order {code} is on its way: {titles}.")
TRACK_WITH_LINK: Final = N_("{carrier} tracking number: {number}\nFollow it here: {link}")
TRACK_NUMBER: Final = N_("{carrier} tracking number: {number}")
TELL_RECEIVED: Final = N_("When it arrives, or if something is wrong, let us know:")
RECEIVED: Final = N_("Received")
NOT_ARRIVED: Final = N_("Not arrived")  # as the report flow words them
DAMAGED: Final = N_("Damaged")
DELAYED: Final = N_(
    "Your order {code}: {title} needs a little more work before it leaves. "
    "We will tell you when it is on its way."
)


def line_shipped(ctx: StepContext, order: Order, line: OrderLine) -> None:
    """An artisan shipped her piece of the order; when it was the last one, say so too."""
    code, title, complete = order.code, line.title, order.status is OrderStatus.SHIPPED

    def message(t: Translator) -> Outbound:
        text = t._(SHIPPED).format(code=code, title=title)
        if complete:
            text += "\n" + t._(SHIPPED_ALL).format(code=code)
        return Outbound(text=text, template=UtilityTemplate.ORDER_SHIPPED)

    ctx.notify(order.buyer_user_id, message)


def parcel_shipped(ctx: StepContext, order: Order, parcel: Parcel, lines: list[OrderLine]) -> None:
    """Her parcel left (from the hub, or from the artisan with a number): what is in it, the
    carrier's number with a link to follow it where we know the carrier's page, and a
    "Received" button for when it arrives and "Not arrived" / "Damaged" to report it."""
    code, complete = order.code, order.status is OrderStatus.SHIPPED
    titles = ", ".join(line.title for line in lines)
    carrier, number = parcel.carrier, parcel.tracking_number
    link = link_for(carrier, number)

    def message(t: Translator) -> Outbound:
        text = [t._(PARCEL_SHIPPED).format(code=code, titles=titles)]
        if link is not None:
            text.append(t._(TRACK_WITH_LINK).format(carrier=carrier, number=number, link=link))
        else:
            text.append(t._(TRACK_NUMBER).format(carrier=carrier, number=number))
        if complete:
            text.append(t._(SHIPPED_ALL).format(code=code))
        text.append(t._(TELL_RECEIVED))
        return Outbound(
            text="\n".join(text),
            choices=(
                Choice(t._(RECEIVED), ParcelReceived(order.id).encode()),
                Choice(t._(NOT_ARRIVED), ReportParcel(CaseKind.NOT_ARRIVED, order.id).encode()),
                Choice(t._(DAMAGED), ReportParcel(CaseKind.DAMAGED, order.id).encode()),
            ),
            template=UtilityTemplate.ORDER_SHIPPED,
        )

    ctx.notify(order.buyer_user_id, message)


def line_delayed(ctx: StepContext, order: Order, line: OrderLine) -> None:
    """A piece was given back to its artisan at the hub: the buyer hears of a delay."""
    code, title = order.code, line.title
    ctx.notify(
        order.buyer_user_id, lambda t: Outbound(text=t._(DELAYED).format(code=code, title=title))
    )
