"""Platform-neutral messages: what a person sent (`Inbound`) and what the bot says (`Outbound`).

Adapters build an `Inbound` from a platform update and render an `Outbound` within their
platform's limits. Both serialise to JSON-safe dicts for the inbox / outbox payload columns;
an inbound's photos are there as the records of photos already processed and stored by the
adapter (`conversations.photos`), never as bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from conversations.photo_records import ReceivedPhoto, photo_from_dict, photo_to_dict
from store.models import Channel
from store.text import clean_line, clean_text

# Telegram's callback_data limit; every channel's payloads fit in it.
MAX_PAYLOAD_BYTES = 64


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float

    def to_dict(self) -> dict[str, Any]:
        return {"latitude": self.latitude, "longitude": self.longitude}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Location:
        return cls(latitude=float(data["latitude"]), longitude=float(data["longitude"]))


@dataclass(frozen=True)
class Contact:
    """A shared phone number; `is_own` is true when the sender shared their own."""

    phone: str
    is_own: bool

    def to_dict(self) -> dict[str, Any]:
        return {"phone": self.phone, "is_own": self.is_own}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contact:
        return cls(phone=str(data["phone"]), is_own=bool(data["is_own"]))


@dataclass(frozen=True)
class Inbound:
    channel: Channel
    platform_user_id: str
    platform_message_id: str
    text: str = ""
    photos: tuple[ReceivedPhoto, ...] = ()  # processed and stored before recording
    payload: str | None = None  # a tapped choice's payload (untrusted until resolved)
    location: Location | None = None
    contact: Contact | None = None
    locale_hint: str | None = None
    profile_name: str = ""
    media_group_id: str | None = None  # photos sent together as one album
    # The person sent something the shop cannot use (a voice note, video, sticker, file).
    unsupported_media: bool = False
    # The platform id of our message whose button was tapped (a reply may replace it).
    tapped_message_id: str | None = None
    # A phone number the platform vouches is the sender's (WhatsApp's sender number, an own
    # contact shared on Telegram): the engine records it as her phone (`phone_link`).
    verified_phone: str | None = None

    def cleaned(self) -> Inbound:
        """This update as it may be recorded: every text a person or a platform could put a
        NUL, a control character or an unnormalised letter in cleaned (`store.text`), the
        same way on every channel. Run by the inbox before an update is written."""

        def optional(value: str | None) -> str | None:
            return None if value is None else clean_text(value)

        return replace(
            self,
            platform_user_id=clean_text(self.platform_user_id),
            platform_message_id=clean_text(self.platform_message_id),
            text=clean_text(self.text),
            payload=optional(self.payload),
            contact=(
                None
                if self.contact is None
                else Contact(clean_text(self.contact.phone), self.contact.is_own)
            ),
            locale_hint=optional(self.locale_hint),
            profile_name=clean_line(self.profile_name),
            media_group_id=optional(self.media_group_id),
            tapped_message_id=optional(self.tapped_message_id),
            verified_phone=optional(self.verified_phone),
        )

    def content_dict(self) -> dict[str, Any]:
        """The JSON-safe payload column (photos as their stored records)."""
        return {
            "text": self.text,
            "photos": [photo_to_dict(photo) for photo in self.photos],
            "payload": self.payload,
            "location": self.location.to_dict() if self.location else None,
            "contact": self.contact.to_dict() if self.contact else None,
            "locale_hint": self.locale_hint,
            "profile_name": self.profile_name,
            "media_group_id": self.media_group_id,
            "unsupported_media": self.unsupported_media,
            "tapped_message_id": self.tapped_message_id,
            "verified_phone": self.verified_phone,
        }

    @classmethod
    def from_content_dict(
        cls,
        *,
        channel: Channel,
        platform_user_id: str,
        platform_message_id: str,
        content: dict[str, Any],
    ) -> Inbound:
        location = content.get("location")
        contact = content.get("contact")
        return cls(
            channel=channel,
            platform_user_id=platform_user_id,
            platform_message_id=platform_message_id,
            text=str(content.get("text") or ""),
            photos=tuple(photo_from_dict(photo) for photo in content.get("photos") or ()),
            payload=content.get("payload"),
            location=Location.from_dict(location) if location else None,
            contact=Contact.from_dict(contact) if contact else None,
            locale_hint=content.get("locale_hint"),
            profile_name=str(content.get("profile_name") or ""),
            media_group_id=content.get("media_group_id"),
            unsupported_media=bool(content.get("unsupported_media", False)),
            tapped_message_id=content.get("tapped_message_id"),
            verified_phone=content.get("verified_phone"),
        )


@dataclass(frozen=True)
class ImageRef:
    """An image to show: a key in the media store, or an absolute URL."""

    key: str = ""
    url: str = ""

    def __post_init__(self) -> None:
        if bool(self.key) == bool(self.url):
            raise ValueError("an ImageRef has exactly one of key or url")

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key} if self.key else {"url": self.url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageRef:
        return cls(key=str(data.get("key", "")), url=str(data.get("url", "")))


class TapWord(StrEnum):
    """What a button means, and what a typed word means where buttons were offered."""

    YES = "yes"
    NO = "no"
    DONE = "done"
    SKIP = "skip"


@dataclass(frozen=True)
class Choice:
    """An answer the person can tap, type by number, or type by label.

    `means`: the button is this question's yes, no, done or skip, whatever its label says
    ("Use the pin" is the yes after a shared pin): the words of that meaning typed in either
    language pick it (`conversations.choices`). Without it, the label's first word decides.

    `number`: the number she types for it, where it has a fixed one (a main menu entry:
    `conversations.flow.MenuGroup`); without it, its place in the list (`numbered`)."""

    label: str
    payload: str
    means: TapWord | None = None
    number: int | None = None

    def __post_init__(self) -> None:
        if not self.label.strip():
            raise ValueError("a choice needs a label")
        if not self.payload or len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"a choice payload is 1 to {MAX_PAYLOAD_BYTES} bytes")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"label": self.label, "payload": self.payload}
        if self.means is not None:
            data["means"] = self.means.value
        if self.number is not None:
            data["number"] = self.number
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Choice:
        means = data.get("means")
        number = data.get("number")
        return cls(
            str(data["label"]),
            str(data["payload"]),
            TapWord(means) if means else None,
            int(number) if number is not None else None,
        )


def numbered(choices: Sequence[Choice]) -> list[tuple[int, Choice]]:
    """Each choice with the number she types for it: its own, else its place (from 1)."""
    return [
        (choice.number if choice.number is not None else n, choice)
        for n, choice in enumerate(choices, start=1)
    ]


@dataclass(frozen=True)
class LinkButton:
    label: str
    url: str


@dataclass(frozen=True)
class InvoicePrice:
    """One priced part of an invoice, in minor units of the invoice's currency."""

    label: str
    amount: int


