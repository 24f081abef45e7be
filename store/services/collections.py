"""Curated collections, made by community managers in the chat.

A collection is made unpublished (only managers see it), with its title and story in English
and Swahili; managers add pieces (from the review card or by searching), order them, pick the
cover piece, publish it (buyers see it in the chat and at ``/c/{slug}``), unpublish it, and
feature one published collection on the buyers' first menu. Every change checks the role
again (a message may outlive it) and is written to the people audit in the same unit of work,
only when something changed.

A piece archived by its artisan leaves every collection (`store.services.catalog.archive`);
a sold-out one stays, marked sold out where buyers see it (`browse`). The slug is made from the
English title, unique; retitling an unpublished collection makes a new one, but once it has
been published it never changes (links shared since keep working).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.errors import NotFound, PermissionDenied, StoreError
from store.models import (
    Artisan,
    AuditAction,
    Collection,
    CollectionProduct,
    Product,
    ProductStatus,
)
from store.rowcount import rows_matched
from store.services import audit, permissions
from store.services.audit import Actor
from store.services.open_shops import SHOP_OPEN
from store.services.product_status import LISTED_STATUSES
from store.text import clean_display, clean_line

TITLE_MAX: Final = 80
STORY_MAX: Final = 600
SLUG_BASE_MAX: Final = 60
SLUG_ATTEMPTS: Final = 3  # a slug taken by another manager at the same moment: the next one
# What a manager may put in a collection: anything that is or may become public.
ADDABLE: Final = (ProductStatus.PENDING_REVIEW, ProductStatus.ACTIVE, ProductStatus.SOLD_OUT)


class EmptyCollection(StoreError):
    """Publishing a collection with no piece in it."""

    def __init__(self, collection_id: int) -> None:
        super().__init__(f"collection {collection_id} has no piece")
        self.collection_id = collection_id


class NotPublished(StoreError):
    """Featuring a collection buyers cannot see."""

    def __init__(self, collection_id: int) -> None:
        super().__init__(f"collection {collection_id} is not published")
        self.collection_id = collection_id


class OwnPiece(PermissionDenied):
    """A community manager who sells too, adding a piece of her own shop: as with reviewing,
    another manager decides on it."""

    def __init__(self, user_id: int, product_id: int) -> None:
        super().__init__(f"add their own product {product_id} to a collection", user_id)
        self.product_id = product_id


class FeaturedMeanwhile(StoreError):
    """Another community manager featured a collection at the same moment, and hers won (the
    unique index on `featured`): she is told which, and may tap again to feature hers."""

    def __init__(self, collection_id: int, featured_title: str) -> None:
        super().__init__(f"collection {collection_id}: another was featured meanwhile")
        self.collection_id = collection_id
        self.featured_title = featured_title


@dataclass(frozen=True, slots=True)
class Texts:
    """A collection's words as a manager gave them ("" for a Swahili one she skipped)."""

    title: str
    title_sw: str
    story: str
    story_sw: str


@dataclass(frozen=True, slots=True)
class Piece:
    product_id: int
    title: str
    status: ProductStatus
    shop_open: bool = True  # False: its shop is suspended (buyers see it again once reinstated)

    @property
    def sold_out(self) -> bool:
        return self.status is ProductStatus.SOLD_OUT


# --- what buyers see ------------------------------------------------------------------------

# A piece of the collection buyers may see now: one waiting for review, or of a suspended
# shop, does not count (a menu never leads a buyer to an empty collection).
_SHOWS_A_PIECE: Final = (
    select(CollectionProduct.product_id)
    .join(Product, Product.id == CollectionProduct.product_id)
    .join(Artisan, Artisan.id == Product.artisan_id)
    .where(
        CollectionProduct.collection_id == Collection.id,
        Product.status.in_(LISTED_STATUSES),
        SHOP_OPEN,
    )
    .exists()
)


def published(session: Session, *, limit: int = 20) -> list[Collection]:
    """The published collections buyers would find something in, the featured one first,
    then the newest published."""
    return list(
        session.scalars(
            select(Collection)
            .where(Collection.active.is_(True), _SHOWS_A_PIECE)
            .order_by(
                Collection.featured.desc(), Collection.published_at.desc(), Collection.id.desc()
            )
            .limit(limit)
        )
    )


