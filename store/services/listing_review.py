"""The community managers' side: the review queue, approving and rejecting listings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.errors import NotFound, PermissionDenied, StoreError
from store.models import Artisan, ListingReview, Product, ProductStatus, ReviewDecision
from store.services import permissions
from store.services.audit import Actor
from store.services.product_status import check_transition, status_for_stock
from store.text import clean_display

# The most characters of a reason the artisan is told (one chat message, with room to spare).
REASON_MAX = 500


class RejectionReasonRequired(StoreError):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"product {product_id}: a rejection needs a reason")
        self.product_id = product_id


def review_queue(session: Session, reviewer_user_id: int, *, limit: int = 20) -> list[Product]:
    """Listings waiting for review, oldest submission first, with their photos loaded."""
    permissions.require_manager(session, Actor.user(reviewer_user_id), "see the review queue")
    query = (
        select(Product)
        .where(Product.status == ProductStatus.PENDING_REVIEW)
        .order_by(Product.submitted_at, Product.id)
        .limit(limit)
        .options(selectinload(Product.photos))
    )
    return list(session.scalars(query))


def approve(session: Session, reviewer_user_id: int, product_id: int, now: datetime) -> Product:
    """Put a listing in the shop (sold out straight away if it has no stock to sell)."""
    product = _product_to_review(session, reviewer_user_id, product_id, "approve")
    target = status_for_stock(product.stock_available)
    check_transition(product.status, target)
    product.status = target
    product.reviewed_by_user_id = reviewer_user_id
    product.approved_at = now
    product.approved_price_minor = product.price_minor
    product.updated_at = now
    product.rejection_reason = ""
    _record(session, product, reviewer_user_id, ReviewDecision.APPROVED, now)
    return product


def reject(
    session: Session, reviewer_user_id: int, product_id: int, reason: str, now: datetime
) -> Product:
    """Send a listing back to its artisan with the reason (she edits it and submits again)."""
    product = _product_to_review(session, reviewer_user_id, product_id, "reject")
    cleaned = clean_display(reason)
    if not cleaned or len(cleaned) > REASON_MAX:
        raise RejectionReasonRequired(product.id)
    check_transition(product.status, ProductStatus.REJECTED)
    product.status = ProductStatus.REJECTED
    product.reviewed_by_user_id = reviewer_user_id
    product.rejection_reason = cleaned
    product.updated_at = now
    _record(session, product, reviewer_user_id, ReviewDecision.REJECTED, now)
    return product


def _record(
    session: Session,
    product: Product,
    reviewer_user_id: int,
    decision: ReviewDecision,
    now: datetime,
) -> None:
    """The decision kept for the week's figures (the piece keeps only its latest)."""
    session.add(
        ListingReview(
            product_id=product.id,
            reviewer_user_id=reviewer_user_id,
            decision=decision,
            decided_at=now,
        )
    )
    session.flush()


def _product_to_review(
    session: Session, reviewer_user_id: int, product_id: int, action: str
) -> Product:
    permissions.require_manager(session, Actor.user(reviewer_user_id), f"{action} listings")
    product = session.get(Product, product_id, with_for_update=True, populate_existing=True)
    if product is None:
        raise NotFound("product", product_id)
    owner_user_id = session.scalar(select(Artisan.user_id).where(Artisan.id == product.artisan_id))
    if owner_user_id == reviewer_user_id:
        raise PermissionDenied(f"{action} their own product {product.id}", reviewer_user_id)
    return product
