"""What people are told of a case (`store/services/cases.py`): every community manager when
a buyer reports a parcel not arrived or damaged (or adds to her report), with the choices to
close it; the buyer when it is closed. Written to the outbox in the unit of work that made
it so, each in its reader's language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from conversations import outbox
from conversations.countries import country_name
from conversations.i18n import N_, Translator
from conversations.messages import Choice, ImageRef, Outbound
from conversations.notify.delivery import community_managers
from conversations.notify.orders import ITEM
from conversations.payloads import CaseAction, CaseStep
from store.models import CaseKind, CaseOutcome, Order, OrderCase, User
from store.money import Money

OPENED = {
    CaseKind.NOT_ARRIVED: N_(
        "The buyer {name} says order {code} has not arrived: {items}, shipped to {country}."
    ),
    CaseKind.DAMAGED: N_(
        "The buyer {name} says order {code} came damaged: {items}, shipped to {country}."
    ),
}
ADDED = N_("The buyer {name} added to her report on order {code}.")
HER_WORDS = N_("Her words: “{note}”")
REFUND = N_("Refund")
RESHIP = N_("Send again")
CLOSE_WITH_NOTE = N_("Close with a note")

CLOSED = {
    CaseOutcome.NOTE: N_("About your report on order {code}, from a community manager:"),
    CaseOutcome.REFUND: N_(
        "About your report on order {code}: we are giving you back {amount}. "
        "We will tell you when the money is on its way."
    ),
    CaseOutcome.RESHIPMENT: N_(
        "About your report on order {code}: we are sending your order to you again."
    ),
}


def case_text(t: Translator, case: OrderCase, order: Order, *, newly: bool = True) -> str:
    """What a manager reads of a case: who, which order, what she said."""
    if newly:
        items = ", ".join(
            t._(ITEM).format(quantity=line.quantity, title=line.title) for line in order.lines
        )
        text = t._(OPENED[case.kind]).format(
            name=order.shipping_name,
            code=order.code,
            items=items,
            country=country_name(order.shipping_country, t.locale),
        )
    else:
        text = t._(ADDED).format(name=order.shipping_name, code=order.code)
    if case.note:
        text += "\n" + t._(HER_WORDS).format(note=case.note)
    return text


def case_choices(t: Translator, case_id: int) -> tuple[Choice, ...]:
    return (
        Choice(t._(REFUND), CaseAction(CaseStep.REFUND, case_id).encode()),
        Choice(t._(RESHIP), CaseAction(CaseStep.RESHIP, case_id).encode()),
        Choice(t._(CLOSE_WITH_NOTE), CaseAction(CaseStep.NOTE, case_id).encode()),
    )


def case_opened(session: Session, case_id: int, newly: bool, now: datetime) -> None:
    """Every community manager told, with the choices to close it."""
    case = session.get_one(OrderCase, case_id)
    order = session.get_one(Order, case.order_id)
    image = ImageRef(key=case.photo_ref) if case.photo_ref else None
    for manager in community_managers(session):
        t = Translator(manager.locale)
        told = Outbound(
            text=case_text(t, case, order, newly=newly),
            image=image,
            choices=case_choices(t, case.id),
        )
        key = f"case:{case.id}:told:{len(case.note)}:{case.photo_ref or ''}:{manager.id}"
        outbox.notify(session, manager.id, told, dedupe_key=key[:200], now=now)


def case_closed(session: Session, case_id: int, now: datetime) -> None:
    """The buyer told how her report ended, in her language."""
    case = session.get_one(OrderCase, case_id)
    if case.outcome is None:
        return
    order = session.get_one(Order, case.order_id)
    buyer = session.get_one(User, order.buyer_user_id)
    t = Translator(buyer.locale)
    amount = ""
    if case.refunded_minor is not None and case.refunded_currency:
        amount = Money(case.refunded_minor, case.refunded_currency).format(buyer.locale)
    text = t._(CLOSED[case.outcome]).format(code=order.code, amount=amount)
    if case.closing_note:
        text += "\n" + case.closing_note
    key = f"case:{case.id}:closed:{buyer.id}"
    outbox.notify(session, buyer.id, Outbound(text=text), dedupe_key=key, now=now)