def featured(session: Session) -> Collection | None:
    """The featured collection, while buyers would find something in it (the first menu's
    line is left off meanwhile)."""
    return session.scalar(
        select(Collection).where(
            Collection.active.is_(True), Collection.featured.is_(True), _SHOWS_A_PIECE
        )
    )


def visible(session: Session, collection_id: int) -> Collection | None:
    """The collection if buyers may see it now (published), else None."""
    collection = session.get(Collection, collection_id)
    return collection if collection is not None and collection.active else None


# --- what managers see ----------------------------------------------------------------------


def all_for_managers(session: Session, user_id: int, *, limit: int = 30) -> list[Collection]:
    permissions.require_manager(session, Actor.user(user_id), "see collections")
    return list(
        session.scalars(
            select(Collection)
            .order_by(Collection.featured.desc(), Collection.active.desc(), Collection.id.desc())
            .limit(limit)
        )
    )


def get(session: Session, user_id: int, collection_id: int) -> Collection:
    permissions.require_manager(session, Actor.user(user_id), "see a collection")
    collection = session.get(Collection, collection_id)
    if collection is None:
        raise NotFound("collection", collection_id)
    return collection


def pieces(session: Session, collection_id: int) -> list[Piece]:
    """Its pieces in their curated order (archived ones have left it)."""
    rows = session.execute(
        select(Product.id, Product.title, Product.status, SHOP_OPEN.label("shop_open"))
        .join(CollectionProduct, CollectionProduct.product_id == Product.id)
        .join(Artisan, Artisan.id == Product.artisan_id)
        .where(
            CollectionProduct.collection_id == collection_id,
            Product.status != ProductStatus.ARCHIVED,
        )
        .order_by(CollectionProduct.position, Product.id)
    ).all()
    return [Piece(row.id, row.title, row.status, bool(row.shop_open)) for row in rows]


def holding(session: Session, product_id: int) -> list[int]:
    """The ids of the collections a piece is in."""
    return list(
        session.scalars(
            select(CollectionProduct.collection_id).where(
                CollectionProduct.product_id == product_id
            )
        )
    )


# --- changes --------------------------------------------------------------------------------


