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


def apply_status(session: Session, form: Mapping[str, str], now: datetime) -> StatusOutcome:
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


def _code(form: Mapping[str, str]) -> int:
    try:
        return int(form.get("ErrorCode", "") or 0)
    except ValueError:
        return 0
