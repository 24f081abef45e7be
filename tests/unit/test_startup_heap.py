"""`soko run` freezes what startup built, so full collections walk only what serving makes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.serving import freeze_startup_objects


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_startup_objects_leave_the_collectors_generations(unfrozen_afterwards: None) -> None:
    gc.unfreeze()
    built_at_startup = [{"a": [n]} for n in range(1000)]
    tracked_before = len(gc.get_objects())
    freeze_startup_objects()
    assert gc.get_freeze_count() >= 1000
    assert len(gc.get_objects()) < tracked_before - 1000
    assert all(gc.is_tracked(item) for item in built_at_startup)  # kept, just not walked