def create(session: Session, user_id: int, texts: Texts, now: datetime) -> Collection:
    actor = Actor.user(user_id)
    permissions.require_manager(session, actor, "create a collection")
    title = clean_line(texts.title)[:TITLE_MAX]
    if not title:
        raise ValueError("a collection needs an English title")
    for attempt in range(SLUG_ATTEMPTS):
        collection = Collection(
            slug=unique_slug(session, title),
            title=title,
            title_sw=clean_line(texts.title_sw)[:TITLE_MAX],
            description=_clean(texts.story, STORY_MAX),
            description_sw=_clean(texts.story_sw, STORY_MAX),
            active=False,
            featured=False,
            created_by_user_id=user_id,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(collection)
                session.flush()
            break
        except IntegrityError:  # another manager took that slug at the same moment
            if attempt == SLUG_ATTEMPTS - 1:
                raise
    audit.record(
        session, actor, AuditAction.COLLECTION_CREATE, now, collection_id=collection.id, note=title
    )
    return collection


def edit(session: Session, user_id: int, collection_id: int, texts: Texts, now: datetime) -> bool:
    """Change its titles and stories; False when nothing changed. The slug follows a new
    English title only while it has never been published."""
    actor, collection = _managed(session, user_id, collection_id, "change a collection")
    title = clean_line(texts.title)[:TITLE_MAX] or collection.title
    new = (
        title,
        clean_line(texts.title_sw)[:TITLE_MAX],
        _clean(texts.story, STORY_MAX),
        _clean(texts.story_sw, STORY_MAX),
    )
    old = (
        collection.title,
        collection.title_sw,
        collection.description,
        collection.description_sw,
    )
    if new == old:
        return False
    base = slug_base(title)
    keeps_slug = re.fullmatch(rf"{re.escape(base)}(-[0-9]+)?", collection.slug) is not None
    if collection.published_at is None and not keeps_slug:
        collection.slug = unique_slug(session, title)
    collection.title, collection.title_sw, collection.description, collection.description_sw = new
    session.flush()
    audit.record(
        session, actor, AuditAction.COLLECTION_EDIT, now, collection_id=collection.id, note=title
    )
    return True


def add_piece(
    session: Session, user_id: int, collection_id: int, product_id: int, now: datetime
) -> bool:
    """Put the piece last in the collection; False when it was already there."""
    actor, collection = _managed(session, user_id, collection_id, "add to a collection")
    product = session.get(Product, product_id)
    if product is None or product.status not in ADDABLE:
        raise NotFound("product", product_id)
    if session.scalar(select(Artisan.user_id).where(Artisan.id == product.artisan_id)) == user_id:
        raise OwnPiece(user_id, product_id)
    if session.get(CollectionProduct, (collection.id, product_id)) is not None:
        return False
    last = session.scalar(
        select(func.max(CollectionProduct.position)).where(
            CollectionProduct.collection_id == collection.id
        )
    )
    session.add(
        CollectionProduct(
            collection_id=collection.id,
            product_id=product_id,
            position=0 if last is None else last + 1,
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.COLLECTION_ADD,
        now,
        collection_id=collection.id,
        product_id=product_id,
    )
    return True


def remove_piece(
    session: Session, user_id: int, collection_id: int, product_id: int, now: datetime
) -> bool:
    actor, collection = _managed(session, user_id, collection_id, "remove from a collection")
    removed = rows_matched(
        session.execute(
            delete(CollectionProduct).where(
                CollectionProduct.collection_id == collection.id,
                CollectionProduct.product_id == product_id,
            )
        )
    )
    if not removed:
        return False
    if collection.cover_product_id == product_id:
        collection.cover_product_id = None
    _renumber(session, collection.id, [p.product_id for p in pieces(session, collection.id)])
    audit.record(
        session,
        actor,
        AuditAction.COLLECTION_REMOVE,
        now,
        collection_id=collection.id,
        product_id=product_id,
    )
    return True


def move_piece(
    session: Session, user_id: int, collection_id: int, product_id: int, place: int, now: datetime
) -> bool:
    """Put the piece at `place` (1 is first; beyond the last: last); False when it is not in
    the collection or already there."""
    actor, collection = _managed(session, user_id, collection_id, "reorder a collection")
    order = [piece.product_id for piece in pieces(session, collection.id)]
    if product_id not in order:
        return False
    index = min(max(place, 1), len(order)) - 1
    if order.index(product_id) == index:
        return False
    order.remove(product_id)
    order.insert(index, product_id)
    _renumber(session, collection.id, order)
    audit.record(
        session,
        actor,
        AuditAction.COLLECTION_MOVE,
        now,
        collection_id=collection.id,
        product_id=product_id,
        note=f"to place {index + 1}",
    )
    return True


def set_cover(
    session: Session, user_id: int, collection_id: int, product_id: int, now: datetime
) -> bool:
    actor, collection = _managed(session, user_id, collection_id, "choose a collection's cover")
    if product_id not in [piece.product_id for piece in pieces(session, collection.id)]:
        return False
    if collection.cover_product_id == product_id:
        return False
    collection.cover_product_id = product_id
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.COLLECTION_COVER,
        now,
        collection_id=collection.id,
        product_id=product_id,
    )
    return True


def cover(collection: Collection, its_pieces: Sequence[Piece]) -> int | None:
    """The cover among its pieces (`pieces`): the one chosen, else the first."""
    return _chosen_or_first(collection, [piece.product_id for piece in its_pieces])


def cover_for_buyers(session: Session, collection: Collection) -> int | None:
    """The cover a shared link shows: the chosen one while buyers may see it (listed or sold
    out, its shop open), else the first such piece. A piece still waiting for review, turned
    down or of a suspended shop may be chosen in the chat, but its photo is never shown."""
    ids = list(
        session.scalars(
            select(Product.id)
            .join(CollectionProduct, CollectionProduct.product_id == Product.id)
            .join(Artisan, Artisan.id == Product.artisan_id)
            .where(
                CollectionProduct.collection_id == collection.id,
                Product.status.in_(LISTED_STATUSES),
                SHOP_OPEN,
            )
            .order_by(CollectionProduct.position, Product.id)
        )
    )
    return _chosen_or_first(collection, ids)


def publish(session: Session, user_id: int, collection_id: int, now: datetime) -> bool:
    """Show it to buyers; False when it already was. Its slug is fixed from now on."""
    actor, collection = _managed(session, user_id, collection_id, "publish a collection")
    if collection.active:
        return False
    if not pieces(session, collection.id):
        raise EmptyCollection(collection.id)
    collection.active = True
    if collection.published_at is None:
        collection.published_at = now
    session.flush()
    audit.record(session, actor, AuditAction.COLLECTION_PUBLISH, now, collection_id=collection.id)
    return True


def unpublish(session: Session, user_id: int, collection_id: int, now: datetime) -> bool:
    """Hide it from buyers (and from the first menu, if it was featured)."""
    actor, collection = _managed(session, user_id, collection_id, "unpublish a collection")
    if not collection.active:
        return False
    collection.active = False
    collection.featured = False
    session.flush()
    audit.record(session, actor, AuditAction.COLLECTION_UNPUBLISH, now, collection_id=collection.id)
    return True


def feature(session: Session, user_id: int, collection_id: int, now: datetime) -> bool:
    """Make it the one on the buyers' first menu (the one there before steps down)."""
    actor, collection = _managed(session, user_id, collection_id, "feature a collection")
    if not collection.active:
        raise NotPublished(collection.id)
    if collection.featured:
        return False
    try:
        with session.begin_nested():
            session.execute(
                update(Collection).where(Collection.featured.is_(True)).values(featured=False)
            )
            collection.featured = True
            session.flush()
    except IntegrityError:  # another manager featured one at the same moment, and won
        winner = session.scalar(
            select(Collection.title).where(
                Collection.featured.is_(True), Collection.id != collection.id
            )
        )
        raise FeaturedMeanwhile(collection.id, winner or "") from None
    audit.record(session, actor, AuditAction.COLLECTION_FEATURE, now, collection_id=collection.id)
    return True


# --- slugs ----------------------------------------------------------------------------------


def slug_base(title: str) -> str:
    """ASCII, lower case, words joined by hyphens, within 60 characters: "Mkusanyiko wa
    Kenya" → "mkusanyiko-wa-kenya"; "collection" when nothing ASCII is left."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    base = ""
    for word in re.findall(r"[a-z0-9]+", folded.lower()):
        candidate = f"{base}-{word}" if base else word
        if len(candidate) > SLUG_BASE_MAX:
            break
        base = candidate
    return base or "collection"


def unique_slug(session: Session, title: str) -> str:
    """The title's slug, with "-2", "-3"… when another collection has it."""
    base = slug_base(title)
    slug, n = base, 1
    while session.scalar(select(exists().where(Collection.slug == slug))):
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- helpers --------------------------------------------------------------------------------


def _managed(
    session: Session, user_id: int, collection_id: int, doing: str
) -> tuple[Actor, Collection]:
    """The acting manager (her role checked again: a message may outlive it) and the
    collection she changes, locked."""
    actor = Actor.user(user_id)
    permissions.require_manager(session, actor, doing)
    return actor, _locked(session, collection_id)


def _locked(session: Session, collection_id: int) -> Collection:
    """The collection, its row locked until commit (two managers reordering at once)."""
    collection = session.scalar(
        select(Collection).where(Collection.id == collection_id).with_for_update()
    )
    if collection is None:
        raise NotFound("collection", collection_id)
    return collection


def _renumber(session: Session, collection_id: int, order: list[int]) -> None:
    for position, product_id in enumerate(order):
        session.execute(
            update(CollectionProduct)
            .where(
                CollectionProduct.collection_id == collection_id,
                CollectionProduct.product_id == product_id,
            )
            .values(position=position)
        )
    session.flush()


def _chosen_or_first(collection: Collection, ids: list[int]) -> int | None:
    if collection.cover_product_id in ids:
        return collection.cover_product_id
    return ids[0] if ids else None


def _clean(text: str, limit: int) -> str:
    return clean_display(text)[:limit]
