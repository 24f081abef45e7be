"""Fill an empty database with the demo shop, through the same services the chat uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.demo import content
from store.demo.pictures import draw_piece
from store.media.pipeline import PhotoLimits, ProcessedPhoto, process_photo
from store.media.storage import MediaStore, save_processed
from store.models import (
    ArtisanStatus,
    Category,
    Channel,
    Collection,
    CollectionProduct,
    Identity,
    Product,
    Role,
)
from store.money import Money
from store.pricing import PricingPolicy
from store.services import (
    carts,
    catalog,
    ledger,
    listing_review,
    orders,
    people,
    referrals,
    roles,
)
from store.services.audit import Actor
from store.services.product_photos import PhotoRecord, add_photo
from store.services.shipping import ShippingDetails
from store.uow import UnitOfWorkFactory

# The last pieces of this artisan wait for review, so the community manager has a queue.
PENDING_REVIEW_ARTISAN = "achieng"
PENDING_REVIEW_COUNT = 2
SOLD_PIECE = "Sunset bead necklace"


class DemoPhotoRefused(Exception):
    """A drawn picture the pipeline refused: a bug in the demo, not the artisan's doing."""


@dataclass
class DemoSummary:
    users: dict[str, int] = field(default_factory=dict)  # person key -> user id
    artisans: dict[str, int] = field(default_factory=dict)  # person key -> artisan id
    referral_code: str = ""
    products: int = 0
    pending_review: int = 0
    order_code: str = ""


def seed_demo(
    uow_factory: UnitOfWorkFactory,
    media: MediaStore,
    pricing: PricingPolicy,
    *,
    now: datetime,
    channels: Sequence[Channel] = (Channel.CONSOLE,),
) -> DemoSummary:
    """Seed in one unit of work: the demo shop is there whole, or not at all. Its photos are
    drawn, processed and stored first, before that unit of work opens.

    Each person gets an identity on each of `channels` (their key as the platform user id);
    until someone writes, notifications go to the last one (where the demo is played).
    """
    summary = DemoSummary()
    photos = [_photo(media, piece.category, seed) for seed, piece in enumerate(content.PIECES)]
    with uow_factory() as uow:
        session = uow.session
        _people(session, summary, channels, now)
        _artisans(session, summary, now)
        _pieces(session, photos, summary, now)
        _collection(session, now)
        _sample_sale(session, pricing, summary, now)
        uow.commit()
    return summary


def _people(
    session: Session, summary: DemoSummary, channels: Sequence[Channel], now: datetime
) -> None:
    first, *others = channels
    for person in content.PEOPLE:
        user, _ = people.find_or_create_user(
            session,
            first,
            person.key,
            profile_name=person.name,
            locale=person.locale,
            now=now,
        )
        for channel in others:
            session.add(
                Identity(
                    user_id=user.id,
                    channel=channel,
                    platform_user_id=person.key,
                    profile_name=person.name,
                    created_at=now,
                )
            )
        session.flush()
        user.display_name = person.name
        people.link_phone(session, user.id, person.phone)
        summary.users[person.key] = user.id
    manager = summary.users[content.COMMUNITY_MANAGER.key]
    roles.grant(session, Actor.operator(), manager, Role.COMMUNITY_MANAGER, now)


def _artisans(session: Session, summary: DemoSummary, now: datetime) -> None:
    codes: dict[str, str] = {}
    for spec in content.ARTISANS:  # mentors come first in the content
        registration = people.register_artisan(
            session,
            summary.users[spec.person.key],
            shop_name=spec.shop_name,
            location=spec.location,
            story=spec.story,
            mpesa_phone=spec.person.phone,
            referral_code=codes.get(spec.mentor_key or ""),
            now=now,
        )
        artisan = registration.artisan
        summary.artisans[spec.person.key] = artisan.id
        if spec.independent:
            artisan.status = ArtisanStatus.INDEPENDENT
            artisan.qualified_at = now
        if spec.mentor:
            code = referrals.make_mentor(session, artisan.id, now, threshold=None)
            codes[spec.person.key] = code.code
            summary.referral_code = referrals.format_code(code.code)
    session.flush()


def _pieces(
    session: Session, photos: Sequence[PhotoRecord], summary: DemoSummary, now: datetime
) -> None:
    reviewer = summary.users[content.COMMUNITY_MANAGER.key]
    pending = [p for p in content.PIECES if p.artisan_key == PENDING_REVIEW_ARTISAN]
    left_pending = {p.title for p in pending[-PENDING_REVIEW_COUNT:]}
    for piece, photo in zip(content.PIECES, photos, strict=True):
        artisan_id = summary.artisans[piece.artisan_key]
        product = catalog.create_draft(session, artisan_id)
        catalog.update_details(
            session,
            artisan_id,
            product.id,
            title=piece.title,
            description=piece.description,
            category=piece.category,
            materials=list(piece.materials),
        )
        catalog.set_price(session, artisan_id, product.id, Money.of_major(piece.price_kes, "KES"))
        catalog.set_stock(session, artisan_id, product.id, piece.stock)
        add_photo(session, artisan_id, product.id, photo)
        catalog.submit_for_review(session, artisan_id, product.id, now)
        summary.products += 1
        if piece.title in left_pending:
            summary.pending_review += 1
        else:
            listing_review.approve(session, reviewer, product.id, now)


def _photo(media: MediaStore, category: Category, seed: int) -> PhotoRecord:
    processed = process_photo(draw_piece(category, seed=seed), PhotoLimits())
    if not isinstance(processed, ProcessedPhoto):
        raise DemoPhotoRefused(processed)
    return PhotoRecord(
        sha256=processed.sha256,
        phash=processed.phash,
        width=processed.width,
        height=processed.height,
        keys=save_processed(media, processed),
    )


def _collection(session: Session, now: datetime) -> None:
    """Published and featured, as a community manager leaves it in the chat."""
    collection = Collection(
        slug=content.COLLECTION_SLUG,
        title=content.COLLECTION_TITLE,
        title_sw=content.COLLECTION_TITLE_SW,
        description=content.COLLECTION_DESCRIPTION,
        description_sw=content.COLLECTION_DESCRIPTION_SW,
        active=True,
        featured=True,
        published_at=now,
        created_at=now,
    )
    session.add(collection)
    session.flush()
    for position, title in enumerate(content.COLLECTION_PIECES):
        product = _product_titled(session, title)
        session.add(
            CollectionProduct(collection_id=collection.id, product_id=product.id, position=position)
        )
    session.flush()


def _sample_sale(
    session: Session, pricing: PricingPolicy, summary: DemoSummary, now: datetime
) -> None:
    """The buyer has already bought one necklace, so the artisan has an order and a balance."""
    buyer = summary.users[content.BUYER.key]
    product = _product_titled(session, SOLD_PIECE)
    carts.add_to_cart(session, buyer, product.id, 1, now=now)
    shipping = ShippingDetails(
        name=content.BUYER.name, address="Oranienstraße 25, 10999 Berlin", country="DE"
    )
    order = orders.place_order(session, buyer, Channel.CONSOLE, pricing, shipping, now)
    orders.mark_paid(session, order.id, "demo", f"demo-{order.code}", now)
    ledger.record_sale(session, order)
    summary.order_code = order.code


def _product_titled(session: Session, title: str) -> Product:
    return session.scalars(select(Product).where(Product.title == title)).one()
