"""Fixtures for the end-to-end tests that run `soko` as processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.operator_env import Fakes, running_fakes


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    """The fake Telegram and Twilio, served for a shop run as a process (no Stripe)."""
    with running_fakes(with_stripe=False) as fakes:
        yield fakes
