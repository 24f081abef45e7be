"""When an artisan's share becomes payable: when her line is delivered (the default), or,
for a shop that trusts its hub's check, when the line passes at the hub (`PAYOUT_RELEASE`).
Delivered always releases (a direct shop has no hub), once per line."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy.orm import Session

from store.models import Order
from store.services import ledger


class ReleaseOn(StrEnum):
    DELIVERED = "delivered"
    PASSED = "passed"


def release_lines(session: Session, order: Order, line_ids: Iterable[int]) -> None:
    """Make the shares of these lines of the order payable (again is harmless)."""
    wanted = set(line_ids)
    for line in order.lines:
        if line.id in wanted:
            ledger.release_line(session, line)
