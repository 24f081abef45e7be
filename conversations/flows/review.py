"""The community managers' review queue: oldest listing first, approve / reject with a reason.

Every step goes through `store.services.listing_review`, which checks the role each time, so
someone who is not (or no longer) a manager is refused even with a forged payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sqlalchemy import select

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
from conversations.i18n import N_, Translator
from conversations.messages import Choice, ImageRef, Inbound, Outbound, TapWord
from conversations.notify import listings
from conversations.notify.pieces import cover_image
from conversations.payloads import Payload
from store.errors import InvalidTransition
from store.models import Artisan, Product, ProductStatus, Role, UserRole
from store.money import Money
from store.pricing import PricingError
from store.services import listing_review
from store.services.materials import check_codes
from store.text import clean_display

FLOW: Final = "review"
QUEUE_LIMIT: Final = 100

MENU_LABEL = N_("Review listings")
NEW_LISTING_TO_REVIEW = N_('A new listing waits for review: "{title}" from {shop}.')
OPEN_REVIEW = N_("See all of it")
WAITING = N_("Listings waiting for review: {count}")
ALL_DONE = N_("All done: no listings are waiting. Thank you!")
SKIPPED_LEFT = N_("That's all for now. Skipped listings still waiting: {count}")
ALREADY_REVIEWED = N_("Someone has already reviewed that listing.")
PHOTO_OF = N_("Photo {n} of {total}")
CARD = N_(
    "“{title}” from {shop}\nArtisan’s price: {price} · buyers pay {buyer_price}\nIn stock: {stock}"
)
MATERIALS = N_("Made of: {materials}")
AGAINST_STANDARDS = N_("⚠️ Against our standards (no plastic, no ready-made parts): {materials}")
LOOK_CLOSELY = N_(
    "🔎 Look closely: {materials}. Welcome only if handmade from natural or upcycled material."
)
NO_MATERIALS = N_("Made of: not given")
DESCRIPTION = N_("About it: {description}")
APPROVE = N_("Approve")
REJECT = N_("Reject")
SKIP = N_("Skip")
APPROVED = N_("Approved: {title}. The artisan has been told.")
ASK_REASON = N_("Why is it not accepted? Pick a reason or type your own:")
OTHER = N_("Other: type it")
TYPE_REASON = N_("Type the reason for the artisan:")
REASON_TOO_LONG = N_("Please keep the reason shorter: at most {max} characters.")
REJECTED = N_("Not accepted: {title}. The artisan has been told why.")

COMMON_REASONS: Final = (
    ("plastic", listings.PLASTIC),
    ("photo", listings.PHOTO),
    ("price", listings.PRICE),
)


class Step(StrEnum):
    DECIDE = "decide"
    REASON = "reason"
    REASON_TEXT = "reason_text"


class Decision(StrEnum):
    APPROVE = "ok"
    REJECT = "no"
    SKIP = "skip"


@dataclass(frozen=True)
class Decide(Payload, tag="rv"):
    """Approve, reject or skip the listing on the card."""

    decision: Decision
    product_id: int


@dataclass(frozen=True)
class Because(Payload, tag="why"):
    """A common reason (`COMMON_REASONS`' key), or "other" to type one."""

    reason: str


OTHER_REASON: Final = "other"


@dataclass(frozen=True)
class FromNotice(Payload, tag="rvn"):
    """Approve or reject tapped on the notice that a listing waits for review: taken from
    any message (a review card's own buttons only answer the card on screen). `submitted`
    is when the listing the notice shows was sent for review (`_submitted`): sent again
    since (changed after a rejection, a new price), the tap opens it as it is now."""

    decision: Decision
    product_id: int
    submitted: int


@dataclass(frozen=True)
class OpenReview(Payload, tag="rvo"):
    """The review card of one listing (from the notice that it waits for review)."""

    product_id: int


def tell_managers(ctx: StepContext, product: Product, shop: str) -> None:
    """Each community manager but the artisan herself is shown the new listing with its
    cover photo, to approve or reject right there or to open its whole card."""
    managers = ctx.session.scalars(
        select(UserRole.user_id).where(
            UserRole.role == Role.COMMUNITY_MANAGER, UserRole.user_id != ctx.user.id
        )
    ).all()
    image = cover_image(ctx.session, product.id)

    def message(t: Translator) -> Outbound:
        head = t._(NEW_LISTING_TO_REVIEW).format(title=product.title, shop=shop)
        submitted = _submitted(product)
        choices = (
            Choice(t._(APPROVE), FromNotice(Decision.APPROVE, product.id, submitted).encode()),
            Choice(t._(REJECT), FromNotice(Decision.REJECT, product.id, submitted).encode()),
            Choice(t._(OPEN_REVIEW), OpenReview(product.id).encode()),
        )
        text = f"{head}\n{_card(ctx, t, product)}"
        return Outbound(text=text, image=image, choices=choices)

    # The engine dedupes notifications per update: a redelivered "submit" tells nobody twice.
    for user_id in sorted(managers):
        ctx.notify(user_id, message)


def start(ctx: StepContext, arg: str) -> StepResult:
    """The queue, oldest first; a listing's id (a notice's "See all of it") shows it first,
    or says it has been reviewed meanwhile."""
    queue = listing_review.review_queue(ctx.session, ctx.user.id, limit=QUEUE_LIMIT)
    first = int(arg) if arg.isdecimal() else None
    if first is not None and not _waiting(ctx, first):
        ctx.say(ctx._(ALREADY_REVIEWED))
        first = None
    if queue:
        ctx.say(ctx._(WAITING).format(count=len(queue)))
    return _show_next(ctx, skipped=[], first=first)


def open_review(ctx: StepContext, tapped: OpenReview) -> StepResult:
    return ctx.begin(FLOW, str(tapped.product_id))


def decide_from_notice(ctx: StepContext, tapped: FromNotice) -> StepResult | None:
    """Approve or reject tapped on the new-listing notice: done if the listing still waits,
    else she is told someone has reviewed it; then the queue goes on."""
    if tapped.decision is Decision.SKIP:
        return None  # a notice offers no skip: not one of ours
    _check_reviewer(ctx)
    ctx.leave()
    ctx.flow, ctx.step, ctx.data = FLOW, Step.DECIDE.value, {"skipped": []}
    if not _waiting(ctx, tapped.product_id):
        ctx.say(ctx._(ALREADY_REVIEWED))
        return _show_next(ctx, skipped=[])
    product = ctx.session.get_one(Product, tapped.product_id)
    if _submitted(product) != tapped.submitted:  # not what the notice showed: see it first
        return _show_next(ctx, skipped=[], first=product.id)
    return _decided(ctx, Decide(tapped.decision, tapped.product_id))


def _waiting(ctx: StepContext, product_id: int) -> bool:
    product = ctx.session.get(Product, product_id)
    return product is not None and product.status is ProductStatus.PENDING_REVIEW


def _submitted(product: Product) -> int:
    """When it was last sent for review, in whole seconds (a notice's buttons carry it)."""
    return int(product.submitted_at.timestamp()) if product.submitted_at else 0


def decide(ctx: StepContext, inbound: Inbound) -> StepResult:
    tapped = Decide.read(inbound.payload)
    if tapped is None:
        ctx.say(ctx._(PICK_ONE))
        return _show_next(ctx, skipped=_skipped(ctx))
    return _decided(ctx, tapped)


def _decided(ctx: StepContext, tapped: Decide) -> StepResult:
    product_id = tapped.product_id
    if tapped.decision is Decision.APPROVE:
        try:
            product = listing_review.approve(ctx.session, ctx.user.id, product_id, ctx.now)
        except InvalidTransition:
            ctx.say(ctx._(ALREADY_REVIEWED))
            return _show_next(ctx, skipped=_skipped(ctx))
        listings.listing_approved(ctx, product, _owner(ctx, product))
        ctx.say(ctx._(APPROVED).format(title=product.title))
        return _show_next(ctx, skipped=_skipped(ctx))
    if tapped.decision is Decision.SKIP:  # the next listing takes its place, if both fit one
        return _show_next(
            ctx, skipped=[*_skipped(ctx), product_id], in_place=_one_message(ctx, product_id)
        )
    _check_reviewer(ctx)  # before asking a reason of someone who may not give one
    ctx.data["product_id"] = product_id
    return _ask_reason(ctx)


def _ask_reason(ctx: StepContext) -> StepResult:
    choices = [Choice(ctx._(label), Because(key).encode()) for key, label in COMMON_REASONS]
    choices.append(Choice(ctx._(OTHER), Because(OTHER_REASON).encode()))
    ctx.ask(ctx._(ASK_REASON), choices)
    return StepResult(Step.REASON)


def _ask_reason_text(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(TYPE_REASON))
    return StepResult(Step.REASON_TEXT)


def reason(ctx: StepContext, inbound: Inbound) -> StepResult:
    tapped = Because.read(inbound.payload)
    if tapped is not None and tapped.reason == OTHER_REASON:
        return _ask_reason_text(ctx)
    chosen = dict(COMMON_REASONS).get(tapped.reason) if tapped is not None else None
    # A common reason is stored as its English message, so the artisan reads it in hers.
    return _reject(ctx, chosen or inbound.text)


def reason_text(ctx: StepContext, inbound: Inbound) -> StepResult:
    return _reject(ctx, inbound.text)


def _reject(ctx: StepContext, why: str) -> StepResult:
    if not why.strip():
        return _ask_reason_text(ctx)
    if len(clean_display(why)) > listing_review.REASON_MAX:
        ctx.say(ctx._(REASON_TOO_LONG).format(max=listing_review.REASON_MAX))
        return _ask_reason_text(ctx)
    product_id = int(ctx.data["product_id"])
    try:
        product = listing_review.reject(ctx.session, ctx.user.id, product_id, why, ctx.now)
    except InvalidTransition:
        ctx.say(ctx._(ALREADY_REVIEWED))
        return _show_next(ctx, skipped=_skipped(ctx))
    listings.listing_rejected(ctx, product, _owner(ctx, product))
    ctx.say(ctx._(REJECTED).format(title=product.title))
    return _show_next(ctx, skipped=_skipped(ctx))


# --- showing a listing ----------------------------------------------------------------------


def _show_again(ctx: StepContext) -> StepResult:
    """The listing on the card, or the next one when it has been reviewed meanwhile."""
    return _show_next(ctx, skipped=_skipped(ctx), first=ctx.data.get("product_id"))


def _show_next(
    ctx: StepContext, *, skipped: list[int], in_place: bool = False, first: object = None
) -> StepResult:
    queue = listing_review.review_queue(ctx.session, ctx.user.id, limit=QUEUE_LIMIT)
    product = next((p for p in queue if p.id == first), None)
    product = product or next((p for p in queue if p.id not in skipped), None)
    if product is None:
        ctx.say(ctx._(SKIPPED_LEFT if queue else ALL_DONE).format(count=len(queue)))
        return StepResult(END)
    photos = [photo.keys.get("medium") or photo.keys.get("large") for photo in product.photos]
    keys = [key for key in photos if key]
    if len(keys) > 1:
        for n, key in enumerate(keys[1:], start=2):
            caption = ctx._(PHOTO_OF).format(n=n, total=len(keys))
            ctx.reply(Outbound(text=caption, image=ImageRef(key=key)))
    choices = (
        Choice(ctx._(APPROVE), Decide(Decision.APPROVE, product.id).encode(), TapWord.YES),
        Choice(ctx._(REJECT), Decide(Decision.REJECT, product.id).encode(), TapWord.NO),
        Choice(ctx._(SKIP), Decide(Decision.SKIP, product.id).encode(), TapWord.SKIP),
    )
    image = ImageRef(key=keys[0]) if keys else None
    card = Outbound(text=_card(ctx, ctx.translator, product), image=image, choices=choices)
    ctx.reply(card, in_place=in_place and len(keys) <= 1)
    return StepResult(Step.DECIDE, {"product_id": product.id, "skipped": skipped})


def _one_message(ctx: StepContext, product_id: int) -> bool:
    """Whether a listing was shown as one message (at most one photo, no extra ones above)."""
    product = ctx.session.get(Product, product_id)
    return product is not None and len(product.photos) <= 1


def _card(ctx: StepContext, t: Translator, product: Product) -> str:
    """The listing as a reviewer needs it, in `t`'s language (a notice is in its reader's)."""
    locale = t.locale
    artisan = ctx.session.get(Artisan, product.artisan_id)
    shop = artisan.shop_name if artisan else "—"
    price = Money(product.price_minor or 0, product.currency)
    try:
        has_mentor = artisan is not None and artisan.mentor_id is not None
        quote = ctx.market.config.pricing.quote_line(price, 1, has_mentor)
        buyer_price = quote.unit_price.format(locale)
    except PricingError:
        buyer_price = "—"
    lines = [
        t._(CARD).format(
            title=product.title,
            shop=shop,
            price=price.format(locale),
            buyer_price=buyer_price,
            stock=product.stock_on_hand,
        )
    ]
    if product.materials:
        lines.append(t._(MATERIALS).format(materials=", ".join(product.materials)))
        # Named in the reader's language from the canonical materials: "nylon" for her
        # "uzi wa nailoni".
        checked = check_codes(product.material_codes)
        if checked.refused:
            names = ", ".join(flag.material.name(locale) for flag in checked.refused)
            lines.append(t._(AGAINST_STANDARDS).format(materials=names))
        if checked.to_check:
            names = ", ".join(flag.material.name(locale) for flag in checked.to_check)
            lines.append(t._(LOOK_CLOSELY).format(materials=names))
    else:
        lines.append(t._(NO_MATERIALS))
    if product.description:
        lines.append(t._(DESCRIPTION).format(description=product.description))
    return "\n".join(lines)


def _owner(ctx: StepContext, product: Product) -> int:
    artisan = ctx.session.get(Artisan, product.artisan_id)
    assert artisan is not None  # a product always has its artisan (foreign key)
    return artisan.user_id


def _check_reviewer(ctx: StepContext) -> None:
    listing_review.review_queue(ctx.session, ctx.user.id, limit=1)


def _skipped(ctx: StepContext) -> list[int]:
    return [int(product_id) for product_id in ctx.data.get("skipped", [])]


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.DECIDE: decide,
        Step.REASON: reason,
        Step.REASON_TEXT: reason_text,
    }
    prompts: dict[StrEnum, PromptFn] = {
        Step.DECIDE: _show_again,
        Step.REASON: _ask_reason,
        Step.REASON_TEXT: _ask_reason_text,
    }
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(FromNotice, decide_from_notice)
    registry.add_route(OpenReview, open_review)
    registry.add_menu_entry(
        MenuEntry(
            "review",
            MENU_LABEL,
            FLOW,
            MenuGroup.MANAGING,
            1,
            visible=with_role(Role.COMMUNITY_MANAGER),
        )
    )
