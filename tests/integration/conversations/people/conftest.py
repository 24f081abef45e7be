"""Fixtures for the people transcripts: the real builtin registry, a shop with Telegram and
WhatsApp configured, chats whose channel vouches for the sender's number as Twilio's WaId
and Telegram's own-contact share do, and the People menu's regulars: Grace the owner, Amina
who opened her shop in the chat, and the audit as `soko admin roles list --history` prints
it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy

from conversations.engine import ChatEngine
from conversations.flow import FlowRegistry
from conversations.flows import builtin_registry
from conversations.messages import Contact, Inbound
from conversations.photos import PhotoIntake
from store.models import Channel
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans_support import BOT_USERNAME, WHATSAPP_NUMBER
from tests.integration.conversations.conftest import Chat, Clock
from tests.integration.conversations.people.menu_support import (
    AMINA,
    Audit,
    history,
    owner_on_whatsapp,
    seller_on_whatsapp,
)
from tests.market_support import make_market


@dataclass
class WhatsAppChat(Chat):
    """Someone writing on WhatsApp: her platform id is her number, and Twilio vouches for it."""

    channel: Channel = Channel.WHATSAPP
    name: str = "Wanjiku"  # her WhatsApp profile name

    def inbound(self, text: str = "", **kwargs: object) -> Inbound:
        message = super().inbound(text, **kwargs)  # type: ignore[arg-type]
        return dataclasses.replace(
            message, verified_phone=self.platform_user_id, profile_name=self.name
        )


@dataclass
class TelegramChat(Chat):
    """Someone on Telegram, who may share a contact (hers, or someone else's)."""

    def share_contact(self, phone: str, *, own: bool = True) -> list[str]:
        message = dataclasses.replace(
            self.inbound(),
            contact=Contact(phone, is_own=own),
            verified_phone=phone if own else None,
        )
        return self.deliver(message)


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
        tmp_path / "media", telegram_bot_username=BOT_USERNAME, whatsapp_number=WHATSAPP_NUMBER
    )
    return ChatEngine(uow_factory, registry, shop, Clock())


@pytest.fixture
def on_whatsapp(
    soko: ChatEngine, uow_factory: UnitOfWorkFactory, intake: PhotoIntake
) -> Callable[..., WhatsAppChat]:
    def make(phone: str, name: str = "Wanjiku", locale_hint: str | None = "en") -> WhatsAppChat:
        """`locale_hint` None: as on WhatsApp, which says nothing of her language."""
        return WhatsAppChat(soko, uow_factory, intake, phone, locale_hint=locale_hint, name=name)

    return make


@pytest.fixture
def on_telegram(
    soko: ChatEngine, uow_factory: UnitOfWorkFactory, intake: PhotoIntake
) -> Callable[[str], TelegramChat]:
    def make(telegram_id: str) -> TelegramChat:
        return TelegramChat(soko, uow_factory, intake, telegram_id)

    return make


@pytest.fixture
def audit(
    engine: sqlalchemy.Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> Audit:
    """The changes made in the chat (not those ADMIN_PHONES made at start)."""

    def by_people() -> list[str]:
        lines = history(engine, monkeypatch, capsys, tmp_path)
        return [line for line in lines if not line.startswith("ADMIN_PHONES ")]

    return by_people


@pytest.fixture
def grace(on_whatsapp: Callable[..., WhatsAppChat], uow_factory: UnitOfWorkFactory) -> WhatsAppChat:
    return owner_on_whatsapp(on_whatsapp, uow_factory)


@pytest.fixture
def amina(on_whatsapp: Callable[..., WhatsAppChat]) -> WhatsAppChat:
    return seller_on_whatsapp(on_whatsapp, AMINA, "Amina Wanjiru", "Amina Beads", "Kibera")
