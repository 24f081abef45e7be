"""The periods jobs count in, in the artisans' time zone (a reminder a day, a digest a week)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WEEK = timedelta(days=7)  # what a weekly message looks back over


def local_day(now: datetime, zone: ZoneInfo) -> str:
    """'2026-03-02': the date in `zone` (dedupe keys of daily messages)."""
    return now.astimezone(zone).date().isoformat()


def local_week(now: datetime, zone: ZoneInfo) -> str:
    """'2026-W10': the ISO week in `zone` (dedupe keys of weekly messages)."""
    year, week, _ = now.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"
