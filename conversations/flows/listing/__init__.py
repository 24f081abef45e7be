"""Listing a piece by sending photos: photos (a caption may give the name and price) →
name and price → category → materials → preview → submit for review. Each question is asked
only while unanswered; quantity (1) and description are changed from the preview.

It starts from the menu ("List a piece"), or when an artisan simply sends a photo outside any
flow (the menu hands that message on: see `menu.PHOTO_FLOW`). An unfinished draft is offered
to be continued. A person without a shop is sent to open one (the "onboarding" flow) when
that flow exists; if she began with photos, they are kept and become her first piece once her
shop is open (`KEPT_PHOTOS`), unless she answers "Not now".
"""

from __future__ import annotations

from enum import StrEnum
from functools import partial
from typing import Any, Final

from conversations.flow import (
    END,
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    PromptFn,
    StepContext,
    StepFn,
    StepResult,
    with_role,
)
from conversations.flows.language import PICK_ONE
from conversations.flows.listing import details, photos_step, preview
from conversations.flows.listing.draft import (
    ALBUM,
    FIRST_CAPTION,
    FIRST_PHOTOS,
    FLOW,
    KEPT_PHOTOS,
    LEFT_OUT_TOLD,
    ORDER,
    PRODUCT_ID,
    RESUME_ID,
    RESUME_STEP,
    WITH_PHOTOS,
    Step,
    artisan_of,
    keep_draft,
    resume_step,
    unfinished_draft,
)
from conversations.flows.listing.photos_step import EXTRA_PHOTOS_LEFT_OUT
from conversations.flows.listing.prompts import ask, ask_photos, ask_preview
from conversations.i18n import N_
from conversations.messages import Choice, Inbound, TapWord
from conversations.photo_records import StoredPhoto, photo_from_dict, photo_to_dict
from store.models import Artisan, Product, ProductStatus, Role
from store.services import catalog, people
from store.services.catalog import ProductNotEditable
from store.services.product_photos import MAX_PHOTOS

LIST_A_PIECE = N_("List a piece")
DRAFT_WAITING = N_("You have a listing you didn't finish.")
CONTINUE_DRAFT = N_('Continue draft "{title}"')
CONTINUE_UNTITLED = N_("Continue my draft")
START_NEW = N_("Start a new one")
GOING_ON = N_("Let's go on.")
DRAFT_GONE = N_("That draft can't be changed any more. Let's start a new one.")
OPEN_SHOP_FIRST = N_("To list a piece, first open your shop on Soko. Let's do it now.")
PHOTO_FROM_NON_SELLER = N_(
    "Would you like to sell your jewelry on Soko? First open your shop — it takes a few questions."
)
OPEN_MY_SHOP = N_("Open my shop")
NOT_NOW = N_("Not now")
ASK_FOR_INVITATION = N_(
    "To sell on Soko you need a seller account. Ask the mentor who told you about Soko "
    "for an invitation link, or ask a community manager."
)

FIRST_PIECE = N_("Now your first piece, from the photos you sent.")

ONBOARDING: Final = "onboarding"
# `ctx.begin("listing", f"continue:{product_id}")` continues that piece (a draft or rejected).
CONTINUE_ARG: Final = "continue:"


def start(ctx: StepContext, arg: str) -> StepResult:
    kept = dict(ctx.data)
    ctx.data.clear()
    artisan = people.artisan_for_user(ctx.session, ctx.user.id)
    if artisan is None and arg == WITH_PHOTOS:
        return StepResult(Step.SELLER)  # the photos go to that step next, to be kept
    if artisan is None:
        return _not_a_seller(ctx, sent_photo=False)
    if arg == KEPT_PHOTOS and kept.get(FIRST_PHOTOS):
        return _first_piece(ctx, kept)
    if arg == WITH_PHOTOS:
        return StepResult(Step.PHOTOS)  # the photos that started it go to that step next
    if arg.startswith(CONTINUE_ARG):
        return _continue(ctx, artisan, arg.removeprefix(CONTINUE_ARG))
    draft = unfinished_draft(ctx, artisan, kept.get(PRODUCT_ID))
    if draft is None:
        return ask_photos(ctx)
    left_at = kept.get(RESUME_STEP) if kept.get(PRODUCT_ID) == draft.id else None
    return _offer_draft(ctx, draft, left_at)


