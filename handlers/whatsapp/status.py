"""Twilio's status callbacks → the outbox row of the message (found by its Twilio SID).

`sent`, `delivered`, `read` move the row forward (never back: callbacks can arrive out of
order). `failed` / `undelivered` carry an `ErrorCode`: a passing one (rate limits, queue
overflow) puts the row back in the queue with backoff; 63016 (the 24-hour window closed) holds
it until the person writes; anything else marks it FAILED and logs a WARNING for the operator
(`/healthz` counts failed rows). Nothing is dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.outbox import mark_failed, mark_unreachable
from handlers.whatsapp import window
from handlers.whatsapp.delivery import (
    MAX_ATTEMPTS,
    TRANSIENT_CODES,
    UNREACHABLE_CODES,
    WINDOW_CLOSED_CODES,
    backoff,
)
from store.models import Channel, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

_PROGRESS = {
    OutboxStatus.SENT: 1,
    OutboxStatus.DELIVERED: 2,
    OutboxStatus.READ: 3,
}


class StatusOutcome(StrEnum):
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    RETRY = "retry"
    HELD = "held"
    FAILED = "failed"
    UNKNOWN = "unknown"  # no row has this SID (an earlier part of a long message, say)


@dataclass(frozen=True)
class PartRef:
    """Which outbox row (and which part of it) a status callback is about."""

    outbox_id: int
    part: int

    @classmethod
    def of(cls, outbox_id: str | None, part: str | None) -> PartRef | None:
        if not (outbox_id and outbox_id.isdigit() and part and part.isdigit()):
            return None
        return cls(int(outbox_id), int(part))


def apply_status(
    session: Session, form: Mapping[str, str], now: datetime, *, part: PartRef | None = None
) -> StatusOutcome:
    sid = form.get("MessageSid", "")
    status = form.get("MessageStatus", "").lower()
    row = session.execute(
        select(OutboxMessage)
        .where(
            OutboxMessage.platform_message_id == sid,
            OutboxMessage.channel == Channel.WHATSAPP,
        )
        .with_for_update()
    ).scalar_one_or_none()
    if (row is None or not sid) and part is not None:
        return _earlier_part(session, part, status, _code(form))
    if row is None or not sid:
        return StatusOutcome.UNKNOWN
    if status in ("failed", "undelivered"):
        return _failed(session, row, _code(form), now)
    target = {
        "sent": OutboxStatus.SENT,
        "delivered": OutboxStatus.DELIVERED,
        "read": OutboxStatus.READ,
    }.get(status)
    if target is None or row.status not in _PROGRESS:
        return StatusOutcome.UNCHANGED
    if _PROGRESS[target] <= _PROGRESS[row.status]:
        return StatusOutcome.UNCHANGED
    row.status = target
    return StatusOutcome.UPDATED


def _failed(session: Session, row: OutboxMessage, code: int, now: datetime) -> StatusOutcome:
    if row.status not in _PROGRESS:  # already back in the queue, held, or failed
        return StatusOutcome.UNCHANGED
    if code in WINDOW_CLOSED_CODES:
        window.hold(session, row.id, f"twilio {code}: outside the 24-hour window")
        return StatusOutcome.HELD
    if code in TRANSIENT_CODES and row.attempts < MAX_ATTEMPTS:
        mark_failed(session, row.id, f"twilio {code}", now + backoff(row.attempts))
        return StatusOutcome.RETRY
    if code in UNREACHABLE_CODES:
        mark_unreachable(session, Channel.WHATSAPP, row.platform_user_id, now)
    mark_failed(session, row.id, f"twilio {code}: not delivered", None)
    logger.warning(
        "outbox row %s: whatsapp message NOT delivered (twilio error %s)", row.id, code or "?"
    )
    return StatusOutcome.FAILED


def _earlier_part(session: Session, part: PartRef, status: str, code: int) -> StatusOutcome:
    """A part of a long message other than the last: only its failure matters. The rest was
    sent, so sending the whole again would repeat it; the row is failed and logged instead."""
    if status not in ("failed", "undelivered"):
        return StatusOutcome.UNCHANGED
    row = session.get(OutboxMessage, part.outbox_id, with_for_update=True)
    if row is None or row.channel != Channel.WHATSAPP or row.status is OutboxStatus.FAILED:
        return StatusOutcome.UNKNOWN if row is None else StatusOutcome.UNCHANGED
    mark_failed(session, row.id, f"twilio {code}: part {part.part + 1} not delivered", None)
    logger.warning(
        "outbox row %s: part %s of a whatsapp message NOT delivered (twilio error %s)",
        row.id,
        part.part + 1,
        code or "?",
    )
    return StatusOutcome.FAILED


def _code(form: Mapping[str, str]) -> int:
    try:
        return int(form.get("ErrorCode", "") or 0)
    except ValueError:
        return 0
