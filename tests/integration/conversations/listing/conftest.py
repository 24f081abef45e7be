"""The listing transcripts run on the real builtin registry (no test flows in the menu)."""

from __future__ import annotations

import pytest

from conversations.flow import FlowRegistry
from conversations.flows import builtin_registry


@pytest.fixture
def registry() -> FlowRegistry:
    return builtin_registry()
