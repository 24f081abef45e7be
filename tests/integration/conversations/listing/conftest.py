"""The listing transcripts run on the real builtin registry (no test flows in the menu), with
the transaction guard on (`tests/tx_guard.py`): no photo pipeline and no S3 call inside one."""

from __future__ import annotations

import pytest

from conversations.flow import FlowRegistry
from conversations.flows import builtin_registry
from tests.tx_guard import no_network_in_transactions

__all__ = ["no_network_in_transactions"]


@pytest.fixture(autouse=True)
def _guarded(no_network_in_transactions: object) -> None:
    """Listing a piece never runs the pipeline nor calls S3 while a transaction is open."""


@pytest.fixture
def registry() -> FlowRegistry:
    return builtin_registry()
