"""Which status a product may move to from which: the one table every change goes through.

    draft ──submit──▶ pending_review ──approve──▶ active ⇄ sold_out
      ▲                    │  └──approve (no stock)──▶ sold_out
      │                 reject
      └──── edit ──── rejected

* ``draft → pending_review``: the artisan submits a complete listing.
* ``pending_review → active``: a community manager approves; ``→ sold_out`` when it is
  approved with no stock available, so a piece never shows in the shop with nothing to sell.
* ``pending_review → rejected``: a community manager rejects it, with a reason.
* ``pending_review → draft``: the artisan takes it back to change something before review.
* ``rejected → draft``: the artisan edits a rejected listing (then submits it again).
* ``active ⇄ sold_out``: available stock reaches zero / comes back.
* any status but ``archived`` ``→ archived``: the artisan retires the piece.
* ``archived`` is final: orders keep pointing at it, so it is never deleted or revived;
  the artisan lists the piece again as a new draft.

Changes of the *listed* details (title, photos, materials) are not transitions: the catalog
service allows them only in ``draft`` and ``rejected`` so that what a community manager approved
is what buyers see.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from store.errors import InvalidTransition
from store.models import ProductStatus

_S = ProductStatus

PRODUCT_TRANSITIONS: Final[Mapping[ProductStatus, frozenset[ProductStatus]]] = {
    _S.DRAFT: frozenset({_S.PENDING_REVIEW, _S.ARCHIVED}),
    _S.PENDING_REVIEW: frozenset({_S.ACTIVE, _S.SOLD_OUT, _S.REJECTED, _S.DRAFT, _S.ARCHIVED}),
    # Back to review: a price changed by more than PRICE_CHANGE_REVIEW_SHARE.
    _S.ACTIVE: frozenset({_S.SOLD_OUT, _S.ARCHIVED, _S.PENDING_REVIEW}),
    _S.SOLD_OUT: frozenset({_S.ACTIVE, _S.ARCHIVED, _S.PENDING_REVIEW}),
    _S.REJECTED: frozenset({_S.DRAFT, _S.ARCHIVED}),
    _S.ARCHIVED: frozenset(),
}

# Statuses in which the artisan may change title, description, category, materials and photos.
EDITABLE_STATUSES: Final = frozenset({_S.DRAFT, _S.REJECTED})
# Statuses a buyer can see (sold-out pieces are shown on their own page, not in browse).
LISTED_STATUSES: Final = frozenset({_S.ACTIVE, _S.SOLD_OUT})


def can_transition(current: ProductStatus, target: ProductStatus) -> bool:
    return target in PRODUCT_TRANSITIONS[current]


def check_transition(current: ProductStatus, target: ProductStatus) -> None:
    """Raise ``InvalidTransition`` unless the table allows ``current → target``."""
    if not can_transition(current, target):
        raise InvalidTransition("product", current.value, target.value)


def status_for_stock(available: int) -> ProductStatus:
    """The listed status a product with ``available`` pieces should have."""
    return _S.ACTIVE if available > 0 else _S.SOLD_OUT
