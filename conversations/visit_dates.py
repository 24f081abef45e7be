"""The day a community manager says she visited a workshop, read kindly from what she typed.

English or Swahili, as people write it in a chat: "today" / "leo", "yesterday" / "jana",
"3/3/2027", "2027-03-03", "3 March", "March 3rd 2027", "tarehe 3 Machi", "tarehe tatu mwezi wa
tatu" (Kenyans name a month by its number: "mwezi wa tatu" is March), with digits from any
script. Month names come from Babel (wide and abbreviated, both languages). A day with no year
is the nearest such day: "28 December" typed on 2 January is last December's (a visit has
happened), "16 March" typed on 15 March stays this year's so that she hears it has not come
yet. A year is two digits or four. Anything that is not a real day is None; whether it is in
the future is for the caller to say.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache
from typing import Final

from babel.dates import get_month_names

from store.text import ascii_digits

_TODAY: Final = frozenset({"today", "leo", "siku ya leo", "leo hii"})
_YESTERDAY: Final = frozenset({"yesterday", "jana"})
_BEFORE_YESTERDAY: Final = frozenset({"juzi", "the day before yesterday"})
_TOMORROW: Final = frozenset({"tomorrow", "kesho"})  # read, so that she hears it is too soon
_FILLER: Final = re.compile(r"\b(?:tarehe|ya|the|of|on|siku|mwaka|year)\b")
_ORDINAL: Final = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
_MONTH_OF: Final = re.compile(r"\bmwezi\s+wa\s+(\d{1,2})\b")
_NUMERIC: Final = re.compile(r"(\d{1,4})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2,4}))?")

_UNITS: Final = ("moja", "mbili", "tatu", "nne", "tano", "sita", "saba", "nane", "tisa")
_TENS: Final = (("kumi", 10), ("ishirini", 20), ("thelathini", 30))


@cache
def _swahili_numbers() -> tuple[tuple[str, int], ...]:
    """Swahili number words 1–31, longest first so "kumi na moja" is read before "kumi"."""
    words = {unit: n for n, unit in enumerate(_UNITS, start=1)}
    words["mosi"] = 1  # "tarehe mosi": the first of the month
    for tens, value in _TENS:
        words[tens] = value
        for n, unit in enumerate(_UNITS, start=1):
            if value + n <= 31:
                words[f"{tens} na {unit}"] = value + n
    return tuple(sorted(words.items(), key=lambda item: -len(item[0])))


@cache
def _month_words() -> tuple[tuple[str, int], ...]:
    names: dict[str, int] = {}
    for locale in ("en", "sw"):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    names[name.casefold().rstrip(".")] = number
    names.update({"sept": 9, "disemba": 12, "februari": 2, "agosti": 8})  # as often spelt
    return tuple(sorted(names.items(), key=lambda item: -len(item[0])))


def parse_visit_date(text: str, today: date) -> date | None:
    """The day `text` names, or None."""
    words = " ".join(ascii_digits(text).casefold().replace(",", " ").split()).strip(" .!")
    if words in _TODAY:
        return today
    if words in _YESTERDAY:
        return today - timedelta(days=1)
    if words in _BEFORE_YESTERDAY:
        return today - timedelta(days=2)
    if words in _TOMORROW:
        return today + timedelta(days=1)
    words = _numbers_as_digits(words)
    words = _MONTH_OF.sub(lambda m: f" month{m[1]} ", words)
    words = _ORDINAL.sub(r"\1", words)
    words = " ".join(_FILLER.sub(" ", words).split())
    numeric = _NUMERIC.fullmatch(words)
    if numeric:
        return _numeric(numeric, today)
    return _with_month_name(words, today)


def _numbers_as_digits(words: str) -> str:
    for word, value in _swahili_numbers():
        words = re.sub(rf"\b{word}\b", str(value), words)
    return words


def _numeric(found: re.Match[str], today: date) -> date | None:
    first, second, third = found[1], found[2], found[3]
    if len(first) == 4:  # 2027-03-03
        if third is None:
            return None
        return _day(int(first), int(second), int(third))
    if third is None:
        return _nearest(today, int(second), int(first))
    return _day(_year(third), int(second), int(first))  # day first, as in Kenya


def _with_month_name(words: str, today: date) -> date | None:
    month: int | None = None
    explicit = re.search(r"\bmonth(\d{1,2})\b", words)
    if explicit:
        month = int(explicit[1])
        words = words.replace(explicit[0], " ")
    else:
        for name, number in _month_words():
            found = re.search(rf"\b{re.escape(name)}\b\.?", words)
            if found:
                month = number
                words = words[: found.start()] + " " + words[found.end() :]
                break
    if month is None:
        return None
    numbers = re.findall(r"\d+", words)
    if re.sub(r"[\d\s]", "", words):  # words left over that say something else
        return None
    if len(numbers) == 1:
        return _nearest(today, month, int(numbers[0]))
    if len(numbers) == 2:
        day_text, year_text = sorted(numbers, key=len)
        return _day(_year(year_text), month, int(day_text))
    return None


def _year(text: str) -> int:
    """A two- or four-digit year; any other length is no year (0, which no day has)."""
    if len(text) not in (2, 4):
        return 0
    value = int(text)
    return 2000 + value if len(text) == 2 else value


def _nearest(today: date, month: int, day: int) -> date | None:
    """The day of this year or of the last, whichever is nearer to today."""
    days = [d for year in (today.year, today.year - 1) if (d := _day(year, month, day))]
    return min(days, key=lambda d: abs((d - today).days), default=None)


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
