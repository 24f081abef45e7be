"""What the orders service says happened, as domain events (`store/events.py`): published in
the unit of work that made it so; `bot/` subscribes who acts on them."""

from __future__ import annotations

from dataclasses import dataclass

from store.models import Order


@dataclass(frozen=True)
class UnpaidOrderCancelled:
    """An order awaiting payment was cancelled (by her, or replaced by her new one); a
    provider that gave her a pay page closes it (only some do: nobody listening is fine)."""

    order: Order


@dataclass(frozen=True)
class PaidOrderCancelled:
    """The buyer called off an order she had paid for, before anything shipped: the money
    goes back (`payments/completion.py` reverses the sale; `bot/domain_events.py`)."""

    order: Order


@dataclass(frozen=True)
class LinesPassed:
    """A community manager passed these lines at the hub (they match their photos and the
    standards): a shop that releases shares on passing does it here (`bot/domain_events.py`)."""

    order: Order
    line_ids: tuple[int, ...]


@dataclass(frozen=True)
class LinesDelivered:
    """Shipped lines of an order reached the buyer (`store/services/delivery.py`): she said
    so (`by` her user id), or the shop decided it after the zone's time (`by` None)."""

    order: Order
    line_ids: tuple[int, ...]
    by: int | None = None


@dataclass(frozen=True)
class CaseRefundAsked:
    """A community manager closed a case with a refund (`store/services/cases.py`): the
    order's provider gives back `lines` (line id → minor units, the order's currency) in
    this same unit of work — a ledger reversal and the request to the provider, or a refund
    owed by hand (`bot/domain_events.py`). A handler that cannot refuses by raising, and
    the case stays open."""

    order: Order
    lines: tuple[tuple[int, int], ...]
    reason: str
    by: int | None


@dataclass(frozen=True)
class CaseOpened:
    """A buyer reported a parcel not arrived or damaged (`newly` False: she added to the
    open case); community managers are told."""

    case_id: int
    newly: bool


@dataclass(frozen=True)
class CaseClosed:
    """A community manager closed a case; the buyer is told the outcome."""

    case_id: int
