"""Every public link the shop hands out, built in one place: the web pages of a piece, a shop
and a collection, and deep links that open the chat (Telegram `t.me/<bot>?start=…`, WhatsApp
`wa.me/<number>?text=…`).

The chat flows share these links and the web pages' "Order on …" buttons use them, so a
product shared from the chat and ordered from its page lands on the same card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

PRODUCT_START_PREFIX: Final = "p-"  # `/start p-<id>` opens the piece's card (browsing flow)


def product_start(product_id: int) -> str:
    return f"{PRODUCT_START_PREFIX}{product_id}"


def telegram_url(bot_username: str, start: str = "") -> str | None:
    """`https://t.me/<bot>?start=<start>`; None when the bot is not configured."""
    name = bot_username.strip().lstrip("@")
    if not name:
        return None
    return f"https://t.me/{name}" + (f"?start={quote(start, safe='')}" if start else "")


def whatsapp_url(number: str, text: str = "") -> str | None:
    """`https://wa.me/<digits>?text=<text>`; None when no WhatsApp number is configured."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if not digits:
        return None
    return f"https://wa.me/{digits}" + (f"?text={quote(text)}" if text else "")


@dataclass(frozen=True, slots=True)
class ChatLinks:
    """Where to open the chat on each configured channel (None: channel not configured)."""

    telegram: str | None
    whatsapp: str | None


def chat_links(bot_username: str, whatsapp_number: str, start: str = "") -> ChatLinks:
    """Deep links into the chat; with `start`, the chat begins as `/start <start>` would."""
    return ChatLinks(
        telegram=telegram_url(bot_username, start),
        whatsapp=whatsapp_url(whatsapp_number, f"/start {start}" if start else ""),
    )


def product_chat_links(bot_username: str, whatsapp_number: str, product_id: int) -> ChatLinks:
    """Links that open the chat at a piece's card, ready to add it to the cart."""
    return chat_links(bot_username, whatsapp_number, product_start(product_id))


def product_page_url(public_base_url: str, slug: str | None, product_id: int) -> str:
    """A piece's page; pieces get their slug when first sent for review, the id serves until
    then (the page redirects an id to the slug)."""
    return _page_url(public_base_url, "p", slug or str(product_id))


def artisan_page_url(public_base_url: str, slug: str) -> str:
    return _page_url(public_base_url, "a", slug)


def collection_page_url(public_base_url: str, slug: str) -> str:
    return _page_url(public_base_url, "c", slug)


def _page_url(public_base_url: str, kind: str, ref: str) -> str:
    return f"{public_base_url.rstrip('/')}/{kind}/{quote(ref, safe='')}"
