"""A piece's name and price read from one line, as artisans caption a photo or answer the
name question: "Mkufu wa shaba, Sh. 1,500/=", "Bangili 800", "hereni za shanga bei 1200".

The price is the last number in the line with the currency words, "bei" / "price" and the
"/=" around it (any script's digits: "Mkufu ١٥٠٠"); what stays, without the commas and
dashes that joined them, is the name. The price words go to `store.prices.parse_price`, so a
price typed wrongly is refused for the same reasons, and kindly, as when it is typed alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from store.money import Money
from store.prices import PriceRejected, parse_price
from store.text import ascii_digits, clean_line

# Words for money around a price, ours and others' (another currency is refused as such).
_MONEY_WORDS: Final = (
    r"(?:\b(?:bei|price|ksh|kshs|kes|sh|shs|shilingi|bob|only|tu|usd|eur|gbp|tsh|tshs|ush"
    r"|dollars?|dola|euros?)\b|[$€£@])"
)
# The last number, with the money words, signs and "/=" that may stand around it.
_PRICE: Final = re.compile(
    rf"(?:{_MONEY_WORDS}\.?\s*[:=]?\s*)*"
    r"-?\d(?:\d|[ ,.](?=\d))*(?:\s*k\b)?"
    r"(?:\s*/[=-])?"
    rf"(?:\s*{_MONEY_WORDS}\.?)*"
    r"(?!.*\d)",
    re.IGNORECASE | re.DOTALL,
)
_JOINERS: Final = " \t,;:-–—/=.|"


@dataclass(frozen=True)
class Caption:
    """What a line says: the name (may be empty) and the price (None when it names none)."""

    title: str
    price: Money | PriceRejected | None


def read_caption(text: str, currency: str, *, max_minor: int) -> Caption:
    line = clean_line(text)
    found = _PRICE.search(ascii_digits(line))  # the same length: positions hold in `line`
    if found is None:
        return Caption(_trimmed(line), None)
    title = _trimmed(line[: found.start()] + " " + line[found.end() :])
    return Caption(title, parse_price(found.group(), currency, max_minor=max_minor))


def _trimmed(text: str) -> str:
    return " ".join(text.split()).strip(_JOINERS)
