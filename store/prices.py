"""Read a price the way artisans type it in a chat: "1,500", "ksh1500", "1.5k", "Sh. 1500/=".

``parse_price`` never raises on user text: it returns ``Money`` or a ``PriceRejected``
whose ``reason`` lets the conversation answer kindly. The conversation echoes the
result ("Ksh 1,500 — right?"), so the parser may be liberal, but it refuses anything
it would have to guess at.

Rules (Kenyan usage: comma or space groups thousands, dot marks decimals):

* The text holds exactly one number; currency words and signs may stand before or
  after it: the ISO code and Babel's symbols for the currency, and for KES also
  "ksh", "kshs", "sh", "shs", "bob", "shilingi", "shilling(s)". "/=" and "/-" (East
  African "no cents") and other punctuation are ignored. A few filler words ("bei",
  "price", "ni", "tu", "only") are allowed; any other word rejects as not_a_number.
* Another currency's code, name or symbol ("USD 20", "$20", "20 dollars", "Tsh 500")
  rejects as wrong_currency.
* Groups after the first are exactly three digits: "1,500", "1 500" (NBSP and narrow
  NBSP too), "12,500,000". "1,50,0", "1,5" and mixed grouping reject as not_a_number.
* One dot after the digits is a decimal point ("1,500.50", "1500.5"), with one
  exception: a plain "1.500" (one dot, exactly three digits after it, nothing else)
  reads as 1500 when the currency has fewer than three minor digits — KES 1.50 is no
  price for jewelry, and phone keypads often offer "." but not ",". "1.500.000" is
  dot-grouped thousands by the same rule; "1.2.3" rejects as not_a_number.
* A "k" after the number multiplies by 1000: "1.5k", "2K", "1.25k". The number before
  it must be plain digits with at most a decimal point ("1,500k" rejects).
* A minus sign before the number rejects as negative; zero as zero; more decimals than
  the currency's minor unit as too_many_decimals; above ``max_minor`` as too_large.
* Digits of any script are read as their ASCII digits: "١٥٠٠", "१५००" and "１５００" are 1500.
* Swahili number words ("elfu moja na mia tano") are not parsed: they reject as
  not_a_number, so the conversation can ask for digits ("andika kwa tarakimu, mfano 1500").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from babel.numbers import get_currency_symbol, is_currency

from store.money import Money, currency_exponent
from store.text import ascii_digits


class RejectReason(StrEnum):
    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    ZERO = "zero"
    NEGATIVE = "negative"
    TOO_LARGE = "too_large"
    TOO_MANY_DECIMALS = "too_many_decimals"
    WRONG_CURRENCY = "wrong_currency"


@dataclass(frozen=True, slots=True)
class PriceRejected:
    reason: RejectReason
    text: str


_LOCAL_WORDS = {"KES": {"ksh", "kshs", "sh", "shs", "bob", "shilingi", "shilling", "shillings"}}
_FILLER_WORDS = {"bei", "price", "ni", "tu", "only"}
# Beside these: other currencies' codes, symbols and local words (e.g. "ksh" when pricing in USD).
_FOREIGN_WORDS = {
    *(word for words in _LOCAL_WORDS.values() for word in words),
    "dollar", "dollars", "dola", "euro", "euros", "pound", "pounds", "pauni",
    "tsh", "tshs", "ush", "ushs",
}  # fmt: skip
_SYMBOL_LOCALES = ("en", "en_KE", "sw_KE")

# Digits, with single separators allowed only between digits.
_NUMBER = re.compile(r"[0-9](?:[0-9]|[ ,.](?=[0-9]))*")
_TOKEN = re.compile(r"[^\W_]+|[^\w\s]")
_K_SUFFIX = re.compile(r"\s*k(?![^\W\d_])")
_GROUPED = re.compile(r"[0-9]{1,3}(?:(?P<sep>[, .])[0-9]{3})(?:(?P=sep)[0-9]{3})*")
_PLAIN = re.compile(r"(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]+))?")
_DOT_THOUSANDS = re.compile(r"[0-9]{1,3}\.[0-9]{3}")
_MINUS = ("-", "\N{MINUS SIGN}")


@cache
def _own_tokens(currency: str) -> frozenset[str]:
    tokens = {currency.casefold(), *_LOCAL_WORDS.get(currency, set())}
    for locale in _SYMBOL_LOCALES:
        tokens.update(_TOKEN.findall(get_currency_symbol(currency, locale).casefold()))
    return frozenset(tokens)


def parse_price(text: str, currency: str = "KES", *, max_minor: int) -> Money | PriceRejected:
    """Parse ``text`` as a price in ``currency`` (see the module docstring for the rules)."""
    exponent = currency_exponent(currency)  # an unknown currency is a programming error

    def reject(reason: RejectReason) -> PriceRejected:
        return PriceRejected(reason, text)

    # Any script's digits are read as the digits they are ("١٥٠٠" is 1500).
    normalized = ascii_digits(unicodedata.normalize("NFKC", text)).casefold().strip()
    if not normalized:
        return reject(RejectReason.EMPTY)
    numbers = list(_NUMBER.finditer(normalized))
    if len(numbers) != 1:
        return reject(RejectReason.NOT_A_NUMBER)
    number = numbers[0]
    before, after = normalized[: number.start()], normalized[number.end() :]

    k_suffix = _K_SUFFIX.match(after)
    if k_suffix:
        after = after[k_suffix.end() :]
    # ".5" or ",500": a separator that is not an abbreviation dot ("ksh.1500").
    if before[-1:] in {".", ","} and not before[:-1][-1:].isalpha():
        return reject(RejectReason.NOT_A_NUMBER)
    words_verdict = _check_words(before + " " + after, currency)
    if words_verdict:
        return reject(words_verdict)

    digits = _split_number(number.group(), exponent, k_suffix=bool(k_suffix))
    if digits is None:
        return reject(RejectReason.NOT_A_NUMBER)
    whole, fraction = digits
    if any(sign in before for sign in _MINUS):
        return reject(RejectReason.NEGATIVE)
    whole, fraction = whole.lstrip("0"), fraction.rstrip("0")
    if not whole and not fraction:
        return reject(RejectReason.ZERO)
    shift = 3 if k_suffix else 0
    if len(fraction) > exponent + shift:
        return reject(RejectReason.TOO_MANY_DECIMALS)
    # Decided from the digit count before any int() so a huge number costs nothing:
    # the value is at least 10 ** (len(whole) - 1 + shift + exponent) minor units.
    if whole and len(whole) - 1 + shift + exponent >= len(str(max_minor)):
        return reject(RejectReason.TOO_LARGE)
    minor = int(whole + fraction.ljust(exponent + shift, "0"))
    if minor > max_minor:
        return reject(RejectReason.TOO_LARGE)
    return Money(minor, currency)


def _check_words(rest: str, currency: str) -> RejectReason | None:
    own = _own_tokens(currency)
    verdict = None
    for token in _TOKEN.findall(rest):
        if token in own or token in _FILLER_WORDS:
            continue
        if (
            token in _FOREIGN_WORDS
            or unicodedata.category(token[0]) == "Sc"
            or (len(token) == 3 and is_currency(token.upper()))
        ):
            return RejectReason.WRONG_CURRENCY
        if token[0].isalnum():
            verdict = RejectReason.NOT_A_NUMBER
    return verdict


def _split_number(number: str, exponent: int, *, k_suffix: bool) -> tuple[str, str] | None:
    """Whole and fraction digits of a ``_NUMBER`` match, or None if it is malformed."""
    if k_suffix:
        plain = _PLAIN.fullmatch(number)
        return (plain["whole"], plain["fraction"] or "") if plain else None
    if number.count(".") > 1 or (exponent < 3 and _DOT_THOUSANDS.fullmatch(number)):
        whole, fraction = number, ""  # the dots group thousands (see the module docstring)
    else:
        whole, _, fraction = number.partition(".")
    if fraction and not fraction.isdigit():
        return None
    if whole.isdigit():
        return whole, fraction
    if _GROUPED.fullmatch(whole):
        return re.sub(r"[ ,.]", "", whole), fraction
    return None
