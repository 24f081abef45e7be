"""How much one buyer may hold and how often she may order: the shop's limits per person.

Without them one buyer could put every piece of the shop in one order (999 of each), hold it
for the whole reservation, and do it again when it expires: every page would say "Sold out"
while nobody pays. With them she holds at most `pieces_per_product` of any piece and
`pieces_per_order` pieces in all (in her cart and in her order: with one-of-a-kind pieces the
first limit alone still lets her take them all), has one unpaid order at a time
(`orders.place_order` cancels the previous one), and places at most `orders_per_hour` orders
an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

ORDER_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class BuyerLimits:
    pieces_per_product: int = 5
    orders_per_hour: int = 5
    pieces_per_order: int = 10

    def __post_init__(self) -> None:
        if min(self.pieces_per_product, self.orders_per_hour, self.pieces_per_order) < 1:
            raise ValueError(f"buyer limits must be at least 1, got {self}")
