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
from store.prices import PriceRejected, RejectReason, parse_price
from store.text import ascii_digits, clean_line

# Every currency sign ("₹", "₦"), Unicode's category Sc: another currency's is refused as
# such, not left in the name. Written out rather than found among all 1.1 million code points
# at import, which cost every `soko` process 0.1 s of CPU; a unit test checks it is the whole
# category of this Python's Unicode.
_SIGNS: Final = (
    "$\xa2\xa3\xa4\xa5\u058f\u060b\u07fe\u07ff\u09f2\u09f3\u09fb\u0af1\u0bf9\u0e3f\u17db"
    "\u20a0\u20a1\u20a2\u20a3\u20a4\u20a5\u20a6\u20a7\u20a8\u20a9\u20aa\u20ab\u20ac\u20ad"
    "\u20ae\u20af\u20b0\u20b1\u20b2\u20b3\u20b4\u20b5\u20b6\u20b7\u20b8\u20b9\u20ba\u20bb"
    "\u20bc\u20bd\u20be\u20bf\u20c0\ua838\ufdfc\ufe69\uff04\uffe0\uffe1\uffe5\uffe6"
    "\U00011fdd\U00011fde\U00011fdf\U00011fe0\U0001e2ff\U0001ecb0"
)
# Words for money around a price, ours and others' (another currency is refused as such),
# also glued to the number ("ksh1500", "1500bob"): bounded by what is not a letter.
_MONEY_WORDS: Final = (
    r"(?:(?<![^\W\d_])(?:bei|price|ksh|kshs|kes|sh|shs|shilingi|shillings?|bob|only|tu|usd|eur"
    rf"|gbp|tsh|tshs|ush|dollars?|dola|euros?)(?![^\W\d_])|[{re.escape(_SIGNS)}@])"
)
# The last number, with the money words, signs and "/=" that may stand around it.
_PRICE: Final = re.compile(
    rf"(?:{_MONEY_WORDS}\.?\s*(?:[:=]\s*)?)*"  # one way to read spaces: no backtracking storm
    r"-?\d(?:\d|[ ,.](?=\d))*(?:\s*k\b)?"
    r"(?:\s*/[=-])?"
    rf"(?:\s*{_MONEY_WORDS}\.?)*"
    r"(?!.*\d)",
    re.IGNORECASE | re.DOTALL,
)
_JOINERS: Final = " \t,;:-–—/=.|"
# What a price taken out of brackets leaves: "Mkufu (1500)".
_EMPTY_BRACKETS: Final = re.compile(r"\(\s*\)|\[\s*\]")
# A digit just before the price, maybe with one sign between: "١٬٥٠٠", "1'500". The number
# is split by a sign we don't read; its last group alone is no price.
_SPLIT_NUMBER: Final = re.compile(r"\d\S?$")
# How far before her last digit a price may begin ("Shilingi elfu: 1,500,000/="): the price
# is looked for there only, so a long line costs no more than a short one.
_REACH: Final = 40


@dataclass(frozen=True)
class Caption:
    """What a line says: the name (may be empty) and the price (None when it names none)."""

    title: str
    price: Money | PriceRejected | None


def read_caption(text: str, currency: str, *, max_minor: int) -> Caption:
    line = clean_line(text)
    digits = ascii_digits(line)  # the same length: positions hold in `line`
    last = max(map(digits.rfind, "0123456789"))
    found = _PRICE.search(digits, max(0, last - _REACH)) if last >= 0 else None
    if found is None:
        return Caption(_trimmed(line), None)
    start = found.start()
    if _SPLIT_NUMBER.search(digits[:start]):  # the number's head is no part of the name
        start -= len(digits[:start].split()[-1])
        title = _trimmed(line[:start] + " " + line[found.end() :])
        return Caption(title, PriceRejected(RejectReason.NOT_A_NUMBER, line))
    title = _trimmed(line[:start] + " " + line[found.end() :])
    return Caption(title, parse_price(found.group(), currency, max_minor=max_minor))


def _trimmed(text: str) -> str:
    return " ".join(_EMPTY_BRACKETS.sub(" ", text).split()).strip(_JOINERS)