def _continue(ctx: StepContext, artisan: Artisan, product_id: str) -> StepResult:
    """Another flow (e.g. "My pieces") hands over a draft or a rejected piece to finish."""
    if not product_id.isdecimal():
        return ask_photos(ctx)
    try:
        # Re-checks that the piece is hers; a rejected piece becomes a draft again.
        product = catalog.editable_product(
            ctx.session, artisan.id, int(product_id), "continue a listing"
        )
    except ProductNotEditable:
        ctx.say(ctx._(DRAFT_GONE))
        return ask_photos(ctx)
    ctx.data[PRODUCT_ID] = product.id
    ctx.say(ctx._(GOING_ON))
    return ask(ctx, resume_step(ctx, product, None))


def _offer_draft(ctx: StepContext, draft: Product, left_at: object) -> StepResult:
    label = (
        ctx._(CONTINUE_DRAFT).format(title=draft.title) if draft.title else ctx._(CONTINUE_UNTITLED)
    )
    choices = (Choice(label, "draft:continue"), Choice(ctx._(START_NEW), "draft:new"))
    ctx.ask(ctx._(DRAFT_WAITING), choices)
    return StepResult(Step.RESUME, {RESUME_ID: draft.id, RESUME_STEP: left_at})


def resume(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.photos:  # photos instead of an answer: a new piece
        ctx.data.clear()
        return photos_step.photos_step(ctx, inbound)
    if inbound.payload == "draft:new":
        ctx.data.clear()
        return ask_photos(ctx)
    artisan = artisan_of(ctx)
    product = catalog.owned_product(
        ctx.session, artisan.id, int(ctx.data[RESUME_ID]), "continue a draft"
    )
    left_at = ctx.data.get(RESUME_STEP)
    if inbound.payload != "draft:continue":
        ctx.say(ctx._(PICK_ONE))
        return _offer_draft(ctx, product, left_at)
    ctx.data.clear()
    if product.status != ProductStatus.DRAFT:
        ctx.say(ctx._(DRAFT_GONE))
        return ask_photos(ctx)
    ctx.data[PRODUCT_ID] = product.id
    ctx.say(ctx._(GOING_ON))
    return ask(ctx, resume_step(ctx, product, left_at))


def _offer_again(ctx: StepContext) -> StepResult:
    """The draft offered to continue, asked again (or a new piece, if it is gone)."""
    product = unfinished_draft(ctx, artisan_of(ctx), ctx.data.get(RESUME_ID))
    if product is None or product.id != ctx.data.get(RESUME_ID):
        ctx.data.clear()
        return ask_photos(ctx)
    return _offer_draft(ctx, product, ctx.data.get(RESUME_STEP))


def _not_a_seller(ctx: StepContext, *, sent_photo: bool) -> StepResult:
    if not ctx.registry.has_flow(ONBOARDING):
        ctx.say(ctx._(ASK_FOR_INVITATION))
        return StepResult(END)
    if not sent_photo:
        ctx.say(ctx._(OPEN_SHOP_FIRST))
        return ctx.begin(ONBOARDING)
    choices = (
        Choice(ctx._(OPEN_MY_SHOP), "sell:open", TapWord.YES),
        Choice(ctx._(NOT_NOW), "sell:no", TapWord.NO),
    )
    ctx.ask(ctx._(PHOTO_FROM_NON_SELLER), choices)
    return StepResult(Step.SELLER)


def seller(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.photos:  # the photos that brought her here (or more): kept for her first piece
        kept = [photo_to_dict(p) for p in inbound.photos if isinstance(p, StoredPhoto)]
        before = ctx.data.get(FIRST_PHOTOS, [])
        ctx.data[FIRST_PHOTOS] = [*before, *kept][:MAX_PHOTOS]
        left_out = len(before) + len(kept) > MAX_PHOTOS and not ctx.data.get(LEFT_OUT_TOLD)
        if inbound.text.strip():
            ctx.data[FIRST_CAPTION] = inbound.text.strip()
        album = inbound.media_group_id
        same_album = album is not None and ctx.data.get(ALBUM) == album
        ctx.data[ALBUM] = album
        said = len(ctx.replies)
        result = _not_a_seller(ctx, sent_photo=True)
        if same_album:  # the rest of the album she was just asked about: only kept
            del ctx.replies[said:]
        if left_out:  # said once, however many more come
            ctx.data[LEFT_OUT_TOLD] = True
            ctx.say(ctx._(EXTRA_PHOTOS_LEFT_OUT).format(max=MAX_PHOTOS))
        return result
    if inbound.payload == "sell:open":
        return ctx.begin(ONBOARDING)
    if inbound.payload == "sell:no":  # her photos are not kept for a shop opened some day
        ctx.data.clear()
        return ctx.begin(FlowRegistry.MENU)
    ctx.say(ctx._(PICK_ONE))
    return _not_a_seller(ctx, sent_photo=True)


def _first_piece(ctx: StepContext, kept: dict[str, Any]) -> StepResult:
    """Her shop has just opened: the photos she began with become a draft, and the listing
    goes on from the first question they and their caption leave open."""
    photos = [photo_from_dict(p) for p in kept.get(FIRST_PHOTOS, ())]
    caption = str(kept.get(FIRST_CAPTION) or "")
    inbound = Inbound(
        channel=ctx.channel,
        platform_user_id="",
        platform_message_id="",
        text=caption,
        photos=tuple(photos),
    )
    ctx.say(ctx._(FIRST_PIECE))
    return photos_step.photos_step(ctx, inbound)


STEPS: Final[dict[StrEnum, StepFn]] = {
    Step.SELLER: seller,
    Step.RESUME: resume,
    Step.PHOTOS: photos_step.photos_step,
    Step.TITLE: details.title_step,
    Step.PRICE: details.price_step,
    Step.PRICE_CONFIRM: details.price_confirm_step,
    Step.CATEGORY: details.category_step,
    Step.MATERIALS: details.materials_step,
    Step.MATERIALS_FLAGGED: details.materials_flagged_step,
    Step.QUANTITY: details.quantity_step,
    Step.DESCRIPTION: details.description_step,
    Step.PREVIEW: preview.preview_step,
    Step.CHANGE: preview.change_step,
}


PROMPTS: Final[dict[StrEnum, PromptFn]] = {
    Step.SELLER: lambda ctx: _not_a_seller(ctx, sent_photo=True),
    Step.RESUME: _offer_again,
    **{step: partial(ask, step=step) for step in (*ORDER, Step.QUANTITY, Step.DESCRIPTION)},
    Step.PRICE_CONFIRM: details.ask_price_confirm,
    Step.MATERIALS_FLAGGED: details.ask_flagged,
    Step.PREVIEW: ask_preview,
    Step.CHANGE: preview.ask_change,
}


# Photos sent at any question after the first photos join the piece.
_READ_PHOTOS_TOO: Final[dict[StrEnum, StepFn]] = {
    step: photos_step.or_more_photos(read, PROMPTS[step])
    for step, read in STEPS.items()
    if step not in (Step.SELLER, Step.RESUME, Step.PHOTOS)
}


def register(registry: FlowRegistry) -> None:
    steps = {**STEPS, **_READ_PHOTOS_TOO}
    registry.add(Flow(FLOW, steps, start, on_leave=keep_draft, prompts=PROMPTS))
    registry.add_menu_entry(
        MenuEntry("list", LIST_A_PIECE, FLOW, MenuGroup.SELLING, 1, visible=with_role(Role.ARTISAN))
    )
