"""Domain events: a service says what happened (an order paid, a refund sent) and the
handlers subscribed to it act on it in the same unit of work — on the same session, before
the commit — so a change and its consequences (the notices people get) are written together
or not at all.

The package that publishes an event does not know who listens: `bot/domain_events.py`
subscribes the conversation side's handlers (so `payments/` never imports the chat's
notices). An event nobody listens to is logged: a process that forgot to subscribe would
otherwise drop its notices without a word.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

E = TypeVar("E")
Handler = Callable[[Session, Any, datetime], None]

_handlers: dict[type, list[Handler]] = {}
_lock = threading.Lock()


def subscribe(event_type: type[E], handler: Callable[[Session, E, datetime], None]) -> None:
    """Call `handler` for each `event_type` published (once, however often subscribed)."""
    with _lock:
        found = _handlers.setdefault(event_type, [])
        if handler not in found:
            found.append(handler)


def publish(
    session: Session, event: object, now: datetime, *, may_go_unheard: bool = False
) -> None:
    """Tell every handler of this event's type, in the caller's unit of work. An event that
    only some configurations act on (`may_go_unheard`) is not logged when nobody listens."""
    with _lock:
        handlers = list(_handlers.get(type(event), ()))
    if not handlers and not may_go_unheard:
        logger.warning("domain event %s: nobody subscribed to it", type(event).__name__)
    for handler in handlers:
        handler(session, event, now)
