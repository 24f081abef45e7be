"""Twilio's WhatsApp webhook form → the engine's `Inbound`.

Fields used: `MessageSid` (the update's id), `WaId` (the sender's number without "+": the
person's identity, kept as E.164 ``+<WaId>`` so it matches phones known elsewhere, and her
verified phone), `From`
(fallback for the number), `ProfileName`, `Body`, `ButtonPayload` / `ButtonText` (a quick
reply), `ListId` (a list-picker row), `Latitude` / `Longitude` (a shared location),
`NumMedia` / `MediaUrlN` / `MediaContentTypeN` (photos, downloaded later by `processing`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conversations.messages import MAX_PAYLOAD_BYTES, Inbound, Location
from store.models import Channel

MAX_MEDIA_PER_MESSAGE = 10  # Twilio's own limit
_SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")
_DIGITS = re.compile(r"\d{6,15}")


class MalformedUpdate(ValueError):
    """A signed request that is not an incoming WhatsApp message we can record."""

    def __init__(self, field: str) -> None:
        super().__init__(f"missing or malformed field {field}")
        self.field = field


@dataclass(frozen=True)
class MediaItem:
    url: str
    content_type: str

    def to_dict(self) -> dict[str, str]:
        return {"url": self.url, "content_type": self.content_type}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MediaItem:
        return cls(url=str(data["url"]), content_type=str(data.get("content_type", "")))


@dataclass(frozen=True)
class WhatsAppUpdate:
    """One incoming WhatsApp message, its photos still on Twilio."""

    message_sid: str
    phone: str  # E.164
    inbound: Inbound  # without photos
    media: tuple[MediaItem, ...]  # the images only; other media are ignored
    skipped_media: int  # voice notes, documents, videos: not something the shop can use


def parse_update(form: Mapping[str, str]) -> WhatsAppUpdate:
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    if not _SID.fullmatch(sid):
        raise MalformedUpdate("MessageSid")
    phone = _phone(form)
    images, skipped = _media(form)
    text = form.get("Body", "")
    inbound = Inbound(
        channel=Channel.WHATSAPP,
        platform_user_id=phone,
        platform_message_id=sid,
        text=text,
        payload=_payload(form),
        location=_location(form),
        profile_name=form.get("ProfileName", "").strip()[:120],
        unsupported_media=skipped > 0 and not images,
        verified_phone=phone,  # Twilio says she writes from it
    )
    return WhatsAppUpdate(sid, phone, inbound, images, skipped)


def _phone(form: Mapping[str, str]) -> str:
    wa_id = form.get("WaId", "").strip().removeprefix("+")
    if not wa_id:  # older payloads: From is "whatsapp:+2547…"
        wa_id = form.get("From", "").removeprefix("whatsapp:").strip().removeprefix("+")
    if not _DIGITS.fullmatch(wa_id):
        raise MalformedUpdate("WaId")
    return f"+{wa_id}"


def _payload(form: Mapping[str, str]) -> str | None:
    # A tapped quick reply carries the choice's id as ButtonPayload; a list row as ListId.
    payload = form.get("ButtonPayload") or form.get("ListId") or ""
    if not payload or len(payload.encode()) > MAX_PAYLOAD_BYTES:
        return None  # untrusted anyway; an oversized one cannot be a choice we offered
    return payload


def _location(form: Mapping[str, str]) -> Location | None:
    try:
        latitude, longitude = float(form["Latitude"]), float(form["Longitude"])
    except (KeyError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return Location(latitude=latitude, longitude=longitude)


def _media(form: Mapping[str, str]) -> tuple[tuple[MediaItem, ...], int]:
    try:
        count = int(form.get("NumMedia", "0") or 0)
    except ValueError:
        raise MalformedUpdate("NumMedia") from None
    images: list[MediaItem] = []
    skipped = 0
    for n in range(min(max(count, 0), MAX_MEDIA_PER_MESSAGE)):
        url = form.get(f"MediaUrl{n}", "")
        content_type = form.get(f"MediaContentType{n}", "").lower()
        if url and content_type.startswith("image/"):
            images.append(MediaItem(url, content_type))
        else:
            skipped += 1
    return tuple(images), skipped
