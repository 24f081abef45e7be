"""The catalog's rules: an artisan's listing from draft to the shop.

Photos are in ``store.services.product_photos``, the community managers' review in
``store.services.listing_review``, browse and search in ``store.services.browse``.

Every function re-checks who acts: an artisan changes only her own products (``PermissionDenied``
otherwise), and only a community manager reviews. Status changes go through
``store.services.product_status``; stock changes are one conditional UPDATE, never
read-then-write, because orders reserve stock concurrently.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final

from sqlalchemy import and_, case, delete, exists, select, update
from sqlalchemy.orm import Session

from store.errors import (
    CurrencyMismatch,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StoreError,
)
from store.models import (
    Artisan,
    ArtisanStatus,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductPhoto,
    ProductStatus,
)
from store.models.types import utcnow
from store.money import Money
from store.services.product_status import (
    EDITABLE_STATUSES,
    LISTED_STATUSES,
    check_transition,
)
from store.text import clean_display, clean_line
from store.vocabulary import vocabulary

MAX_TITLE: Final = 80
MAX_DESCRIPTION: Final = 1000
MAX_MATERIALS: Final = 10
MAX_MATERIAL_LENGTH: Final = 60
MAX_STOCK: Final = 10_000
# Same default as ``Settings.max_price_minor``: KES 500,000, anything above is surely a typo.
MAX_PRICE_MINOR: Final = 50_000_000

_SLUG_ALPHABET: Final = "abcdefghjkmnpqrstuvwxyz23456789"
_SLUG_BASE_LENGTH: Final = 60
_SLUG_SUFFIX_LENGTH: Final = 4


class InvalidProductDetail(StoreError):
    """A detail the artisan gave does not fit: ``reason`` is a stable code to translate."""

    def __init__(self, field: str, reason: str, value: object) -> None:
        super().__init__(f"{field}: {reason} ({value!r})")
        self.field = field
        self.reason = reason
        self.value = value


class ProductNotEditable(StoreError):
    """The product's status does not allow this change (e.g. retitling an approved piece)."""

    def __init__(self, product_id: int, status: ProductStatus, action: str) -> None:
        super().__init__(f"product {product_id} is {status.value}: cannot {action}")
        self.product_id = product_id
        self.status = status
        self.action = action


class StockBelowReserved(StoreError):
    """Stock on hand may not drop below what unpaid orders hold."""

    def __init__(self, product_id: int, requested: int, reserved: int) -> None:
        super().__init__(f"product {product_id}: {requested} on hand < {reserved} reserved")
        self.product_id = product_id
        self.requested = requested
        self.reserved = reserved


class IncompleteListing(StoreError):
    """Submitted without everything a review needs; ``missing`` names the fields."""

    def __init__(self, product_id: int, missing: tuple[str, ...]) -> None:
        super().__init__(f"product {product_id} is missing {', '.join(missing)}")
        self.product_id = product_id
        self.missing = missing


# --- the artisan's side -------------------------------------------------------------------


def create_draft(session: Session, artisan_id: int, *, currency: str = "KES") -> Product:
    """A new empty draft; ``currency`` is the artisan's own (her prices are set in it)."""
    artisan = session.get(Artisan, artisan_id)
    if artisan is None:
        raise NotFound("artisan", artisan_id)
    if artisan.status == ArtisanStatus.SUSPENDED:
        raise PermissionDenied("create a listing while suspended", artisan.user_id)
    Money.zero(currency)  # validates the code
    product = Product(artisan_id=artisan_id, currency=currency, status=ProductStatus.DRAFT)
    session.add(product)
    session.flush()
    return product


def update_details(
    session: Session,
    artisan_id: int,
    product_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    category: Category | None = None,
    materials: Sequence[str] | None = None,
) -> Product:
    """Change what the artisan says about the piece; ``None`` leaves a detail as it is.

    Only drafts and rejected listings change (a rejected one goes back to draft). Her words
    are kept as typed; the canonical material and colour codes are read from them.
    """
    values: dict[str, object] = {}
    if title is not None:
        values["title"] = _valid_title(title)
    if description is not None:
        values["description"] = _valid_description(description)
    if category is not None:
        values["category"] = Category(category)
    if materials is not None:
        values["materials"] = _valid_materials(materials)
    product = editable_product(session, artisan_id, product_id, "edit details")
    for name, value in values.items():
        setattr(product, name, value)
    if title is not None or materials is not None:
        product.material_codes, product.colour_codes = vocabulary().piece_codes(
            product.materials, product.title
        )
    session.flush()
    return product


