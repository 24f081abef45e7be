"""Transcripts: what a chat can do is what its channel plug-in says, never its name. A channel
plug-in that says its chat can share contacts gets the share-contact button, whatever its
channel; Telegram without a plug-in saying so does not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.plugin import ChannelPlugin
from bot.plugins import capabilities_of
from bot.settings import Settings
from conversations.capabilities import ChannelCapabilities
from conversations.engine import ChatEngine
from conversations.flow import FlowRegistry
from conversations.photos import PhotoIntake
from store.models import Channel
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Clock
from tests.integration.conversations.people.conftest import TelegramChat
from tests.integration.conversations.people.test_owners_and_numbers import user_of
from tests.market_support import make_market

BUTTON = "[share your phone number]"


class ContactSharingChat(ChannelPlugin):
    """A new channel (played by the console) whose chat can share her own contact."""

    name = "contact-sharing chat"
    channel = Channel.CONSOLE
    capabilities = ChannelCapabilities(share_contact=True)

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return True


class PlainTelegram(ChannelPlugin):
    """Telegram, as a plug-in that does not offer the contact button."""

    name = "Telegram"
    channel = Channel.TELEGRAM
    capabilities = ChannelCapabilities()

    @classmethod
    def enabled(cls, settings: Settings) -> bool:
        return True


@pytest.fixture
def soko(uow_factory: UnitOfWorkFactory, registry: FlowRegistry, tmp_path: Path) -> ChatEngine:
    shop = make_market(tmp_path / "media")
    plugged = capabilities_of([ContactSharingChat, PlainTelegram])
    return ChatEngine(uow_factory, registry, replace(shop, capabilities=plugged), Clock())


@pytest.fixture
def on(
    soko: ChatEngine, uow_factory: UnitOfWorkFactory, intake: PhotoIntake
) -> Callable[[Channel, str], TelegramChat]:
    def make(channel: Channel, platform_user_id: str) -> TelegramChat:
        return TelegramChat(soko, uow_factory, intake, platform_user_id, channel=channel)

    return make


def test_a_channel_whose_plug_in_can_share_contacts_asks_with_the_button(
    on: Callable[[Channel, str], TelegramChat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = on(Channel.CONSOLE, "amina")
    amina.send("Hi")
    amina.send("1")  # English

    assert amina.send("phone") == [
        f"Share your number so we know it's you on WhatsApp too: choose the button below.\n{BUTTON}"
    ]
    assert amina.share_contact("0722 000121")[0] == ("Thanks — your number 0722 000121 is saved.")
    assert user_of(uow_factory, Channel.CONSOLE, "amina").phone == "+254722000121"


def test_telegram_without_the_capability_gets_no_button(
    on: Callable[[Channel, str], TelegramChat],
) -> None:
    wanjiku = on(Channel.TELEGRAM, "7201")
    wanjiku.send("Hi")
    wanjiku.send("1")  # English

    assert wanjiku.send("phone") == [
        "Your number can't be shared in this chat. On Telegram send /phone; on WhatsApp we know"
        " it from the number you write from."
    ]
