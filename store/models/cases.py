"""Cases: a buyer says her parcel has not arrived or came damaged; a community manager
closes it with a note, a refund or a reshipment (`store/services/cases.py`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.types import UTCDateTime, int_pk, str_enum


class CaseKind(StrEnum):
    NOT_ARRIVED = "not_arrived"
    DAMAGED = "damaged"


class CaseOutcome(StrEnum):
    NOTE = "note"
    REFUND = "refund"
    RESHIPMENT = "reshipment"


class OrderCase(Base):
    __tablename__ = "order_cases"
    __table_args__ = (Index("ix_order_cases_order", "order_id", "id"),)

    id: Mapped[int_pk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    # The order's id while the case is open, NULL once closed: one open case per order,
    # kept by the database on both backends (NULLs never clash in a unique column).
    open_order_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind, "case_kind"))
    note: Mapped[str] = mapped_column(Text, default="")  # hers; a second report adds to it
    photo_ref: Mapped[str | None] = mapped_column(String(255))  # a media store key
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[CaseOutcome | None] = mapped_column(
        str_enum(CaseOutcome, "case_outcome"), nullable=True
    )
    refunded_minor: Mapped[int | None] = mapped_column(BigInteger)
    refunded_currency: Mapped[str | None] = mapped_column(String(3))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closing_note: Mapped[str] = mapped_column(Text, default="")
