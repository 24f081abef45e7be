"""The end of a listing: the preview card, changing one detail, saving, submitting for review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from conversations.flow import FlowRegistry, StepContext, StepResult
from conversations.flows import review
from conversations.flows.language import PICK_ONE
from conversations.flows.listing.draft import EDITING, ORDER, Step, artisan_of, draft_id
from conversations.flows.listing.prompts import ask, ask_preview
from conversations.i18n import N_
from conversations.messages import Choice, Inbound
from conversations.payloads import Payload
from store.services import catalog
from store.services.catalog import IncompleteListing

SUBMITTED = N_("Thank you! A community manager will review it; we'll tell you when it's live.")
SAVED = N_('Saved as a draft. Choose "List a piece" any time to finish it.')
WHAT_TO_CHANGE = N_("What would you like to change?")
STILL_MISSING = N_("A few details are still missing. Let's add them.")

CHANGE_PHOTOS = N_("Add photos")
CHANGE_TITLE = N_("Name")
CHANGE_PRICE = N_("Price")
CHANGE_CATEGORY = N_("Category")
CHANGE_MATERIALS = N_("Materials")
CHANGE_QUANTITY = N_("Quantity")
CHANGE_DESCRIPTION = N_("Description")
BACK_TO_PREVIEW = N_("Back to the preview")

_FIELDS: Final = (
    (CHANGE_PHOTOS, Step.PHOTOS),
    (CHANGE_TITLE, Step.TITLE),
    (CHANGE_PRICE, Step.PRICE),
    (CHANGE_CATEGORY, Step.CATEGORY),
    (CHANGE_MATERIALS, Step.MATERIALS),
    (CHANGE_QUANTITY, Step.QUANTITY),
    (CHANGE_DESCRIPTION, Step.DESCRIPTION),
)
BACK_TO_PREVIEW_PAYLOAD: Final = "edit:back"


@dataclass(frozen=True)
class ChangeDetail(Payload, tag="edit"):
    """The detail to change from the preview (one of `_FIELDS`' steps)."""

    step: Step


# What `IncompleteListing.missing` names → the question that fills it in.
_MISSING: Final = {
    "photo": Step.PHOTOS,
    "title": Step.TITLE,
    "price": Step.PRICE,
    "category": Step.CATEGORY,
}


def preview_step(ctx: StepContext, inbound: Inbound) -> StepResult:
    match inbound.payload:
        case "lst:submit":
            return _submit(ctx)
        case "lst:change":
            return ask_change(ctx)
        case "lst:save":
            ctx.say(ctx._(SAVED))
            return _to_menu(ctx)
    ctx.say(ctx._(PICK_ONE))
    return ask_preview(ctx)


def ask_change(ctx: StepContext) -> StepResult:
    choices = [Choice(ctx._(label), ChangeDetail(step).encode()) for label, step in _FIELDS]
    choices.append(Choice(ctx._(BACK_TO_PREVIEW), BACK_TO_PREVIEW_PAYLOAD))
    ctx.ask(ctx._(WHAT_TO_CHANGE), choices)
    return StepResult(Step.CHANGE)


def change_step(ctx: StepContext, inbound: Inbound) -> StepResult:
    wanted = ChangeDetail.read(inbound.payload)
    if wanted is not None and any(step is wanted.step for _, step in _FIELDS):
        ctx.data[EDITING] = True
        return ask(ctx, wanted.step)
    if inbound.payload == BACK_TO_PREVIEW_PAYLOAD:
        return ask_preview(ctx)
    ctx.say(ctx._(PICK_ONE))
    return ask_change(ctx)


def _submit(ctx: StepContext) -> StepResult:
    artisan = artisan_of(ctx)
    product_id = draft_id(ctx)
    if product_id is None:
        return ask(ctx, Step.PHOTOS)
    try:
        product = catalog.submit_for_review(ctx.session, artisan.id, product_id, ctx.now)
    except IncompleteListing as incomplete:
        ctx.say(ctx._(STILL_MISSING))
        ctx.data[EDITING] = False
        steps = [_MISSING[name] for name in incomplete.missing if name in _MISSING]
        return ask(ctx, min(steps, key=ORDER.index) if steps else Step.PREVIEW)
    review.tell_managers(ctx, product, artisan.shop_name)
    ctx.say(ctx._(SUBMITTED))
    return _to_menu(ctx)


def _to_menu(ctx: StepContext) -> StepResult:
    ctx.data.clear()  # nothing left to keep: the draft is saved (or submitted) in the catalog
    return ctx.begin(FlowRegistry.MENU)
