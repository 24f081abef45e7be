"""The failure policy: what the engine does when handling an update raises.

- A store rule said no (`store.errors.StoreError`): the person gets a kind explanation and
  the update is handled (the engine's `_refuse`).
- A transient error — the database busy or locked, a serialization failure, a deadlock, a
  lock timeout, her state saved by someone else meanwhile (`StaleState`) — says nothing about
  the update: it is tried again at once a few times (`QUICK_RETRIES`), then left pending with
  a due time (`backoff`) for the sweep. Her later messages wait behind it while it is due
  soon (`WAIT_BEHIND`); a later message finding it due later has it tried again first. After
  `inbox.MAX_ATTEMPTS` tries it is treated as a bug.
- Anything else is a bug: retrying it would fail the same way and keep her waiting. She is
  answered at once (`start_again`: her flow reset, the menu shown), the row is parked as
  failed for an operator (`soko admin failed`), community managers are alerted
  (`conversations.notify.failures`), and her next message is handled normally.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from conversations import replies
from conversations.errors import SettleInSavepoint, StaleState
from conversations.flow import END, FlowRegistry, StepContext
from store.db import is_connection_lost, is_database_busy

logger = logging.getLogger(__name__)

# Seconds slept before each immediate retry of a transient failure, in the worker's thread.
QUICK_RETRIES: Final = (0.05, 0.25)
# Then the row waits this long before the sweep takes it, doubling each time, up to the cap.
BACKOFF_FIRST: Final = timedelta(seconds=30)
BACKOFF_CAP: Final = timedelta(minutes=8)
# A later message of hers waits behind a row that is due within this; one due later is tried
# again at once instead (she is writing: better now than after a long wait).
WAIT_BEHIND: Final = timedelta(minutes=1)

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available (lock timeout).


def is_transient(exc: BaseException) -> bool:
    """Whether trying the same update again later may well succeed."""
    return (
        isinstance(exc, StaleState | SettleInSavepoint)
        or is_database_busy(exc)
        or is_connection_lost(exc)
    )


def backoff(attempts: int) -> timedelta:
    """How long a row waits after its `attempts`th transient failure."""
    return min(BACKOFF_FIRST * (1 << max(attempts - 1, 0)), BACKOFF_CAP)


def retry_due(now: datetime, attempts: int) -> datetime:
    return now + backoff(attempts)


def start_again(ctx: StepContext) -> None:
    """After a bug: leave her flow (keeping what it keeps on leaving, e.g. a listing draft),
    apologise and show the menu. The menu is shown in a savepoint: should it fail too, she
    still gets the apology and a state with no flow, where any message shows the menu."""
    try:
        ctx.leave()
    except Exception as exc:  # what the flow keeps cannot be worked out: keep nothing new
        logger.error("leaving the flow failed after a failed update: %s", type(exc).__name__)
        ctx.flow, ctx.step, ctx.data = "", "", {}
    ctx.offered = ()
    ctx.say(ctx._(replies.SORRY_START_AGAIN))
    said = len(ctx.replies)
    session: Session = ctx.session
    try:
        with session.begin_nested():
            started = ctx.begin(FlowRegistry.MENU)
            if started.next is END:
                ctx.flow, ctx.step, ctx.data = "", "", {}
            else:
                ctx.step = started.next.value
    except Exception as exc:  # the menu itself is broken: the apology stands alone
        logger.error("menu failed after a failed update: %s", type(exc).__name__)
        del ctx.replies[said:]
        ctx.flow, ctx.step, ctx.data, ctx.offered = "", "", {}, ()
