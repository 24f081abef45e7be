"""The words buyers read on a verified shop ("Workshop visited by Soko, March 2027"): the chat
card, the shop page and the piece page say it the same way, with the month written by Babel in
the reader's language."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from conversations.i18n import N_, Translator

BADGE = N_("Workshop visited by Soko, {month}")


def month_words(month: date, locale: str) -> str:
    """ "March 2027", "Machi 2027": the month as it stands alone."""
    return format_date(month, "LLLL y", locale=locale)


def day_words(day: date, locale: str) -> str:
    """ "5 March 2027", "5 Machi 2027"."""
    return format_date(day, "d MMMM y", locale=locale)


def badge(t: Translator, month: date) -> str:
    return t._(BADGE).format(month=month_words(month, t.locale))