def set_price(
    session: Session,
    artisan_id: int,
    product_id: int,
    price: Money,
    *,
    max_minor: int = MAX_PRICE_MINOR,
    review_share: Decimal | None = None,
    now: datetime | None = None,
) -> Product:
    """Set the price, in the product's (the artisan's) currency; any status but archived.
    A listed piece whose price moves by more than `review_share` of the price last approved
    (up or down, in one step or several) goes back to the review queue (`now` is its
    submission time): a community manager approves the new price before buyers see it again."""
    product = owned_product(session, artisan_id, product_id, "set the price", lock=True)
    if product.status == ProductStatus.ARCHIVED:
        raise ProductNotEditable(product.id, product.status, "set the price")
    if price.currency != product.currency:
        raise CurrencyMismatch(product.currency, price.currency)
    if price.amount <= 0:
        raise InvalidProductDetail("price", "not_positive", price)
    if price.amount > max_minor:
        raise InvalidProductDetail("price", "too_high", price)
    approved = product.approved_price_minor or product.price_minor
    if (
        review_share is not None
        and product.status in LISTED_STATUSES
        and approved is not None
        and abs(price.amount - approved) > review_share * approved
    ):
        check_transition(product.status, ProductStatus.PENDING_REVIEW)
        product.status = ProductStatus.PENDING_REVIEW
        product.submitted_at = now or utcnow()
    product.price_minor = price.amount
    session.flush()
    return product


def set_stock(session: Session, artisan_id: int, product_id: int, on_hand: int) -> Product:
    """Set how many pieces exist, never below those reserved by unpaid orders.

    A listed piece becomes sold out when nothing is left to sell (on hand = reserved) and
    active again when stock comes back. One conditional UPDATE: a concurrent reservation either
    happened before (and is respected) or happens after (and sees the new stock).
    """
    if not 0 <= on_hand <= MAX_STOCK:
        raise InvalidProductDetail("stock_on_hand", "out_of_range", on_hand)
    sold_out = and_(Product.status == ProductStatus.ACTIVE, Product.stock_reserved >= on_hand)
    back_in_stock = and_(Product.status == ProductStatus.SOLD_OUT, Product.stock_reserved < on_hand)
    statement = (
        update(Product)
        .where(
            Product.id == product_id,
            Product.artisan_id == artisan_id,
            Product.status != ProductStatus.ARCHIVED,
            Product.stock_reserved <= on_hand,
        )
        .values(
            stock_on_hand=on_hand,
            status=case(
                (sold_out, ProductStatus.SOLD_OUT.value),
                (back_in_stock, ProductStatus.ACTIVE.value),
                else_=Product.status,
            ),
        )
        .returning(Product.id)
        .execution_options(synchronize_session=False)
    )
    updated = session.execute(statement).first()
    product = session.get(Product, product_id, populate_existing=True)
    if product is None:
        raise NotFound("product", product_id)
    if updated is None:
        _check_owner(session, product, artisan_id, "set the stock")
        if product.status == ProductStatus.ARCHIVED:
            raise ProductNotEditable(product.id, product.status, "set the stock")
        raise StockBelowReserved(product.id, on_hand, product.stock_reserved)
    return product


def submit_for_review(session: Session, artisan_id: int, product_id: int, now: datetime) -> Product:
    """Send a complete draft to the community managers, and give it its link (slug)."""
    product = owned_product(session, artisan_id, product_id, "submit for review", lock=True)
    if product.status in LISTED_STATUSES:  # back to review only by a big price change
        raise InvalidTransition("product", product.status.value, ProductStatus.PENDING_REVIEW.value)
    check_transition(product.status, ProductStatus.PENDING_REVIEW)
    has_photo = session.scalar(select(exists().where(ProductPhoto.product_id == product.id)))
    missing = tuple(
        name
        for name, present in (
            ("title", bool(product.title.strip())),
            ("price", product.price_minor is not None),
            ("category", product.category is not None),
            ("photo", bool(has_photo)),
        )
        if not present
    )
    if missing:
        raise IncompleteListing(product.id, missing)
    base = slug_base(product.title)
    if product.slug is None or product.slug.rsplit("-", 1)[0] != base:
        product.slug = _unique_slug(session, base)
    product.status = ProductStatus.PENDING_REVIEW
    product.submitted_at = now
    product.updated_at = now
    product.rejection_reason = ""
    session.flush()
    return product


