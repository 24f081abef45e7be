"""What happened in a period: pieces sold, money earned, payouts made (weekly summaries)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import LedgerEntry, LedgerTransaction, LineStatus, Order, OrderLine, Payout
from store.money import Money

# Lines that stayed sold (paid and on their way, or delivered).
_SOLD = (
    LineStatus.PAID,
    LineStatus.ACCEPTED,
    LineStatus.READY,
    LineStatus.AT_HUB,
    LineStatus.PASSED,
    LineStatus.RETURNED,
    LineStatus.SHIPPED,
    LineStatus.DELIVERED,
)


def pieces_sold(
    session: Session, artisan_ids: Collection[int], since: datetime, until: datetime
) -> dict[int, int]:
    """Pieces of each artisan in orders paid in [since, until), not cancelled or refunded."""
    if not artisan_ids:
        return {}
    rows = session.execute(
        select(OrderLine.artisan_id, func.sum(OrderLine.quantity))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.artisan_id.in_(artisan_ids),
            OrderLine.status.in_(_SOLD),
            Order.paid_at >= since,
            Order.paid_at < until,
        )
        .group_by(OrderLine.artisan_id)
    ).all()
    return {artisan_id: int(total) for artisan_id, total in rows}


def earned(
    session: Session, account: str, currency: str, since: datetime, until: datetime
) -> Money:
    """The sum of an account's ledger entries written in [since, until)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerEntry.account == account,
            LedgerEntry.currency == currency,
            LedgerTransaction.created_at >= since,
            LedgerTransaction.created_at < until,
        )
    )
    return Money(int(total or 0), currency)


def payouts_made(
    session: Session, currency: str, since: datetime, until: datetime
) -> tuple[int, Money]:
    """How many payouts were recorded in [since, until), and their sum."""
    count, total = session.execute(
        select(func.count(Payout.id), func.coalesce(func.sum(Payout.amount_minor), 0)).where(
            Payout.currency == currency, Payout.created_at >= since, Payout.created_at < until
        )
    ).one()
    return int(count), Money(int(total), currency)
