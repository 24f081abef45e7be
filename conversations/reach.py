"""When a person may be written to without being asked, e.g. inside WhatsApp's 24-hour window.

Where a channel has such a window (`ChannelCapabilities.free_write_window`), a business may
write freely for that long after the person's last message (`Identity.last_inbound_at`);
after that only approved templates go out. The channel's adapter holds what may not go out;
jobs that write on their own initiative (an abandoned-cart nudge) ask here first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from conversations.capabilities import ChannelCapabilities
from store.models import Identity

# Sending at 23:59:59 races the platform's own clock; leave a little room.
SAFETY_MARGIN = timedelta(minutes=2)


def window_open(last_inbound_at: datetime | None, now: datetime, window: timedelta) -> bool:
    return last_inbound_at is not None and now < last_inbound_at + window - SAFETY_MARGIN


def may_write_freely(identity: Identity, now: datetime, can: ChannelCapabilities) -> bool:
    """True when a message that is not a template may reach this identity now."""
    if identity.unreachable_at is not None:
        return False
    if can.free_write_window is not None:
        return window_open(identity.last_inbound_at, now, can.free_write_window)
    return True
