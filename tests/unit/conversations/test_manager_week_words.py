"""The manager's week as each language writes it whatever the numbers: one artisan owed and
one payout made read as well as many (the catalogs have no plural forms, so a count stands
where any number reads right), and a busy week still fits WhatsApp's template body."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.flows.manager_week import SUMMARY_MAX, summary
from conversations.i18n import Translator
from handlers.whatsapp.templates import UTILITY_VARIABLE_MAX
from store.money import Money
from store.services.manager_week import (
    NewShop,
    OrderStep,
    Payouts,
    Reviews,
    Waiting,
    WeekFigures,
)
from store.services.workshop_visits import DueShop

NOW = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)  # Monday 08:30 in Nairobi
NAIROBI = ZoneInfo("Africa/Nairobi")


def figures(*, owed: int, paid: int, approved: int, reviewed: int) -> WeekFigures:
    return WeekFigures(
        since=NOW - timedelta(days=7),
        until=NOW,
        listings=Waiting(0, None),
        reviews=Reviews(approved=approved, rejected=reviewed - approved),
        new_shops=[],
        orders=dict.fromkeys(OrderStep, 0),
        open_cases=0,
        payouts=Payouts(owed, Money(150_000 * owed, "KES"), paid, Money(50_000 * paid, "KES")),
        visits_due=[],
    )


def lines(locale: str, week: WeekFigures) -> list[str]:
    shown = summary(Translator(locale), week, zone=NAIROBI, at_hub=True, week="2026-W10")
    return shown.text.splitlines()


@pytest.mark.parametrize(
    ("locale", "one", "three"),
    [
        (
            "en",
            "Payouts due: Ksh1,500 (artisans owed: 1). Paid this week: Ksh500 (payouts: 1).",
            "Payouts due: Ksh4,500 (artisans owed: 3). Paid this week: Ksh1,500 (payouts: 3).",
        ),
        (
            "sw",
            "Malipo kwa mafundi yanayodaiwa: Ksh\u00a01,500 (idadi ya mafundi: 1). Yaliyolipwa wiki"
            " hii: Ksh\u00a0500 (idadi ya malipo: 1).",
            "Malipo kwa mafundi yanayodaiwa: Ksh\u00a04,500 (idadi ya mafundi: 3). Yaliyolipwa wiki"
            " hii: Ksh\u00a01,500 (idadi ya malipo: 3).",
        ),
    ],
)
def test_one_artisan_owed_and_one_payout_read_right(locale: str, one: str, three: str) -> None:
    assert one in lines(locale, figures(owed=1, paid=1, approved=1, reviewed=1))
    assert three in lines(locale, figures(owed=3, paid=3, approved=1, reviewed=1))


def test_the_swahili_approval_rate_agrees_with_one_piece() -> None:
    [rate] = [
        line
        for line in lines("sw", figures(owed=0, paid=0, approved=1, reviewed=2))
        if line.startswith("Kiwango")
    ]
    assert rate == (
        "Kiwango cha kuidhinisha wiki hii: 50% (zilizoidhinishwa: 1; zilizokaguliwa: 2)."
    )


@pytest.mark.parametrize("locale", ["en", "sw"])
def test_a_busy_week_with_long_names_fits_whatsapp_s_template(locale: str) -> None:
    """Outside WhatsApp's 24-hour window the summary travels as a template whose variable
    is cut at `UTILITY_VARIABLE_MAX`: a busy week counts the shops rather than lose its
    last lines (payouts, visits) to the cut."""
    long = "Shanga na Shaba za Mama Wanjiru wa Kawangware"
    busy = dataclasses.replace(
        figures(owed=12, paid=30, approved=17, reviewed=23),
        listings=Waiting(14, NOW - timedelta(days=9)),
        new_shops=[NewShop(n, n, long, NOW, long) for n in range(9)],
        orders=dict.fromkeys(OrderStep, 3),
        open_cases=4,
        visits_due=[DueShop(n, long, "Kawangware, Nairobi", None) for n in range(9)],
    )
    text = "\n".join(lines(locale, busy))
    assert len(" ".join(text.split())) <= UTILITY_VARIABLE_MAX == SUMMARY_MAX
    last = lines(locale, busy)[-1]
    assert last == (
        "Shops due for a workshop visit: 9." if locale == "en" else "Maduka ya kutembelea: 9."
    )

    quiet = dataclasses.replace(busy, new_shops=busy.new_shops[:1], visits_due=busy.visits_due[:1])
    assert long in lines(locale, quiet)[-1]  # a usual week still names them
