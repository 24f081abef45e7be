"""Stale listing drafts: a heads-up the day before, then the draft is deleted.

A draft is the product row itself (`conversations/flows/listing/draft.py`), never seen by a
buyer, so cleaning it deletes the row (its photo rows go with it; the stored image files are
content-addressed and may be shared, so they stay). Archiving is not an option: an archived
product must have a title and a price, which a half-written draft may lack.

Its last touch is the latest of the row's `updated_at`, its newest photo, and — while she is
in the listing flow writing this very draft — her conversation's last step. A draft untouched
for `HEADS_UP_AFTER` gets the heads-up; one untouched for `STALE_AFTER` whose heads-up went out
at least `MIN_NOTICE` ago is deleted. So a draft is never deleted without a heads-up the day
before, even after the scheduler was down, unless there is nobody to tell. Touching the draft
after the heads-up starts over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.flows.listing.draft import FLOW as LISTING_FLOW
from conversations.flows.listing.draft import PRODUCT_ID
from conversations.i18n import N_, Translator
from conversations.messages import Outbound
from store.models import (
    Artisan,
    ConversationState,
    OutboxMessage,
    Product,
    ProductPhoto,
    ProductStatus,
    User,
)
from store.rowcount import rows_matched
from store.uow import UnitOfWorkFactory

STALE_AFTER = timedelta(days=7)
HEADS_UP_AFTER = STALE_AFTER - timedelta(days=1)
MIN_NOTICE = timedelta(hours=20)

DRAFT_EXPIRING = N_(
    "Your unfinished listing “{title}” will be removed tomorrow. To keep it, send menu, "
    "choose “List a piece” and finish it."
)
UNTITLED_DRAFT_EXPIRING = N_(
    "The listing you started on {date} is not finished and will be removed tomorrow. To keep "
    "it, send menu, choose “List a piece” and finish it."
)


@dataclass
class DraftCleanup:
    warned: list[int] = field(default_factory=list)  # product ids given the heads-up
    removed: list[int] = field(default_factory=list)


def clean_stale_drafts(
    uow_factory: UnitOfWorkFactory, now: datetime, zone: ZoneInfo
) -> DraftCleanup:
    done = DraftCleanup()
    with uow_factory() as uow:
        session = uow.session
        drafts = session.execute(
            select(Product, User)
            .join(Artisan, Artisan.id == Product.artisan_id)
            .join(User, User.id == Artisan.user_id)
            .where(
                Product.status == ProductStatus.DRAFT,
                Product.updated_at <= now - HEADS_UP_AFTER,
            )
            .order_by(Product.id)
        ).all()
        photos = _newest_photos(session, [product.id for product, _ in drafts])
        states = _listing_states(session, {user.id for _, user in drafts})
        for product, user in drafts:
            touched = max(
                [product.updated_at, product.created_at]
                + [t for t in (photos.get(product.id), states.get((user.id, product.id))) if t]
            )
            if now - touched < HEADS_UP_AFTER:
                continue
            key = f"draft:{product.id}:expiring:{touched.isoformat()}"
            warned_at = session.scalar(
                select(OutboxMessage.created_at).where(OutboxMessage.dedupe_key == key)
            )
            if warned_at is None:
                if _warn(session, product, user, key, now, zone):
                    done.warned.append(product.id)
                    continue
                if now - touched < STALE_AFTER:
                    continue  # nobody to tell: removed at seven days all the same
            elif now - touched < STALE_AFTER or now - warned_at < MIN_NOTICE:
                continue
            if _remove(session, product.id):
                done.removed.append(product.id)
        uow.commit()
    return done


def _warn(
    session: Session, product: Product, user: User, key: str, now: datetime, zone: ZoneInfo
) -> bool:
    t = Translator(user.locale)
    if product.title:
        text = t._(DRAFT_EXPIRING).format(title=product.title)
    else:
        started = product.created_at.astimezone(zone).strftime("%d/%m/%Y")
        text = t._(UNTITLED_DRAFT_EXPIRING).format(date=started)
    return outbox.notify(session, user.id, Outbound(text=text), dedupe_key=key, now=now) is not None


def _remove(session: Session, product_id: int) -> bool:
    """Delete the draft if it still is one (she may have submitted it a moment ago)."""
    removed = session.execute(
        delete(Product)
        .where(Product.id == product_id, Product.status == ProductStatus.DRAFT)
        .execution_options(synchronize_session=False)
    )
    return bool(rows_matched(removed))


def _newest_photos(session: Session, product_ids: list[int]) -> dict[int, datetime]:
    rows = session.execute(
        select(ProductPhoto.product_id, func.max(ProductPhoto.created_at))
        .where(ProductPhoto.product_id.in_(product_ids))
        .group_by(ProductPhoto.product_id)
    ).all()
    return {product_id: newest for product_id, newest in rows}  # noqa: C416 - typed rows


def _listing_states(session: Session, user_ids: set[int]) -> dict[tuple[int, int], datetime]:
    """(user, draft) → when her conversation last moved, for those writing a draft now."""
    rows = session.execute(
        select(
            ConversationState.user_id, ConversationState.data, ConversationState.updated_at
        ).where(ConversationState.user_id.in_(user_ids), ConversationState.flow == LISTING_FLOW)
    ).all()
    found: dict[tuple[int, int], datetime] = {}
    for user_id, data, updated_at in rows:
        product_id = _draft_in(data)
        if product_id is not None:
            found[(user_id, product_id)] = updated_at
    return found


def _draft_in(data: dict[str, Any]) -> int | None:
    value = data.get("flow_data", {}).get(PRODUCT_ID)
    return value if isinstance(value, int) else None
