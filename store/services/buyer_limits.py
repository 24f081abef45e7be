"""How much one buyer may hold and how often she may order: the shop's limits per person.

Without them one buyer could put every piece of the shop in one order (999 of each), hold it
for the whole reservation, and do it again when it expires: every page would say "Sold out"
while nobody pays. With them she holds at most `pieces_per_product` of any piece (in her
cart and in her order), has one unpaid order at a time (`orders.place_order` cancels the
previous one), and places at most `orders_per_hour` orders an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

ORDER_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class BuyerLimits:
    pieces_per_product: int = 5
    orders_per_hour: int = 5

    def __post_init__(self) -> None:
        if self.pieces_per_product < 1 or self.orders_per_hour < 1:
            raise ValueError(f"buyer limits must be at least 1, got {self}")
