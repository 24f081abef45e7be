"""The listing's questions: one `ask_*` per step, and `advance` to the next one.

Each asks its question and returns the step that will read the answer, so a step ends with
``return advance(ctx, Step.TITLE)`` or ``return ask(ctx, Step.PRICE)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from conversations.flow import StepContext, StepResult
from conversations.flows.listing.draft import (
    EDITING,
    ORDER,
    Step,
    artisan_of,
    cover_key,
    photo_count,
    product_of,
)
from conversations.i18n import N_
from conversations.messages import Choice, ImageRef, Outbound, TapWord
from conversations.payloads import Payload
from store.models import Category, Product
from store.money import Money
from store.pricing import PriceTooLow
from store.services.product_photos import MAX_PHOTOS

ASK_PHOTOS = N_("Send 1 to {max} photos of the piece. Several at once is fine.")
ASK_MORE_PHOTOS = N_("You have {count} of {max} photos. Send more, or choose Done.")
MORE_OR_DONE = N_("More photos, or done?")
DONE = N_("Done")
ADD_MORE = N_("Add more")
ASK_TITLE = N_("What is the piece called? For example: Blue glass bead necklace")
ASK_TITLE_AND_PRICE = N_(
    "What is the piece called, and its price in shillings? For example: Blue glass bead "
    "necklace 1500"
)
ASK_PRICE = N_("What is your price for one piece, in shillings? For example: 1500")
ASK_CATEGORY = N_("What kind of piece is it?")
ASK_MATERIALS = N_("What is it made of? For example: glass beads, brass wire")
ASK_QUANTITY = N_("How many of these do you have ready to sell? Type a number, like 1 or 3.")
ASK_DESCRIPTION = N_(
    "Tell buyers a little about the piece: how you made it, its story. Or send skip."
)
SKIP = N_("Skip")

CATEGORY_LABELS: Final = {
    Category.NECKLACE: N_("Necklace"),
    Category.BRACELET: N_("Bracelet"),
    Category.EARRINGS: N_("Earrings"),
    Category.RING: N_("Ring"),
    Category.ANKLET: N_("Anklet"),
    Category.OTHER: N_("Other"),
}

CARD_PRICE = N_("Price: {price}")
CARD_BUYER_PAYS = N_("Buyers pay: {price}")
CARD_TOO_CHEAP = N_("This price is too low to sell abroad. You can change it.")
CARD_YOU_RECEIVE = N_("You receive: {amount} for each piece sold")
CARD_CATEGORY = N_("Category: {category}")
CARD_MATERIALS = N_("Made of: {materials}")
CARD_QUANTITY = N_("Quantity: {quantity}")
CARD_NO_TITLE = N_("(no name yet)")
SUBMIT = N_("Submit for review")
CHANGE_SOMETHING = N_("Change something")
SAVE_DRAFT = N_("Save as draft")

PHOTO_CHOICES: Final = ((DONE, "ph:done", TapWord.DONE), (ADD_MORE, "ph:more", None))


@dataclass(frozen=True)
class PickCategory(Payload, tag="lcat"):
    """The kind of piece she lists."""

    category: Category


def photo_choices(ctx: StepContext) -> tuple[Choice, ...]:
    return tuple(Choice(ctx._(label), payload, means) for label, payload, means in PHOTO_CHOICES)


def ask_photos(ctx: StepContext) -> StepResult:
    product_id = ctx.data.get("product_id")
    count = photo_count(ctx, product_id) if isinstance(product_id, int) else 0
    if count == 0:
        ctx.say(ctx._(ASK_PHOTOS).format(max=MAX_PHOTOS))
    else:
        ctx.ask(ctx._(ASK_MORE_PHOTOS).format(count=count, max=MAX_PHOTOS), photo_choices(ctx))
    return StepResult(Step.PHOTOS)


def ask_title(ctx: StepContext) -> StepResult:
    """The name; with the price in the same answer while the piece has none."""
    priced = product_of(ctx).price_minor is not None
    ctx.say(ctx._(ASK_TITLE if priced else ASK_TITLE_AND_PRICE))
    return StepResult(Step.TITLE)


def ask_price(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(ASK_PRICE))
    return StepResult(Step.PRICE)


def category_choices(ctx: StepContext) -> list[Choice]:
    return [
        Choice(ctx._(label), PickCategory(category).encode())
        for category, label in CATEGORY_LABELS.items()
    ]


def ask_category(ctx: StepContext) -> StepResult:
    ctx.ask(ctx._(ASK_CATEGORY), category_choices(ctx))
    return StepResult(Step.CATEGORY)


def ask_materials(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(ASK_MATERIALS))
    return StepResult(Step.MATERIALS)


def ask_quantity(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(ASK_QUANTITY))
    return StepResult(Step.QUANTITY)


def ask_description(ctx: StepContext) -> StepResult:
    ctx.ask(ctx._(ASK_DESCRIPTION), [Choice(ctx._(SKIP), "desc:skip", TapWord.SKIP)])
    return StepResult(Step.DESCRIPTION)


def ask_preview(ctx: StepContext) -> StepResult:
    """The card a buyer would see, with what buyers pay and what she receives."""
    artisan = artisan_of(ctx)
    product = product_of(ctx, artisan)
    locale = ctx.user.locale
    lines = [product.title or ctx._(CARD_NO_TITLE)]
    if product.price_minor is not None:
        price = Money(product.price_minor, product.currency)
        lines.append(ctx._(CARD_PRICE).format(price=price.format(locale)))
        try:
            quote = ctx.market.config.pricing.quote_line(price, 1, artisan.mentor_id is not None)
        except PriceTooLow:
            lines.append(ctx._(CARD_TOO_CHEAP))
        else:
            lines.append(ctx._(CARD_BUYER_PAYS).format(price=quote.unit_price.format(locale)))
            lines.append(ctx._(CARD_YOU_RECEIVE).format(amount=quote.artisan_share.format(locale)))
    if product.category is not None:
        category = ctx._(CATEGORY_LABELS[product.category])
        lines.append(ctx._(CARD_CATEGORY).format(category=category))
    if product.materials:
        lines.append(ctx._(CARD_MATERIALS).format(materials=", ".join(product.materials)))
    lines.append(ctx._(CARD_QUANTITY).format(quantity=product.stock_on_hand))
    if product.description:
        lines.append(product.description)
    key = cover_key(ctx, product.id)
    choices = (
        Choice(ctx._(SUBMIT), "lst:submit", TapWord.YES),  # "ndiyo" to the card sends it
        Choice(ctx._(CHANGE_SOMETHING), "lst:change"),
        Choice(ctx._(SAVE_DRAFT), "lst:save"),
    )
    image = ImageRef(key=key) if key else None
    ctx.reply(Outbound(text="\n".join(lines), image=image, choices=choices))
    return StepResult(Step.PREVIEW, {EDITING: False})


_ASKS: Final[dict[Step, Callable[[StepContext], StepResult]]] = {
    Step.PHOTOS: ask_photos,
    Step.TITLE: ask_title,
    Step.PRICE: ask_price,
    Step.CATEGORY: ask_category,
    Step.MATERIALS: ask_materials,
    Step.QUANTITY: ask_quantity,
    Step.DESCRIPTION: ask_description,
    Step.PREVIEW: ask_preview,
}


def ask(ctx: StepContext, step: Step) -> StepResult:
    return _ASKS[step](ctx)


def advance(ctx: StepContext, answered: Step) -> StepResult:
    """After an answer: the next question not answered yet (a caption may have answered
    several), or back to the preview when changing one detail."""
    if ctx.data.get(EDITING) or answered not in ORDER:
        return ask_preview(ctx)
    product = product_of(ctx)
    for step in ORDER[ORDER.index(answered) + 1 :]:
        if not answered_already(product, step):
            return ask(ctx, step)
    return ask_preview(ctx)


def answered_already(product: Product, step: Step) -> bool:
    match step:
        case Step.TITLE:
            return bool(product.title.strip())
        case Step.PRICE:
            return product.price_minor is not None
        case Step.CATEGORY:
            return product.category is not None
        case Step.MATERIALS:
            return bool(product.materials)
    return False
