"""M-Pesa STK pushes: each payment prompt sent to a buyer's phone for an order, and what
became of it (`payments/mpesa/stk.py`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.types import (
    UTCDateTime,
    currency_code,
    int_pk,
    maybe_timestamp,
    minor_units,
    str_enum,
)


class StkPushStatus(StrEnum):
    REQUESTED = "requested"  # written with the effect that sends it, not sent yet
    SENT = "sent"  # Daraja took it: waiting for her answer (callback or query)
    PAID = "paid"  # a query confirmed the payment and the order took it
    FAILED = "failed"  # no money taken, or money the order could not take (see `failure`)
    UNKNOWN = "unknown"  # Daraja may have sent it, but its answer was lost


OPEN_PUSH = (StkPushStatus.REQUESTED, StkPushStatus.SENT, StkPushStatus.UNKNOWN)


class StkPush(Base):
    __tablename__ = "mpesa_stk_pushes"
    __table_args__ = (
        Index("ix_mpesa_stk_pushes_order", "order_id", "id"),
        Index("ix_mpesa_stk_pushes_open", "status", "sent_at"),
    )

    id: Mapped[int_pk]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    phone: Mapped[str] = mapped_column(String(20))  # E.164, the number prompted
    amount_minor: Mapped[minor_units]  # what the prompt asked for
    currency: Mapped[currency_code]
    status: Mapped[StkPushStatus] = mapped_column(
        str_enum(StkPushStatus, "stk_push_status"), default=StkPushStatus.REQUESTED
    )
    # Why it failed: a `payments.events.PhonePaymentFailure` value, or "wrong_amount",
    # "wrong_phone", "not_sent" (its answer lost and never found); "" while not failed.
    failure: Mapped[str] = mapped_column(String(16), default="")
    checkout_request_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    merchant_request_id: Mapped[str | None] = mapped_column(String(64))
    receipt: Mapped[str | None] = mapped_column(String(32), unique=True)  # MpesaReceiptNumber
    result_code: Mapped[int | None] = mapped_column(Integer)
    result_desc: Mapped[str] = mapped_column(String(255), default="")
    # What the callback said was paid, and from which number (checked against the order).
    paid_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    paid_phone: Mapped[str | None] = mapped_column(String(20))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    sent_at: Mapped[maybe_timestamp]
    answered_at: Mapped[maybe_timestamp]  # the callback came
    checked_at: Mapped[maybe_timestamp]  # last asked of Daraja (STK query)
