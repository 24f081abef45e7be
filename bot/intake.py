"""The photo intake every channel adapter runs before recording a message (pipeline + store)."""

from __future__ import annotations

from bot.container import Container
from conversations.photos import PhotoIntake


def photo_intake(container: Container) -> PhotoIntake:
    """Photos processed and stored into this shop's media store, within its photo limits."""
    return PhotoIntake(container.media_store, container.photo_limits)
