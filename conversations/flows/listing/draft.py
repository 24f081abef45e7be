"""The listing's state: its steps, and the draft product it is writing.

The product row *is* the draft: created at the first accepted photo, filled in step by step
through the catalog services, so it survives a cancel, a restart or a week away. The flow's
data only remembers which product (``product_id``) and a few answers awaiting confirmation.
Every read and write names the artisan, and the services re-check that she owns the product.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from sqlalchemy import func, select

from conversations.flow import StepContext
from conversations.flows import menu
from store.errors import PermissionDenied
from store.models import Artisan, Product, ProductPhoto, ProductStatus
from store.services import catalog, people

FLOW: Final = menu.PHOTO_FLOW
# `start`'s argument when a photo sent outside any flow begins a listing.
WITH_PHOTOS: Final = menu.PHOTO_ARG

PRODUCT_ID: Final = "product_id"
EDITING: Final = "editing"  # set while changing one detail from the preview
ALBUM: Final = "album"  # the media group of the last photos received
PENDING_PRICE: Final = "pending_price"  # minor units, echoed and awaiting a yes
RESUME_ID: Final = "resume_id"
RESUME_STEP: Final = "resume_step"
# A newcomer's first photos (`photo_to_dict`) and their caption, kept while she opens her shop.
FIRST_PHOTOS: Final = "first_photos"
FIRST_CAPTION: Final = "first_caption"
LEFT_OUT_TOLD: Final = "left_out_told"  # she was told that photos past the most were left out
# `start`'s argument when her shop has just opened and those photos wait (see onboarding).
KEPT_PHOTOS: Final = "kept-photos"


class Step(StrEnum):
    SELLER = "seller"  # not an artisan yet: offered to open a shop
    RESUME = "resume"  # an unfinished draft: continue it or start anew
    PHOTOS = "photos"
    TITLE = "title"
    PRICE = "price"
    PRICE_CONFIRM = "price_confirm"
    CATEGORY = "category"
    MATERIALS = "materials"
    MATERIALS_FLAGGED = "materials_flagged"
    QUANTITY = "quantity"
    DESCRIPTION = "description"
    PREVIEW = "preview"
    CHANGE = "change"


# The order of the questions; after each one the next unanswered is asked (or the preview,
# when editing). Quantity (1 unless she changes it) and description are on the preview only.
ORDER: Final = (
    Step.PHOTOS,
    Step.TITLE,
    Step.PRICE,
    Step.CATEGORY,
    Step.MATERIALS,
    Step.PREVIEW,
)
# Where to pick up again for a step whose pending answer is not kept.
_RESUME_AT: Final = {
    Step.PRICE_CONFIRM: Step.PRICE,
    Step.MATERIALS_FLAGGED: Step.MATERIALS,
    Step.CHANGE: Step.PREVIEW,
}


def artisan_of(ctx: StepContext) -> Artisan:
    """The person's shop; a person without one may not write listings."""
    artisan = people.artisan_for_user(ctx.session, ctx.user.id)
    if artisan is None:
        raise PermissionDenied("write a listing without a shop", ctx.user.id)
    return artisan


def draft_id(ctx: StepContext) -> int | None:
    value = ctx.data.get(PRODUCT_ID)
    return value if isinstance(value, int) else None


def product_of(ctx: StepContext, artisan: Artisan | None = None) -> Product:
    """The draft this conversation is writing, re-checked as the artisan's own."""
    artisan = artisan or artisan_of(ctx)
    product_id = draft_id(ctx)
    if product_id is None:
        raise PermissionDenied("edit a listing that was never started", ctx.user.id)
    return catalog.owned_product(ctx.session, artisan.id, product_id, "edit a listing")


def photo_count(ctx: StepContext, product_id: int) -> int:
    found = ctx.session.scalar(
        select(func.count()).select_from(ProductPhoto).where(ProductPhoto.product_id == product_id)
    )
    return found or 0


def photo_hashes(ctx: StepContext, product_id: int) -> set[str]:
    return set(
        ctx.session.scalars(
            select(ProductPhoto.sha256).where(ProductPhoto.product_id == product_id)
        )
    )


def cover_key(ctx: StepContext, product_id: int) -> str | None:
    """The media key of the first photo's large rendition, if any."""
    keys = ctx.session.scalars(
        select(ProductPhoto.keys)
        .where(ProductPhoto.product_id == product_id)
        .order_by(ProductPhoto.position)
        .limit(1)
    ).first()
    key = keys.get("large") if keys else None
    return key if isinstance(key, str) else None


def unfinished_draft(ctx: StepContext, artisan: Artisan, kept_id: object) -> Product | None:
    """The draft to offer to continue: the one she left (if still a draft), else her latest."""
    if isinstance(kept_id, int):
        kept = ctx.session.get(Product, kept_id)
        mine = kept is not None and kept.artisan_id == artisan.id
        if mine and kept is not None and kept.status == ProductStatus.DRAFT:
            return kept
    return ctx.session.scalars(
        select(Product)
        .where(Product.artisan_id == artisan.id, Product.status == ProductStatus.DRAFT)
        .order_by(Product.id.desc())
        .limit(1)
    ).first()


def resume_step(ctx: StepContext, product: Product, kept_step: object) -> Step:
    """Where to continue a draft: the step she left at, else the first unanswered question."""
    for step in Step:
        if step.value == kept_step:
            step = _RESUME_AT.get(step, step)
            if step in ORDER:
                return step
    if photo_count(ctx, product.id) == 0:
        return Step.PHOTOS
    if not product.title:
        return Step.TITLE
    if product.price_minor is None:
        return Step.PRICE
    if product.category is None:
        return Step.CATEGORY
    if not product.materials:
        return Step.MATERIALS
    return Step.PREVIEW


def keep_draft(ctx: StepContext) -> dict[str, Any] | None:
    """`on_leave`: remember the draft and where she was, to offer to continue it (or a
    newcomer's first photos, until her shop is open)."""
    product_id = draft_id(ctx)
    if product_id is None:
        first: dict[str, Any] = {
            key: ctx.data[key] for key in (FIRST_PHOTOS, FIRST_CAPTION) if key in ctx.data
        }
        return first if first.get(FIRST_PHOTOS) else None
    return {PRODUCT_ID: product_id, RESUME_STEP: ctx.step}
