"""Which shops buyers may buy from: every shop but a suspended one.

A community manager's suspension hides a shop's pieces from buyers — lists, search, the
product and shop pages — and nobody can put them in a cart or order them. Nothing on the
products changes: reinstated, the shop shows again exactly what it had. Orders already placed
are the artisan's to fulfil as before.

Every query that shows buyers pieces, or sells them, joins the piece's artisan (by primary key)
and adds ``SHOP_OPEN``; code that already holds the artisan row asks ``is_open``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from sqlalchemy import ColumnElement

from store.errors import StoreError
from store.models import Artisan, ArtisanStatus

SHOP_OPEN: Final[ColumnElement[bool]] = Artisan.status != ArtisanStatus.SUSPENDED


class ShopClosed(StoreError):
    """Pieces whose shop is suspended: not for sale until it is reinstated."""

    def __init__(self, product_ids: Iterable[int]) -> None:
        self.product_ids = sorted(set(product_ids))
        super().__init__(f"shop suspended: products {self.product_ids} are not for sale")


def is_open(status: ArtisanStatus) -> bool:
    return status != ArtisanStatus.SUSPENDED
