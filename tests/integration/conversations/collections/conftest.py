"""Shop and review transcripts: the real builtin registry, a shop whose mentor threshold is
low enough to reach in a test, and product links on a known base URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.engine import ChatEngine
from conversations.flow import FlowRegistry
from conversations.flows import builtin_registry
from conversations.photos import PhotoIntake
from store.services.referrals import MentorThreshold, QualificationRules
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Clock
from tests.market_support import make_market

BASE_URL = "https://soko.test"


@pytest.fixture
def registry() -> FlowRegistry:
    return builtin_registry()


@pytest.fixture
def soko(
    uow_factory: UnitOfWorkFactory,
    intake: PhotoIntake,
    registry: FlowRegistry,
    tmp_path: Path,
) -> ChatEngine:
    shop = make_market(
        tmp_path / "media",
        public_base_url=BASE_URL,
        qualification=QualificationRules(min_approved_listings=3, min_fulfilled_orders=1),
        mentor_threshold=MentorThreshold(min_fulfilled_orders=2),
    )
    return ChatEngine(uow_factory, registry, shop, Clock())
