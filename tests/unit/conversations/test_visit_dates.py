"""The day a manager says she visited a workshop, read the ways people type it in a Kenyan
chat, in English or Swahili, with any script's digits; anything else is no day."""

from __future__ import annotations

from datetime import date

import pytest

from conversations.visit_dates import parse_visit_date

TODAY = date(2027, 3, 15)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("today", TODAY),
        ("Leo", TODAY),
        ("jana", date(2027, 3, 14)),
        ("yesterday", date(2027, 3, 14)),
        ("juzi", date(2027, 3, 13)),
        ("kesho", date(2027, 3, 16)),  # read, so that she is told it has not come yet
        ("3/3/2027", date(2027, 3, 3)),  # day first, as in Kenya
        ("3.3.27", date(2027, 3, 3)),
        ("2027-03-03", date(2027, 3, 3)),
        ("3 March", date(2027, 3, 3)),
        ("March 3rd, 2027", date(2027, 3, 3)),
        ("3 Mar 2026", date(2026, 3, 3)),
        ("tarehe 3 Machi", date(2027, 3, 3)),
        ("tarehe tatu Machi", date(2027, 3, 3)),
        ("tarehe mosi mwezi wa tatu", date(2027, 3, 1)),
        ("ishirini na nane Februari 2027", date(2027, 2, 28)),
        ("Disemba 24 2026", date(2026, 12, 24)),
        ("٣/٣/٢٠٢٧", date(2027, 3, 3)),  # Arabic-Indic digits
        ("３ March", date(2027, 3, 3)),  # full-width
        ("१० मार्च", None),  # Devanagari digits are read, but a Hindi month is no month here
        ("31 February", None),
        ("the blue house", None),
        ("3 Machi na nne", None),
        ("", None),
    ],
)
def test_days_typed(typed: str, day: date | None) -> None:
    assert parse_visit_date(typed, TODAY) == day


@pytest.mark.parametrize(
    ("typed", "today", "day"),
    [
        # Early January, a December day with no year is last December's, not next one's.
        ("28 December", date(2027, 1, 2), date(2026, 12, 28)),
        ("28/12", date(2027, 1, 2), date(2026, 12, 28)),
        ("tarehe 30 Disemba", date(2027, 1, 2), date(2026, 12, 30)),
        # Tomorrow's date stays this year's, so that she hears it has not come yet.
        ("16 March", TODAY, date(2027, 3, 16)),
        ("29 February", date(2028, 3, 1), date(2028, 2, 29)),
    ],
)
def test_a_day_without_a_year_is_the_nearest_one(typed: str, today: date, day: date) -> None:
    assert parse_visit_date(typed, today) == day


@pytest.mark.parametrize("typed", ["3/3/207", "3 March 207", "3/3/7", "3 Machi 20270"])
def test_a_year_of_three_or_one_digits_is_no_year(typed: str) -> None:
    assert parse_visit_date(typed, TODAY) is None
