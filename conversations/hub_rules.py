"""How a shop's pieces reach buyers (`FULFILMENT_MODE`) and, in hub mode, where and when
artisans bring them: the hub's address, its opening hours (shown in her language: day names
from CLDR), and how many days she has to bring an accepted piece."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_day_names

from store.money import babel_locale

DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PERIOD = re.compile(
    r"(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<opens>\d{1,2}:\d{2})\s*-\s*(?P<closes>\d{1,2}:\d{2})"
)
HOURS_RULE: Final = 'days and hours such as "Mon-Fri 09:00-17:00; Sat 09:00-13:00"'


class FulfilmentMode(StrEnum):
    HUB = "hub"  # artisans bring pieces to the hub; managers check and ship them
    DIRECT = "direct"  # each artisan ships her pieces to the buyer herself


@dataclass(frozen=True, slots=True)
class OpeningHours:
    first_day: int  # 0 = Monday
    last_day: int
    opens: time
    closes: time


def parse_hours(text: str) -> tuple[OpeningHours, ...]:
    """`HUB_HOURS` read: periods separated by ";" or ","; `ValueError` for anything else."""
    periods = []
    for part in re.split(r"[;,]", text.casefold()):
        if not part.strip():
            continue
        found = _PERIOD.fullmatch(part.strip())
        if found is None or found["first"] not in DAYS or (found["last"] or "mon") not in DAYS:
            raise ValueError(HOURS_RULE)
        first = DAYS.index(found["first"])
        last = DAYS.index(found["last"]) if found["last"] else first
        opens, closes = (
            time.fromisoformat(_hhmm(found["opens"])),
            time.fromisoformat(_hhmm(found["closes"])),
        )
        if last < first or closes <= opens:
            raise ValueError(HOURS_RULE)
        periods.append(OpeningHours(first, last, opens, closes))
    if not periods:
        raise ValueError(HOURS_RULE)
    return tuple(periods)


def _hhmm(text: str) -> str:
    hours, minutes = text.split(":")
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError(HOURS_RULE)
    return f"{int(hours):02d}:{minutes}"


DEFAULT_HOURS: Final = "Mon-Fri 09:00-17:00; Sat 09:00-13:00"


@dataclass(frozen=True)
class HubRules:
    mode: FulfilmentMode = FulfilmentMode.HUB
    address: str = "Soko hub, Nairobi"
    hours: tuple[OpeningHours, ...] = field(default_factory=lambda: parse_hours(DEFAULT_HOURS))
    bring_within: timedelta = timedelta(days=3)

    @property
    def at_hub(self) -> bool:
        return self.mode is FulfilmentMode.HUB


DIRECT: Final = HubRules(mode=FulfilmentMode.DIRECT)


def hours_text(hours: tuple[OpeningHours, ...], locale: str) -> str:
    """ "Monday–Friday 09:00–17:00, Saturday 09:00–13:00" in `locale`'s day names."""
    names = get_day_names("wide", locale=babel_locale(locale))
    parts = []
    for period in hours:
        days = str(names[period.first_day])
        if period.last_day != period.first_day:
            days += "–" + str(names[period.last_day])
        parts.append(f"{days} {period.opens:%H:%M}–{period.closes:%H:%M}")
    return ", ".join(parts)


def bring_by(rules: HubRules, accepted_at: datetime, zone: str, locale: str) -> str:
    """The day she should bring the piece by, in Nairobi time and her language."""
    when = accepted_at + rules.bring_within
    return format_datetime(when, "EEEE d MMM", tzinfo=ZoneInfo(zone), locale=babel_locale(locale))
