"""Telegram `Update` → the platform-neutral `Inbound`.

Photos are fetched separately (`photos.py`): `read_update` says which file to fetch; the
message is recorded awaiting it (`handlers.awaiting_media`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Message, PhotoSize, Update

from conversations.messages import Contact, Inbound, Location
from handlers.telegram.invoices import PaymentReceived
from handlers.telegram.payloads import tapped_payload
from store.models import Channel

# getFile refuses files over 20 MB on Telegram's servers.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class PhotoToFetch:
    file_id: str
    file_size: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_size": self.file_size}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PhotoToFetch:
        size = data.get("file_size")
        return cls(str(data["file_id"]), int(size) if size is not None else None)


@dataclass(frozen=True)
class Incoming:
    """What one update carries, before its photo (if any) is downloaded."""

    update_id: int
    inbound: Inbound
    photo: PhotoToFetch | None = None
    photo_too_large: bool = False
    callback_query_id: str | None = None
    payment: PaymentReceived | None = None  # a successful_payment: completed, not chatted


def platform_id(bot_id: str, update_id: int) -> str:
    """The inbox key of an update: update ids are unique per bot."""
    return f"{bot_id}:{update_id}"


def read_update(update: Update, bot_id: str) -> Incoming | None:
    """The `Incoming` of a private message, a button tap or a payment; None for anything else
    (group chats, edited messages, channel posts, pre-checkout queries, which `invoices`
    answers): the bot only talks one to one."""
    query = update.callback_query
    if query is not None:
        user = query.from_user
        inbound = Inbound(
            channel=Channel.TELEGRAM,
            platform_user_id=str(user.id),
            platform_message_id=platform_id(bot_id, update.update_id),
            payload=tapped_payload(query.data),
            locale_hint=user.language_code,
            profile_name=user.full_name,
            # The message that carried the keyboard (even one too old to read, whose id
            # Telegram still sends): a page turn may be shown in it.
            tapped_message_id=str(query.message.message_id) if query.message else None,
        )
        return Incoming(update.update_id, inbound, callback_query_id=query.id)
    message = update.message
    if message is None or message.chat.type != "private" or message.from_user is None:
        return None
    user = message.from_user
    if message.successful_payment is not None:
        inbound = Inbound(Channel.TELEGRAM, str(user.id), platform_id(bot_id, update.update_id))
        payment = PaymentReceived.of(user.id, message.successful_payment)
        return Incoming(update.update_id, inbound, payment=payment)
    photo, too_large = _photo_of(message)
    contact = _contact_of(message)
    inbound = Inbound(
        channel=Channel.TELEGRAM,
        platform_user_id=str(user.id),
        platform_message_id=platform_id(bot_id, update.update_id),
        text=message.text or message.caption or "",
        location=_location_of(message),
        contact=contact,
        locale_hint=user.language_code,
        profile_name=user.full_name,
        media_group_id=message.media_group_id,
        unsupported_media=photo is None and not too_large and _has_unusable_media(message),
        # Telegram vouches for the number of a contact the sender shares as her own.
        verified_phone=contact.phone if contact is not None and contact.is_own else None,
    )
    return Incoming(update.update_id, inbound, photo=photo, photo_too_large=too_large)


def _has_unusable_media(message: Message) -> bool:
    """A voice note, audio, video, sticker or non-image file: nothing the shop can read."""
    return any(
        (
            message.voice,
            message.audio,
            message.video,
            message.video_note,
            message.sticker,
            message.animation,
            message.document,
        )
    )


def _photo_of(message: Message) -> tuple[PhotoToFetch | None, bool]:
    """The largest size we may download; (None, True) when every size is over the limit."""
    if message.photo:
        return _largest_fetchable(message.photo)
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        if document.file_size is not None and document.file_size > MAX_DOWNLOAD_BYTES:
            return None, True
        return PhotoToFetch(document.file_id, document.file_size), False
    return None, False


def _largest_fetchable(sizes: tuple[PhotoSize, ...]) -> tuple[PhotoToFetch | None, bool]:
    fitting = [s for s in sizes if s.file_size is None or s.file_size <= MAX_DOWNLOAD_BYTES]
    if not fitting:
        return None, True
    best = max(fitting, key=lambda s: (s.width * s.height, s.file_size or 0))
    return PhotoToFetch(best.file_id, best.file_size), False


def _location_of(message: Message) -> Location | None:
    if message.location is None:
        return None
    return Location(message.location.latitude, message.location.longitude)


def _contact_of(message: Message) -> Contact | None:
    contact = message.contact
    if contact is None or message.from_user is None:
        return None
    phone = contact.phone_number.strip().replace(" ", "")
    if not phone.startswith("+"):
        phone = "+" + phone  # Telegram sends international numbers without the plus
    return Contact(phone=phone, is_own=contact.user_id == message.from_user.id)
