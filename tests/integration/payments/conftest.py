"""Payments never call out while a database transaction is open (`tests/tx_guard.py`)."""

from __future__ import annotations

import pytest

from tests.tx_guard import no_network_in_transactions

__all__ = ["no_network_in_transactions"]


@pytest.fixture(autouse=True)
def _guarded(no_network_in_transactions: object) -> None:
    """Every test here runs under the guard."""