def withdraw_from_review(
    session: Session, artisan_id: int, product_id: int, now: datetime
) -> Product:
    """Take a listing back from the queue to change something; it becomes a draft again."""
    product = owned_product(session, artisan_id, product_id, "withdraw from review", lock=True)
    if product.status != ProductStatus.PENDING_REVIEW:  # rejected → draft happens by editing
        raise InvalidTransition("product", product.status.value, ProductStatus.DRAFT.value)
    product.status = ProductStatus.DRAFT
    product.updated_at = now
    session.flush()
    return product


def archive(session: Session, artisan_id: int, product_id: int) -> Product:
    """Retire a piece for good: it leaves the shop and every curated collection, its orders
    keep pointing at it."""
    product = owned_product(session, artisan_id, product_id, "archive", lock=True)
    check_transition(product.status, ProductStatus.ARCHIVED)
    product.status = ProductStatus.ARCHIVED
    session.execute(delete(CollectionProduct).where(CollectionProduct.product_id == product_id))
    session.execute(
        update(Collection)
        .where(Collection.cover_product_id == product_id)
        .values(cover_product_id=None)
    )
    session.flush()
    return product


# --- slugs ----------------------------------------------------------------------------------


def slug_base(title: str) -> str:
    """ASCII, lower case, words joined by hyphens: "Shanga za Kioo — Bluu" → "shanga-za-kioo-bluu".

    Capped at a whole word within 60 characters; "piece" when nothing ASCII is left.
    """
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", folded.lower())
    base = ""
    for word in words:
        candidate = f"{base}-{word}" if base else word
        if len(candidate) > _SLUG_BASE_LENGTH:
            break
        base = candidate
    return base or (words[0][:_SLUG_BASE_LENGTH] if words else "piece")


def _unique_slug(session: Session, base: str) -> str:
    length = _SLUG_SUFFIX_LENGTH
    while True:
        for _ in range(5):
            suffix = "".join(secrets.choice(_SLUG_ALPHABET) for _ in range(length))
            slug = f"{base}-{suffix}"
            if not session.scalar(select(exists().where(Product.slug == slug))):
                return slug
        length += 2  # crowded base: widen the suffix rather than loop on collisions


# --- ownership (shared with product_photos) and validation ----------------------------


def owned_product(
    session: Session, artisan_id: int, product_id: int, action: str, *, lock: bool = False
) -> Product:
    """The product, if ``artisan_id`` owns it; ``lock`` re-reads it FOR UPDATE (PostgreSQL)."""
    product = session.get(Product, product_id, with_for_update=lock, populate_existing=lock)
    if product is None:
        raise NotFound("product", product_id)
    _check_owner(session, product, artisan_id, action)
    return product


def _check_owner(session: Session, product: Product, artisan_id: int, action: str) -> None:
    if product.artisan_id != artisan_id:
        user_id = session.scalar(select(Artisan.user_id).where(Artisan.id == artisan_id))
        raise PermissionDenied(f"{action} on product {product.id}", user_id)


def editable_product(session: Session, artisan_id: int, product_id: int, action: str) -> Product:
    """The artisan's product, if its details may change; a rejected one becomes a draft."""
    product = owned_product(session, artisan_id, product_id, action, lock=True)
    if product.status not in EDITABLE_STATUSES:
        raise ProductNotEditable(product.id, product.status, action)
    if product.status == ProductStatus.REJECTED:
        check_transition(product.status, ProductStatus.DRAFT)
        product.status = ProductStatus.DRAFT
    return product


def _valid_title(title: str) -> str:
    cleaned = clean_line(title)  # what buyers read: no bidi controls
    if not cleaned:
        raise InvalidProductDetail("title", "empty", title)
    if len(cleaned) > MAX_TITLE:
        raise InvalidProductDetail("title", "too_long", title)
    return cleaned


def _valid_description(description: str) -> str:
    cleaned = clean_display(description)
    if len(cleaned) > MAX_DESCRIPTION:
        raise InvalidProductDetail("description", "too_long", description)
    return cleaned


def _valid_materials(materials: Sequence[str]) -> list[str]:
    if isinstance(materials, str):
        raise InvalidProductDetail("materials", "not_a_list", materials)
    cleaned = [clean_line(material) for material in materials]
    if len(cleaned) > MAX_MATERIALS:
        raise InvalidProductDetail("materials", "too_many", materials)
    if any(not material for material in cleaned):
        raise InvalidProductDetail("materials", "empty", materials)
    if any(len(material) > MAX_MATERIAL_LENGTH for material in cleaned):
        raise InvalidProductDetail("materials", "too_long", materials)
    return cleaned
