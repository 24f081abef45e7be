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

A notice may also read words (`FlowRegistry.add_notice_words`: the suspension notice reads
her appeal): on any channel, her plain words sent as her next message after such a notice,
on the same terms, are handed to the dispatcher with the notice's buttons
(`notice_taking_words`), which gives them to the button's reader unless they are a number,
a global word, a choice or a menu entry's name (`dispatch`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.choices import is_choice_number, resolve_choice
from conversations.flow import FlowRegistry
from conversations.messages import Choice, Inbound
from conversations.state import ConversationSnapshot
from store.models import OutboxMessage, User

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
    if not offered and state.flow and is_choice_number(text):
        return inbound  # her question asks her to type (how many, a price): a number is hers
    return resolve_choice(inbound, last_notice(session, user_id, offered, state))


def notice_taking_words(
    session: Session,
    user: User,
    inbound: Inbound,
    offered: tuple[Choice, ...],
    state: ConversationSnapshot,
    registry: FlowRegistry,
) -> tuple[Choice, ...]:
    """The buttons of the notice her words answer: the last message she was sent, newer than
    her question, with a button whose kind reads words; () otherwise. Only read for someone
    such a notice may be sent to, and never while her question asks her to type (her words
    are its answer)."""
    if inbound.payload is not None or inbound.photos or not inbound.text.strip():
        return ()
    if (not offered and state.flow) or not registry.may_read_notice_words(user):
        return ()
    buttons = last_notice(session, user.id, offered, state)
    if any(registry.notice_words(button.payload) for button in buttons):
        return buttons
    return ()


def last_notice(
    session: Session, user_id: int, offered: tuple[Choice, ...], state: ConversationSnapshot
) -> tuple[Choice, ...]:
    """The buttons of the last message she was sent, when it is a notice newer than her
    question with buttons her question did not offer; () otherwise."""
    last = session.execute(
        select(OutboxMessage.payload, OutboxMessage.created_at)
        .where(OutboxMessage.user_id == user_id)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return ()
    asked_at = state.data.get("asked_at")
    if offered and asked_at and last.created_at <= datetime.fromisoformat(asked_at):
        return ()  # her question came after it
    choices = tuple(Choice.from_dict(choice) for choice in last.payload.get("choices", ()))
    asked = {choice.payload for choice in offered}
    if not choices or all(choice.payload in asked for choice in choices):
        return ()  # her question's own buttons (or none): read as usual
    return choices
