"""Payouts sent by M-Pesa B2C: one row per payout asked of Daraja, from the moment it is
queued until M-Pesa answers (or a status query does).

A table beside `payouts`, not more columns on it: a row of `payouts` is money that left,
posted to the ledger the moment it is written (by hand with `--record`, or here once M-Pesa
paid), with its M-Pesa receipt unique across both ways. A B2C request has a life before that
(queued, in flight, answered, failed, unknown) and may end without moving any money; it
points at the `payouts` row its success made. Money in a request not answered yet is
not available to another payout (`store.services.ledger.in_flight`)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.types import (
    created_at,
    currency_code,
    int_pk,
    maybe_timestamp,
    minor_units,
    str_enum,
)


class MpesaPayoutStatus(StrEnum):
    QUEUED = "queued"  # recorded; the request goes out after the commit
    SENT = "sent"  # Daraja accepted it; M-Pesa's result has not come yet
    PAID = "paid"  # M-Pesa paid her (receipt); the ledger holds the payout
    FAILED = "failed"  # M-Pesa did not pay; the money stays hers to be paid
    UNKNOWN = "unknown"  # the request may have been taken: a status query must tell


# The money of these is spoken for: no other payout may send it.
IN_FLIGHT = (MpesaPayoutStatus.QUEUED, MpesaPayoutStatus.SENT, MpesaPayoutStatus.UNKNOWN)


class MpesaPayout(Base):
    __tablename__ = "mpesa_payouts"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        Index("ix_mpesa_payouts_status", "status", "sent_at"),
    )

    id: Mapped[int_pk]
    # Ours, sent as Daraja's OriginatorConversationID: a repeated request is the same payout.
    originator_id: Mapped[str] = mapped_column(String(64), unique=True)
    artisan_id: Mapped[int] = mapped_column(ForeignKey("artisans.id"), index=True)
    amount_minor: Mapped[minor_units]
    currency: Mapped[currency_code]
    phone: Mapped[str] = mapped_column(String(20))  # E.164, as her shop held it
    status: Mapped[MpesaPayoutStatus] = mapped_column(
        str_enum(MpesaPayoutStatus, "mpesa_payout_status"), default=MpesaPayoutStatus.QUEUED
    )
    conversation_id: Mapped[str | None] = mapped_column(String(64))  # Daraja's ConversationID
    result_code: Mapped[int | None] = mapped_column(Integer)
    result_desc: Mapped[str] = mapped_column(String(200), default="")
    receipt: Mapped[str | None] = mapped_column(String(32), unique=True)
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"))
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[created_at]
    sent_at: Mapped[maybe_timestamp]
    answered_at: Mapped[maybe_timestamp]
    checked_at: Mapped[maybe_timestamp]
