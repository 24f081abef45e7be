"""The catalog: products with their photos, and curated collections."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.models.types import (
    JSONType,
    UTCDateTime,
    created_at,
    int_pk,
    maybe_timestamp,
    str_enum,
    utcnow,
)


class Category(StrEnum):
    NECKLACE = "necklace"
    BRACELET = "bracelet"
    EARRINGS = "earrings"
    RING = "ring"
    ANKLET = "anklet"
    OTHER = "other"


class ProductStatus(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    ACTIVE = "active"
    SOLD_OUT = "sold_out"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class Product(Base):
    """A piece an artisan sells. ``price_minor`` is in the artisan's own currency.

    Stock: ``stock_on_hand`` pieces exist, ``stock_reserved`` of them are held by unpaid orders.
    Available = on hand − reserved; both change only through atomic conditional updates.
    """

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock_reserved >= 0", name="reserved_non_negative"),
        CheckConstraint("stock_on_hand >= stock_reserved", name="reserved_within_stock"),
        CheckConstraint("price_minor IS NULL OR price_minor > 0", name="price_positive"),
        CheckConstraint(
            "status = 'draft' OR (price_minor IS NOT NULL AND title <> '')",
            name="listed_has_title_and_price",
        ),
        Index("ix_products_browse", "status", "id"),
        Index("ix_products_browse_category", "status", "category", "id"),
        Index("ix_products_artisan_status", "artisan_id", "status", "id"),
        Index("ix_products_review_queue", "status", "submitted_at"),
    )

    id: Mapped[int_pk]
    artisan_id: Mapped[int] = mapped_column(ForeignKey("artisans.id"))
    slug: Mapped[str | None] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(80), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[Category | None] = mapped_column(str_enum(Category, "category"))
    materials: Mapped[list[str]] = mapped_column(JSONType, default=list)  # as she typed them
    # Canonical codes read from her words through store/vocabulary.py: what buyers read in
    # their own language and search by, and what the materials standard is checked on.
    material_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    colour_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    price_minor: Mapped[int | None] = mapped_column(BigInteger)
    # The price a community manager last approved: a big change from it goes back to review,
    # however many small steps it took.
    approved_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="KES")
    stock_on_hand: Mapped[int] = mapped_column(Integer, default=1)
    stock_reserved: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ProductStatus] = mapped_column(
        str_enum(ProductStatus, "product_status"), default=ProductStatus.DRAFT
    )
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]
    # Any change to the row moves it, the session's and UPDATE statements' alike (a service
    # may set it to its own clock instead): the stale-drafts job reads it as her last edit.
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[maybe_timestamp]
    approved_at: Mapped[maybe_timestamp]

    photos: Mapped[list[ProductPhoto]] = relationship(
        back_populates="product",
        order_by="ProductPhoto.position",
        cascade="all, delete-orphan",
    )

    @property
    def stock_available(self) -> int:
        return self.stock_on_hand - self.stock_reserved


class ProductPhoto(Base):
    __tablename__ = "product_photos"
    __table_args__ = (
        UniqueConstraint("product_id", "position"),
        CheckConstraint("position >= 0", name="position_non_negative"),
    )

    id: Mapped[int_pk]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    phash: Mapped[str] = mapped_column(String(16), index=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # Keys of the stored sizes, e.g. {"large": "...", "medium": "...", "thumb": "..."}.
    keys: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    telegram_file_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[created_at]

    product: Mapped[Product] = relationship(back_populates="photos")


class Collection(Base):
    """A curated collection, made in the chat by community managers (English and Swahili).

    ``active`` is "published": only then do buyers see it, in the chat and at ``/c/{slug}``.
    The slug comes from the English title and never changes once it has been published
    (``published_at``, the first time): links shared since keep working. At most one
    published collection is ``featured`` (on the buyers' first menu)."""

    __tablename__ = "collections"
    __table_args__ = (
        Index(
            "uq_collections_featured",
            "featured",
            unique=True,
            sqlite_where=text("featured"),
            postgresql_where=text("featured"),
        ),
    )

    id: Mapped[int_pk]
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(80))  # English
    title_sw: Mapped[str] = mapped_column(String(80), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # its story, in English
    description_sw: Mapped[str] = mapped_column(Text, default="")
    cover_product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[maybe_timestamp]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]

    def title_in(self, locale: str) -> str:
        """Its title in `locale`, English when it has none in that language."""
        return (self.title_sw if locale == "sw" else "") or self.title

    def story_in(self, locale: str) -> str:
        return ((self.description_sw if locale == "sw" else "") or self.description).strip()


class CollectionProduct(Base):
    __tablename__ = "collection_products"
    __table_args__ = (Index("ix_collection_products_order", "collection_id", "position"),)

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
