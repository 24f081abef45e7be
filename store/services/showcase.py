"""What the public web pages show: a piece with its photos and maker, a shop, a collection.

Read-only views as plain values, so a page renders after its unit of work has closed. A piece
is public once approved: listed (``active``) or ``sold_out`` — a link shared before it sold
out still shows what it was and whose shop to visit. Drafts, pieces waiting for review,
rejected and archived ones are not public, nor is anything of a suspended shop
(``open_shops``), nor a shop none of whose pieces is public. A shared map pin is never shown
(``public_place``). Lists of pieces come from `browse` (active only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from store.media.pipeline import SIZES, fit_within
from store.models import (
    Artisan,
    Category,
    Collection,
    Product,
    ProductPhoto,
    ProductStatus,
    User,
)
from store.money import Money
from store.services import collections, workshop_visits
from store.services.open_shops import SHOP_OPEN
from store.services.product_photos import MAX_PHOTOS
from store.services.product_status import LISTED_STATUSES
from store.services.public_place import public_place

_MAX_ID: Final = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Rendition:
    name: str  # "thumb", "medium", "large"
    key: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class PhotoView:
    """One photo's stored sizes, smallest first, with their pixel sizes (for srcset)."""

    renditions: tuple[Rendition, ...]

    @property
    def largest(self) -> Rendition:
        return self.renditions[-1]


@dataclass(frozen=True, slots=True)
class ShopView:
    slug: str
    shop_name: str
    location: str
    story: str
    maker_name: str  # her first name, as the chat card says it
    has_mentor: bool
    # The month of the workshop visit that verifies the shop (`workshop_visits`), if any.
    verified_in: date | None = None


@dataclass(frozen=True, slots=True)
class ProductView:
    id: int
    slug: str | None
    title: str
    description: str
    category: Category | None
    materials: tuple[str, ...]  # as she typed them
    material_codes: tuple[str, ...]  # canonical (store/vocabulary.py)
    price: Money  # the artisan's price, her currency: what she receives
    stock_available: int
    status: ProductStatus
    photos: tuple[PhotoView, ...]
    shop: ShopView

    @property
    def for_sale(self) -> bool:
        return self.status is ProductStatus.ACTIVE and self.stock_available > 0


@dataclass(frozen=True, slots=True)
class CollectionView:
    id: int
    slug: str
    title: str
    description: str
    cover_product_id: int | None = None  # its cover piece (shared links show its photo)


def find_product(
    session: Session,
    ref: str,
    *,
    now: datetime | None = None,
    timezone: str = workshop_visits.NAIROBI,
) -> ProductView | None:
    """A public piece by its slug, or by its id (links handed out before it had a slug); with
    `now`, its shop says whether a workshop visit verifies it (on `timezone`'s calendar)."""
    query = (
        select(Product, Artisan, User)
        .join(Artisan, Artisan.id == Product.artisan_id)
        .join(User, User.id == Artisan.user_id)
        .where(Product.status.in_(LISTED_STATUSES), SHOP_OPEN)
    )
    row = session.execute(query.where(Product.slug == ref)).one_or_none()
    if row is None and ref.isascii() and ref.isdigit() and int(ref) <= _MAX_ID:
        row = session.execute(query.where(Product.id == int(ref))).one_or_none()
    if row is None:
        return None
    product, artisan, maker = row
    assert product.price_minor is not None  # approved pieces always have a price
    photos = session.scalars(
        select(ProductPhoto)
        .where(ProductPhoto.product_id == product.id)
        .order_by(ProductPhoto.position)
        .limit(MAX_PHOTOS)  # never more; a page's size stays bounded whatever the data
    )
    return ProductView(
        id=product.id,
        slug=product.slug,
        title=product.title,
        description=product.description,
        category=product.category,
        materials=tuple(product.materials),
        material_codes=tuple(product.material_codes),
        price=Money(product.price_minor, product.currency),
        stock_available=max(product.stock_available, 0),
        status=product.status,
        photos=tuple(view for photo in photos if (view := photo_view(photo)) is not None),
        shop=_shop_view(session, artisan, maker, now, timezone),
    )


def find_shop(
    session: Session,
    slug: str,
    *,
    now: datetime | None = None,
    timezone: str = workshop_visits.NAIROBI,
) -> tuple[int, ShopView] | None:
    """An artisan's open shop (her id, for browsing her pieces) by its slug, once a community
    manager has approved one of her pieces: until then her name, story and place are not
    published (nobody has reviewed them yet)."""
    approved = exists().where(Product.artisan_id == Artisan.id, Product.status.in_(LISTED_STATUSES))
    row = session.execute(
        select(Artisan, User)
        .join(User, User.id == Artisan.user_id)
        .where(Artisan.slug == slug, SHOP_OPEN, approved)
    ).one_or_none()
    if row is None:
        return None
    artisan, maker = row
    return artisan.id, _shop_view(session, artisan, maker, now, timezone)


def find_collection(session: Session, slug: str, locale: str = "en") -> CollectionView | None:
    """A published curated collection by its slug, its title and story in `locale` (English
    where it has none in that language). Unpublished ones are not found: only community
    managers see those, in the chat."""
    collection = session.scalar(
        select(Collection).where(Collection.slug == slug, Collection.active.is_(True))
    )
    if collection is None:
        return None
    return CollectionView(
        collection.id,
        collection.slug,
        collection.title_in(locale),
        collection.story_in(locale),
        collections.cover_for_buyers(session, collection),
    )


def photo_view(photo: ProductPhoto) -> PhotoView | None:
    return renditions_of(dict(photo.keys or {}), (photo.width, photo.height))


def renditions_of(keys: dict[str, str], original: tuple[int, int]) -> PhotoView | None:
    """The stored sizes of a photo whose upright original is `original` (width, height):
    the pipeline scales each size from it, so each size's pixels are known without reading
    the file."""
    found = [
        Rendition(name, str(keys[name]), *fit_within(original, long_side))
        for name, long_side in reversed(SIZES)
        if keys.get(name)
    ]
    return PhotoView(tuple(found)) if found else None


def cover_photos(session: Session, product_ids: list[int]) -> dict[int, PhotoView]:
    """The cover photo (position 0) of each piece that has one, for a grid of pieces."""
    if not product_ids:
        return {}
    photos = session.scalars(
        select(ProductPhoto).where(
            ProductPhoto.product_id.in_(product_ids), ProductPhoto.position == 0
        )
    )
    return {photo.product_id: view for photo in photos if (view := photo_view(photo)) is not None}


def _shop_view(
    session: Session, artisan: Artisan, maker: User, now: datetime | None, timezone: str
) -> ShopView:
    words = maker.display_name.split()
    verified = None
    if now is not None:
        verifying = workshop_visits.verified_since(session, [artisan.id], now, timezone=timezone)
        verified = verifying.get(artisan.id)
    return ShopView(
        slug=artisan.slug,
        shop_name=artisan.shop_name,
        location=public_place(artisan.location),
        story=artisan.story,
        maker_name=words[0] if words else artisan.shop_name,
        has_mentor=artisan.mentor_id is not None,
        verified_in=verified,
    )
