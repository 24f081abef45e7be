"""Text as people type it, made safe to keep and to show.

`clean_text` is applied at the edge to everything a person sends, on every channel, before it
is recorded (`conversations.messages.Inbound.cleaned`): NUL and the other control characters
are removed (PostgreSQL text cannot hold NUL; the rest only confuse), newlines and tabs kept,
and the text NFC-normalised so that "é" typed two ways is one word. `clean_line` and
`clean_display` are for what is shown to other people under her name (her name, shop name,
place, a piece's title, her story): the bidi controls that can make "Amina" read as anything
are removed too. `read_int` reads a number typed with any Unicode digits (Arabic-Indic,
Devanagari, full-width) and refuses everything else, "²" included, without raising.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# The most characters of one message kept (a Telegram message holds 4096; WhatsApp 1600).
MAX_MESSAGE_CHARS: Final = 4096

_KEPT_CONTROLS: Final = frozenset("\n\t")
# Explicit embeddings and overrides, isolates, and the directional marks (LRM, RLM, ALM).
BIDI_CONTROLS: Final = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")


def clean_text(text: str, *, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` without control characters but newline and tab, without unpaired surrogates,
    NFC-normalised, and cut at `limit` characters. Idempotent."""
    unified = _LINE_BREAKS.sub("\n", text)
    kept = "".join(ch for ch in unified if _is_kept(ch))
    normalised = unicodedata.normalize("NFC", kept)
    # A cut can leave a combining mark that NFC would join differently: normalise once more.
    return unicodedata.normalize("NFC", normalised[:limit])


def clean_display(text: str) -> str:
    """Several lines shown under her name (her story, a description): `clean_text` without
    bidi controls, trimmed."""
    return "".join(ch for ch in clean_text(text) if ch not in BIDI_CONTROLS).strip()


def clean_line(text: str) -> str:
    """One line shown under her name (her name, shop name, place, a title): `clean_display`
    with every run of whitespace, newlines included, as one space."""
    return " ".join(clean_display(text).split())


def read_int(text: str) -> int | None:
    """A whole number typed with any one script's decimal digits ("12", "١٢", "१२", "１２"),
    spaces around it allowed; None for anything else ("²", "1.5", "", "-3")."""
    stripped = text.strip()
    if not stripped or len(stripped) > 18:
        return None
    try:
        return int("".join(str(unicodedata.decimal(ch)) for ch in stripped))
    except (TypeError, ValueError):
        return None


def ascii_digits(text: str) -> str:
    """`text` with every Unicode decimal digit written as its ASCII digit."""
    return "".join(_ascii_digit(ch) for ch in text)


def _ascii_digit(ch: str) -> str:
    if ch.isascii():
        return ch
    value = unicodedata.decimal(ch, None)
    return ch if value is None else str(value)


def _is_kept(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch in _KEPT_CONTROLS
    return category != "Cs"
