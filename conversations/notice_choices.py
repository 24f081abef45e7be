"""A typed answer to the buttons of a notice (a new order, a listing to review).

A notice's buttons are not her conversation's question: tapped, they carry their payload to
the route of its kind. On WhatsApp (and the console) they are numbered lines, or a template
without buttons, so she answers by typing "1" or the label. The last message she was sent is
what such an answer means: when it is a notice whose buttons her question did not offer, a
number or a label naming one of them is that button, taken like a tap on it. Anything else is
read as usual, against her question. A notice queued before her question was asked (its
reply may still be held in a batch, not yet in the outbox) is older than the question: not
answered. Nor is a number typed while her question asks her to type something (how many,
a price): that is her answer; the notice's label still takes its button.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.choices import is_choice_number, resolve_choice
from conversations.messages import Choice, Inbound
from conversations.state import ConversationSnapshot
from store.models import OutboxMessage

# A number or a button's label; anything longer answers her question (no lookup).
LONGEST_ANSWER: Final = 40


def answer_to_notice(
    session: Session,
    user_id: int,
    inbound: Inbound,
    offered: tuple[Choice, ...],
    state: ConversationSnapshot,
    *,
    typed_choices: bool,
) -> Inbound:
    """`inbound` as a tap on the last notice's button it names, else unchanged. Only where
    choices are typed (`ChannelCapabilities.typed_choices`): elsewhere buttons are tapped and
    carry their payload."""
    text = inbound.text.strip()
    if not typed_choices or inbound.payload is not None or inbound.photos:
        return inbound
    if not text or len(text) > LONGEST_ANSWER:
        return inbound
    last = session.execute(
        select(OutboxMessage.payload, OutboxMessage.created_at)
        .where(OutboxMessage.user_id == user_id)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return inbound
    asked_at = state.data.get("asked_at")
    if offered and asked_at and last.created_at <= datetime.fromisoformat(asked_at):
        return inbound  # her question came after it
    if not offered and state.flow and is_choice_number(text):
        return inbound  # her question asks her to type (how many, a price): a number is hers
    choices = tuple(Choice.from_dict(choice) for choice in last.payload.get("choices", ()))
    asked = {choice.payload for choice in offered}
    if not choices or all(choice.payload in asked for choice in choices):
        return inbound  # her question's own buttons (or none): read as usual
    return resolve_choice(inbound, choices)
