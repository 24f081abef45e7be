"""`Outbound` → Telegram sends, within Telegram's limits.

Plain text (no parse mode), so nothing a person typed (a shop name, a story) can break the
markup or need escaping. Text is split at 4096 characters on paragraph, line or word
boundaries; a photo's caption holds at most 1024 and the rest follows as messages. The
keyboard rides on the last message: choices as an inline keyboard (their payloads as
`callback_data`), links as URL buttons; when the bot asks for the person's number, a reply
keyboard with the share-contact button (and the choices as typed answers, which the engine
resolves by label — Telegram allows one keyboard per message). An invoice goes last, as
sendInvoice (its own Pay button).

An outbound that `replaces` the message whose button was tapped (a list's next page) is an
edit of that message when it renders as one text or one photo with an inline keyboard
(editMessageText / editMessageMedia); anything else is sent as new messages.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from conversations.i18n import N_, Translator
from conversations.messages import ImageRef, Invoice, Outbound
from handlers.telegram.payloads import encode_payload

MAX_TEXT = 4096
MAX_CAPTION = 1024

SHARE_CONTACT_LABEL: Final = N_("📱 Share my number")

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


class PreparedInlineKeyboard(InlineKeyboardMarkup):
    """An inline keyboard that builds its Bot API form once. Renderings are cached and sent
    over and over, and PTB would otherwise rebuild the same nested dict on every send (about
    a tenth of a menu update's cost). PTB only JSON-encodes what `to_dict` returns."""

    __slots__ = ("_as_dict",)

    def __init__(self, inline_keyboard: list[list[InlineKeyboardButton]]) -> None:
        super().__init__(inline_keyboard)
        with self._unfrozen():
            self._as_dict = super().to_dict()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        return self._as_dict if recursive else super().to_dict(recursive)


class SendKind(StrEnum):
    MESSAGE = "message"
    PHOTO = "photo"
    INVOICE = "invoice"


@dataclass(frozen=True)
class Send:
    """One Bot API call: sendMessage (text), sendPhoto (image, text as caption) or
    sendInvoice."""

    kind: SendKind
    text: str
    reply_markup: Markup | None = None
    image: ImageRef | None = None
    invoice: Invoice | None = None


@dataclass(frozen=True)
class Edit:
    """Show `send` in message `message_id` instead: editMessageText for a text,
    editMessageMedia (the photo and its caption) for a photo."""

    message_id: int
    send: Send


def render_edit(outbound: Outbound, sends: list[Send]) -> Edit | None:
    """The edit that shows `outbound` (rendered as `sends`) in place of the message it
    `replaces`; None when it has to be sent: nothing to replace, more than one message, an
    invoice, or a reply keyboard (only inline keyboards survive an edit)."""
    if not outbound.replaces.isdigit() or len(sends) != 1:
        return None
    send = sends[0]
    if send.kind is SendKind.INVOICE or isinstance(send.reply_markup, ReplyKeyboardMarkup):
        return None
    return Edit(int(outbound.replaces), send)


def render(outbound: Outbound, locale: str = "en") -> list[Send]:
    return list(_render(outbound, locale))


# The same few replies (a menu, a question with its choices) go out over and over; PTB's
# keyboard objects are immutable once built, so one rendering serves every send of a reply.
@functools.lru_cache(maxsize=1024)
def _render(outbound: Outbound, locale: str) -> tuple[Send, ...]:
    text = outbound.text
    markup = _markup(outbound, locale)
    if outbound.request_contact and outbound.links:
        text += "".join(f"\n{link.label}: {link.url}" for link in outbound.links)
    sends: list[Send] = []
    if outbound.image is not None:
        caption, text = split_first(text, MAX_CAPTION)
        sends.append(Send(SendKind.PHOTO, caption, image=outbound.image))
    sends.extend(Send(SendKind.MESSAGE, part) for part in split_text(text, MAX_TEXT))
    if not sends and (markup is not None or outbound.invoice is None):
        sends.append(Send(SendKind.MESSAGE, "…"))  # Telegram refuses empty messages
    if markup is not None:
        last = sends[-1]
        sends[-1] = Send(last.kind, last.text, markup, last.image)
    if outbound.invoice is not None:  # last, so its Pay button is what the buyer sees
        sends.append(Send(SendKind.INVOICE, "", invoice=outbound.invoice))
    return tuple(sends)


def _markup(outbound: Outbound, locale: str) -> Markup | None:
    if outbound.request_contact:
        label = Translator(locale)._(SHARE_CONTACT_LABEL)
        rows = [[KeyboardButton(label, request_contact=True)]]
        rows += [[KeyboardButton(choice.label)] for choice in outbound.choices]
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    buttons = [
        [InlineKeyboardButton(choice.label, callback_data=encode_payload(choice.payload))]
        for choice in outbound.choices
    ]
    buttons += [[InlineKeyboardButton(link.label, url=link.url)] for link in outbound.links]
    return PreparedInlineKeyboard(buttons) if buttons else None


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at the last paragraph, line or word break."""
    parts = []
    rest = text.strip()
    while rest:
        head, rest = split_first(rest, limit)
        if head:
            parts.append(head)
    return parts


def split_first(text: str, limit: int) -> tuple[str, str]:
    """(a head of at most `limit` characters, the rest), cut at the best break available.
    Telegram counts characters in UTF-16 units: an emoji beyond the first plane is two."""
    text = text.strip()
    fits = _fitting(text, limit)
    if fits == len(text):
        return text, ""
    window = text[: fits + 1]
    for separator in ("\n\n", "\n", " "):
        cut = window.rfind(separator)
        if cut > fits // 2:
            return text[:cut].rstrip(), text[cut:].strip()
    return text[:fits], text[fits:].strip()


def _fitting(text: str, limit: int) -> int:
    """How many of `text`'s characters fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)
