"""Workshop visits: a community manager went to an artisan's workshop and wrote down what she
saw against the standards (`store/services/workshop_visits.py`). A passed visit makes the shop
verified until `valid_until`; a follow-up visit says what to fix. Append-only."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.types import JSONType, UTCDateTime, int_pk, json_data, str_enum


class VisitOutcome(StrEnum):
    PASSED = "passed"
    FOLLOW_UP = "follow_up"  # something to fix: the shop stays due for a visit


class WorkshopVisit(Base):
    __tablename__ = "workshop_visits"
    __table_args__ = (Index("ix_workshop_visits_artisan", "artisan_id", "visited_on"),)

    id: Mapped[int_pk]
    artisan_id: Mapped[int] = mapped_column(ForeignKey("artisans.id"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    visited_on: Mapped[date] = mapped_column(Date)  # Nairobi's calendar day
    outcome: Mapped[VisitOutcome] = mapped_column(str_enum(VisitOutcome, "visit_outcome"))
    # A passed visit verifies the shop until this day (the visit's month + the setting's
    # months, fixed when recorded); None for a follow-up.
    valid_until: Mapped[date | None] = mapped_column(Date)
    # Checklist item code → "ok" or "fix", as the standards' visit checklist names them.
    checks: Mapped[json_data]
    photo_keys: Mapped[list[str]] = mapped_column(JSONType, default=list)  # media store keys
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


__all__ = ["VisitOutcome", "WorkshopVisit"]
