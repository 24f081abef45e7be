"""A typed answer to the buttons of a notice (a new order, a listing to review).

A notice's buttons are not her conversation's question: tapped, they carry their payload to
the route of its kind. On WhatsApp they are numbered lines (or a template without buttons),
so she answers by typing "1" or the label. The last message she was sent is what such an
answer means: when it is a notice whose buttons her question did not offer, a number or a
label naming one of them is that button, taken like a tap on it. Anything else is read as
usual, against her question.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.choices import resolve_choice
from conversations.messages import Choice, Inbound
from store.models import OutboxMessage


def answer_to_notice(
    session: Session, user_id: int, inbound: Inbound, offered: tuple[Choice, ...]
) -> Inbound:
    """`inbound` as a tap on the last notice's button it names, else unchanged."""
    if inbound.payload is not None or not inbound.text.strip():
        return inbound
    last = session.scalars(
        select(OutboxMessage.payload)
        .where(OutboxMessage.user_id == user_id)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    choices = tuple(Choice.from_dict(choice) for choice in (last or {}).get("choices", ()))
    asked = {choice.payload for choice in offered}
    if not choices or all(choice.payload in asked for choice in choices):
        return inbound  # her question's own buttons (or none): read as usual
    return resolve_choice(inbound, choices)
