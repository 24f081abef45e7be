"""Buyer transcripts run the real builtin registry on a shop paid through the demo provider,
with Telegram and WhatsApp deep links configured."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from conversations.engine import ChatEngine
from conversations.flow import FlowRegistry
from conversations.flows import builtin_registry
from conversations.marketplace import Marketplace
from conversations.photos import PhotoIntake
from payments.demo import DemoPayments
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Clock
from tests.market_support import make_market

BASE_URL = "https://soko.test"
BOT_USERNAME = "SokoTestBot"
WHATSAPP_NUMBER = "+14155238886"


@pytest.fixture
def registry() -> FlowRegistry:
    return builtin_registry()


@pytest.fixture
def market(tmp_path: Path) -> Marketplace:
    market = make_market(
        tmp_path / "media",
        public_base_url=BASE_URL,
        telegram_bot_username=BOT_USERNAME,
        whatsapp_number=WHATSAPP_NUMBER,
    )
    return replace(market, payments=DemoPayments(BASE_URL))


@pytest.fixture
def soko(
    uow_factory: UnitOfWorkFactory, intake: PhotoIntake, registry: FlowRegistry, market: Marketplace
) -> ChatEngine:
    return ChatEngine(uow_factory, registry, market, Clock())
