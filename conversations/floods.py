"""Floods: one person sending many messages at once (a stuck key, ten words in a row, an app
sending again what it thought was lost) is answered once for the burst, not once a message.

Every message is still recorded and handled, in order: her words, taps and photos all count,
and nothing she sent is lost. What changes is the answer. Her first `FloodLimit.messages`
messages within `FloodLimit.window` are answered as usual; after that, each message's
answer is queued a window late and replaces the answers of the burst still waiting, so what
reaches her is the answer to her latest message (where she is now), once the burst is over.
An answer that carries a link or an invoice (a payment link) is never held nor replaced:
it is sent at once, and replaces what the burst held before it. Notifications to other
people are never touched.

The counting is in this process's memory (`FloodWatch`): it is a kindness to her phone and
to the channel's sending limits, not a security boundary, so several web workers each
counting their share is fine.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import cast

from sqlalchemy import Table, bindparam, delete
from sqlalchemy.orm import Session

from conversations.messages import Outbound
from store.models import Channel, OutboxMessage, OutboxStatus

BURST_KEY_PREFIX = "burst:"
_FORGET_AFTER = 10_000  # people tracked before the quiet ones are forgotten
_OPERATORS_TOOLS = frozenset({Channel.CONSOLE, Channel.WEB})


@dataclass(frozen=True)
class FloodLimit:
    messages: int = 3  # answered one by one within `window`; the rest of a burst once
    window: timedelta = timedelta(seconds=1)


class Pace(Enum):
    QUIET = "quiet"
    AFTER_BURST = "after_burst"  # not a burst, but a burst's answer may still be held
    BURST = "burst"


class FloodWatch:
    """When each person's recent messages were handled, and which were a burst's, to tell a
    burst from a conversation. Thread-safe: WhatsApp messages are handled on a pool of
    threads."""

    def __init__(self, limit: FloodLimit) -> None:
        self.limit = limit
        self._seen: dict[tuple[Channel, str], deque[tuple[datetime, bool]]] = {}
        self._lock = threading.Lock()

    def pace(self, channel: Channel, platform_user_id: str, now: datetime) -> Pace:
        """Count this message: a burst's when she already sent `messages` within the window.
        Never on the terminal and the web emulator: they are the operator's own tools, and a
        script pasted into them is not a flood."""
        if channel in _OPERATORS_TOOLS:
            return Pace.QUIET
        since = now - self.limit.window
        with self._lock:
            if len(self._seen) > _FORGET_AFTER:
                self._forget_quiet(since)
            seen = self._seen.setdefault((channel, platform_user_id), deque())
            while seen and seen[0][0] <= since:
                seen.popleft()
            flooding = len(seen) >= self.limit.messages
            held = any(was_burst for _, was_burst in seen)
            seen.append((now, flooding))
        if flooding:
            return Pace.BURST
        return Pace.AFTER_BURST if held else Pace.QUIET

    def _forget_quiet(self, since: datetime) -> None:
        quiet = [who for who, seen in self._seen.items() if not seen or seen[-1][0] <= since]
        for who in quiet:
            del self._seen[who]


def carries_payment(outbound: Outbound) -> bool:
    """A link or an invoice: never held back, never replaced."""
    return bool(outbound.links) or outbound.invoice is not None


def burst_key(inbox_id: int, n: int) -> str:
    return f"{BURST_KEY_PREFIX}{inbox_id}:{n}"


_OUTBOX = cast(Table, OutboxMessage.__table__)
# Her burst's answers still waiting. A row a sender has claimed has its time pushed a lease
# (a minute) ahead, past `latest`: it is being sent, and is left alone.
_DROP_HELD = delete(_OUTBOX).where(
    _OUTBOX.c.channel == bindparam("channel"),
    _OUTBOX.c.platform_user_id == bindparam("platform_user_id"),
    _OUTBOX.c.status == OutboxStatus.PENDING,
    _OUTBOX.c.attempts == 0,
    _OUTBOX.c.dedupe_key.startswith(BURST_KEY_PREFIX, autoescape=True),
    _OUTBOX.c.next_attempt_at > bindparam("now"),
    _OUTBOX.c.next_attempt_at <= bindparam("latest"),
)


def drop_held_answers(
    session: Session, channel: Channel, platform_user_id: str, now: datetime, window: timedelta
) -> None:
    """Her burst's answers not sent yet: replaced by the answer to her latest message."""
    session.execute(
        _DROP_HELD,
        {
            "channel": channel,
            "platform_user_id": platform_user_id,
            "now": now,
            "latest": now + window,
        },
    )
