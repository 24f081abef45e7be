"""What the orders service says happened, as domain events (`store/events.py`): published in
the unit of work that made it so; `bot/domain_events.py` subscribes who acts on them."""

from __future__ import annotations

from dataclasses import dataclass

from store.models import Order


@dataclass(frozen=True)
class OrderCancelled:
    """The buyer called the order off before anything shipped. `was_paid`: she had paid for
    it, so the money goes back (`payments/completion.py` reverses the sale)."""

    order: Order
    was_paid: bool
