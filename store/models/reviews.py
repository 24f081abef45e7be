"""Listing reviews as they were decided: one row per approval or rejection, so that a week's
approval rate stays true after a piece is changed and sent again (the piece itself keeps only
its latest review). Written by `store/services/listing_review.py`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base
from store.models.types import UTCDateTime, int_pk, str_enum


class ReviewDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class ListingReview(Base):
    __tablename__ = "listing_reviews"
    __table_args__ = (Index("ix_listing_reviews_decided_at", "decided_at"),)

    id: Mapped[int_pk]
    # The piece while it exists (a deleted piece's reviews still count in their week).
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    reviewer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[ReviewDecision] = mapped_column(str_enum(ReviewDecision, "review_decision"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