@dataclass(frozen=True)
class Invoice:
    """A native in-chat invoice (Telegram's sendInvoice); channels without one never get it."""

    title: str
    description: str
    payload: str
    currency: str
    prices: tuple[InvoicePrice, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "payload": self.payload,
            "currency": self.currency,
            "prices": [{"label": p.label, "amount": p.amount} for p in self.prices],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Invoice:
        return cls(
            title=str(data["title"]),
            description=str(data["description"]),
            payload=str(data["payload"]),
            currency=str(data["currency"]),
            prices=tuple(InvoicePrice(str(p["label"]), int(p["amount"])) for p in data["prices"]),
        )


@dataclass(frozen=True)
class Outbound:
    text: str
    image: ImageRef | None = None
    choices: tuple[Choice, ...] = ()
    links: tuple[LinkButton, ...] = ()
    request_contact: bool = False
    # A notification that may go out as this approved utility template when the recipient's
    # channel allows nothing else (WhatsApp outside its 24-hour window); "" = none.
    template: str = ""
    invoice: Invoice | None = None
    # The platform id of an earlier message of ours that this one should replace (a list's
    # next page in the message whose "More" was tapped). Channels that can edit a message
    # edit that one; the others, or when editing fails, send this as a new message.
    replaces: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "image": self.image.to_dict() if self.image else None,
            "choices": [choice.to_dict() for choice in self.choices],
            "links": [{"label": link.label, "url": link.url} for link in self.links],
            "request_contact": self.request_contact,
        }
        if self.template:
            data["template"] = self.template
        if self.invoice is not None:
            data["invoice"] = self.invoice.to_dict()
        if self.replaces:
            data["replaces"] = self.replaces
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outbound:
        image = data.get("image")
        invoice = data.get("invoice")
        return cls(
            text=str(data.get("text", "")),
            image=ImageRef.from_dict(image) if image else None,
            choices=tuple(Choice.from_dict(c) for c in data.get("choices", ())),
            links=tuple(LinkButton(b["label"], b["url"]) for b in data.get("links", ())),
            request_contact=bool(data.get("request_contact", False)),
            template=str(data.get("template", "")),
            invoice=Invoice.from_dict(invoice) if invoice else None,
            replaces=str(data.get("replaces", "")),
        )
