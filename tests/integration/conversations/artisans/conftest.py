"""Fixtures for the artisan onboarding and mentor transcripts: the real builtin registry, a
shop with Telegram and WhatsApp configured, and a Swahili-speaking mentor with a code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conversations.engine import ChatEngine
from conversations.flow import FlowRegistry
from conversations.flows import builtin_registry
from conversations.photos import PhotoIntake
from store.models import Channel
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans_support import (
    BOT_USERNAME,
    WHATSAPP_NUMBER,
    Seller,
    seed_seller,
)
from tests.integration.conversations.conftest import Chat, Clock
from tests.market_support import make_market


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
        telegram_bot_username=BOT_USERNAME,
        whatsapp_number=WHATSAPP_NUMBER,
    )
    return ChatEngine(uow_factory, registry, shop, Clock())


@pytest.fixture
def mentor(uow_factory: UnitOfWorkFactory) -> Seller:
    """Mama Amina, a mentor who speaks Swahili."""
    return seed_seller(uow_factory, "Mama Amina", locale="sw", mentor=True)


@pytest.fixture
def chat_as(new_chat: Callable[..., Chat]) -> Callable[[Seller], Chat]:
    """A chat from a seeded seller's own (console) identity."""

    def make(seller: Seller) -> Chat:
        return new_chat(seller.platform_user_id, channel=Channel.CONSOLE)

    return make
