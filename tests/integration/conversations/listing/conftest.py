"""The listing transcripts run on the real builtin registry (no test flows in the menu), with
the transaction guard on: no photo pipeline and no S3 call inside a transaction."""

from __future__ import annotations

import pytest

from conversations.flow import FlowRegistry
from conversations.flows import builtin_registry
from tests.transaction_guard import TransactionGuard


@pytest.fixture(autouse=True)
def guarded(no_io_in_transactions: TransactionGuard) -> TransactionGuard:
    return no_io_in_transactions


@pytest.fixture
def registry() -> FlowRegistry:
    return builtin_registry()
