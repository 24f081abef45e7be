"""What a chat channel can do, so that flows ask for a capability rather than a channel's
name (a new channel then says what it can do here, and every flow follows)."""

from __future__ import annotations

from store.models import Channel

# A button that sends the person's own contact (Telegram's `request_contact` keyboard button).
_CONTACT_BUTTON = frozenset({Channel.TELEGRAM})


def can_request_contact(channel: Channel) -> bool:
    """The chat can show a button that shares her own number with us."""
    return channel in _CONTACT_BUTTON
