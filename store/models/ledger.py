"""The append-only ledger, and payouts to artisans.

Each business event is one ``LedgerTransaction`` whose entries sum to zero in every currency.
A positive amount is owed *to* the account's holder (a credit); balances are sums of entries.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.models.types import (
    created_at,
    currency_code,
    int_pk,
    maybe_timestamp,
    minor_units,
    str_enum,
)


class TransactionKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    PAYOUT = "payout"
    ADJUSTMENT = "adjustment"
    RELEASE = "release"  # a line's pending share made available (delivered or passed)


class PayoutStatus(StrEnum):
    RECORDED = "recorded"
    CONFIRMED = "confirmed"
    FAILED = "failed"


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"

    id: Mapped[int_pk]
    kind: Mapped[TransactionKind] = mapped_column(str_enum(TransactionKind, "transaction_kind"))
    # Makes posting idempotent: "sale:order:42", "refund:stripe:re_123", "payout:7".
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"), index=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="transaction", order_by="LedgerEntry.id"
    )


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="amount_non_zero"),
        Index("ix_ledger_entries_account", "account", "currency", "id"),
    )

    id: Mapped[int_pk]
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account: Mapped[str] = mapped_column(String(64))  # "artisan:12", "platform:fees", …
    amount_minor: Mapped[minor_units]
    currency: Mapped[currency_code]

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")


class Payout(Base):
    """Money sent to an artisan (M-Pesa); recorded by a community manager."""

    __tablename__ = "payouts"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int_pk]
    artisan_id: Mapped[int] = mapped_column(ForeignKey("artisans.id"), index=True)
    amount_minor: Mapped[minor_units]
    currency: Mapped[currency_code]
    status: Mapped[PayoutStatus] = mapped_column(
        str_enum(PayoutStatus, "payout_status"), default=PayoutStatus.RECORDED
    )
    mpesa_reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]
    confirmed_at: Mapped[maybe_timestamp]
