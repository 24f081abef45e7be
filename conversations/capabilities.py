"""What a chat channel can do, so that flows and jobs ask for a capability rather than a
channel's name. Each channel plug-in (`bot/`) says what its channel can do; the shop carries
the table (`Shop.capabilities`), so a new channel is followed by every flow without a change
here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from store.models import Channel


@dataclass(frozen=True)
class ChannelCapabilities:
    # A button that shares her own number with us (Telegram's `request_contact`).
    share_contact: bool = False
    # The platform's id for the person is her phone number (WhatsApp).
    user_id_is_phone: bool = False
    # Someone to remind unasked (an abandoned cart), not a session at a screen.
    reminds: bool = False
    # A cart older than this is not worth a reminder here (None: no limit).
    reminder_max_age: timedelta | None = None
    # Messages she did not ask for go out only this long after her last message, templates
    # aside (WhatsApp's 24 hours); None: no such window.
    free_write_window: timedelta | None = None
    # Choices reach her as numbered lines she answers by typing (WhatsApp), not as buttons.
    typed_choices: bool = False
    # The longest text one message may carry, and a photo's caption (None: no limit): a
    # turn's replies are joined into as few messages as fit (`conversations.bursts`).
    max_text: int | None = None
    max_caption: int | None = None


# A channel no plug-in describes (the console, the web emulator): a session at a screen; the
# console shows choices as numbered lines she types, as WhatsApp does.
AT_A_SCREEN = ChannelCapabilities()
AT_A_TERMINAL = ChannelCapabilities(typed_choices=True)


@dataclass(frozen=True)
class Capabilities:
    """Each channel's capabilities, as the channel plug-ins registered them."""

    by_channel: Mapping[Channel, ChannelCapabilities] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def of(self, channel: Channel) -> ChannelCapabilities:
        default = AT_A_TERMINAL if channel is Channel.CONSOLE else AT_A_SCREEN
        return self.by_channel.get(channel, default)
