"""When a person may be written to without being asked: WhatsApp's 24-hour window.

A business may write freely on WhatsApp for 24 hours after the person's last message
(`Identity.last_inbound_at`); after that only approved templates go out. Telegram and the
other channels have no such window. The WhatsApp adapter holds what may not go out; jobs that
write on their own initiative (an abandoned-cart nudge) ask here first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from store.models import Channel, Identity

WHATSAPP_WINDOW = timedelta(hours=24)
# Sending at 23:59:59 races the platform's own clock; leave a little room.
SAFETY_MARGIN = timedelta(minutes=2)


def whatsapp_window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    return last_inbound_at is not None and now < last_inbound_at + WHATSAPP_WINDOW - SAFETY_MARGIN


def may_write_freely(identity: Identity, now: datetime) -> bool:
    """True when a message that is not a template may reach this identity now."""
    if identity.unreachable_at is not None:
        return False
    if identity.channel is Channel.WHATSAPP:
        return whatsapp_window_open(identity.last_inbound_at, now)
    return True
