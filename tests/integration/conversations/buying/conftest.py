"""Buyer transcripts run the real builtin registry on a shop paid through the demo provider,
with Telegram and WhatsApp deep links configured."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from conversations.engine import ChatEngine
from conversations.flow import FlowRegistry
from conversations.flows import builtin_registry
from conversations.photos import PhotoIntake
from conversations.shop import Shop
from payments.demo import DemoPayments
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Clock
from tests.shop_support import make_shop

BASE_URL = "https://soko.test"
BOT_USERNAME = "SokoTestBot"
WHATSAPP_NUMBER = "+14155238886"


@pytest.fixture
def registry() -> FlowRegistry:
    return builtin_registry()


@pytest.fixture
def shop(tmp_path: Path) -> Shop:
    shop = make_shop(
        tmp_path / "media",
        public_base_url=BASE_URL,
        telegram_bot_username=BOT_USERNAME,
        whatsapp_number=WHATSAPP_NUMBER,
    )
    return replace(shop, payments=DemoPayments(BASE_URL))


@pytest.fixture
def soko(
    uow_factory: UnitOfWorkFactory, intake: PhotoIntake, registry: FlowRegistry, shop: Shop
) -> ChatEngine:
    return ChatEngine(uow_factory, registry, shop, Clock())
