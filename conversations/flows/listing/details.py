"""The questions about the piece after its photos: title, price, category, materials,
quantity and description. A mistake gets a specific, kind answer and the same question again."""

from __future__ import annotations

import re
from typing import Final

from conversations import price_replies
from conversations.choices import SKIP_WORDS, tap_word
from conversations.flow import StepContext, StepResult
from conversations.flows.language import PICK_ONE
from conversations.flows.listing.caption import read_caption
from conversations.flows.listing.draft import (
    EDITING,
    PENDING_PRICE,
    Step,
    artisan_of,
    draft_id,
    product_of,
)
from conversations.flows.listing.prompts import (
    PickCategory,
    advance,
    ask,
    ask_description,
    category_choices,
)
from conversations.i18n import N_
from conversations.messages import Choice, Inbound, TapWord
from conversations.notify import listings
from store.errors import PermissionDenied
from store.models import Category
from store.money import Money
from store.prices import PriceRejected, parse_price
from store.pricing import PriceTooLow
from store.services import catalog, materials
from store.services.catalog import InvalidProductDetail
from store.text import read_int
from store.vocabulary import vocabulary

WORDS_PLEASE = N_("That's a photo — here I need an answer in words.")
TITLE_TOO_LONG = N_("That name is too long. Please keep it under {max} letters.")
TITLE_EMPTY = N_("Please type a name for the piece.")

YES = N_("Yes, that's right")
NO_CHANGE_IT = N_("No, change it")
ASK_PRICE_AGAIN = N_("OK — what is the price? For example: 1500")

MATERIALS_STANDARD = N_(
    "Soko accepts only handmade pieces from upcycled metal, glass beads, horn, bone and "
    "similar materials — no plastic and no ready-made parts. This may not fit: {materials}."
)
MATERIALS_CHOICE = N_(
    "Change the materials, or continue? If you continue, a community manager will check."
)
CHANGE_MATERIALS = N_("Change materials")
CONTINUE_ANYWAY = N_("Continue anyway")
MANAGER_WILL_CHECK = N_("OK — a community manager will check the materials.")
MATERIALS_TOO_MANY = N_("Please name at most {max} materials.")
MATERIALS_TOO_LONG = N_("Please keep each material short, like: glass beads, brass wire.")

QUANTITY_RANGE = N_("Please type a number from 1 to {max}, like 3.")
DESCRIPTION_TOO_LONG = N_("That's a bit long. Please keep it under {max} letters.")

MAX_QUANTITY: Final = 999
# In the artisan's currency's main unit: no piece of jewelry sells for less.
_SURPRISINGLY_LOW: Final = 100
# A description may also be declined ("no"), or left as a dash.
_SKIP_WORDS: Final = SKIP_WORDS | {"no", "hapana", "-"}
_ENGLISH_NUMBERS: Final = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_SWAHILI_NUMBERS: Final = ("moja", "mbili", "tatu", "nne", "tano", "sita", "saba", "nane", "tisa")
_NUMBER_WORDS: Final = {
    **{word: n for n, word in enumerate(_ENGLISH_NUMBERS, 1)},
    **{word: n for n, word in enumerate(_SWAHILI_NUMBERS, 1)},
    "ten": 10,
    "kumi": 10,
}
# "glass beads, brass and horn" / "shanga za kioo na shaba" → three / two materials.
_MATERIAL_SEPARATORS: Final = re.compile(r"[,;/&+\n]|\b(?:and|na|with|pamoja)\b", re.IGNORECASE)


def _photo_instead(ctx: StepContext, inbound: Inbound, step: Step) -> StepResult | None:
    """A photo where words were asked for: say so and ask again."""
    if inbound.photos and not inbound.text.strip():
        ctx.say(ctx._(WORDS_PLEASE))
        return ask(ctx, step)
    return None


def _ids(ctx: StepContext) -> tuple[int, int]:
    product_id = draft_id(ctx)
    if product_id is None:
        raise PermissionDenied("edit a listing that was never started", ctx.user.id)
    return artisan_of(ctx).id, product_id


# --- title --------------------------------------------------------------------------------


def title_step(ctx: StepContext, inbound: Inbound) -> StepResult:
    if (again := _photo_instead(ctx, inbound, Step.TITLE)) is not None:
        return again
    if tap_word(inbound.text) is TapWord.DONE:  # "done" with her photos, out of habit: no name
        return ask(ctx, Step.TITLE)
    if product_of(ctx).price_minor is None:  # asked with the price: "Bangili 800"
        return read_caption_answers(ctx, inbound.text)
    if not _set_title(ctx, inbound.text):
        return StepResult(Step.TITLE)
    if not ctx.data.get(EDITING):
        _fill_from_words(ctx, inbound.text)
    return advance(ctx, Step.TITLE)


def _fill_from_words(ctx: StepContext, words: str) -> None:
    """The kind of piece and its materials, where her name for it says them ("Mkufu wa
    shaba": a necklace of brass) and she has not given them: not asked, shown on the card.
    Materials against the standard are left to their question, asked in her own words."""
    product = product_of(ctx)
    said = vocabulary().recognize(words)
    category = None
    if said.category is not None and product.category is None:
        category = Category(said.category.code)
    named: list[str] = []
    if not product.materials:
        named = [term.name(ctx.user.locale) for term in said.materials]
        if materials.assess_materials(named):
            named = []
    if category is not None or named:
        artisan_id, product_id = _ids(ctx)
        catalog.update_details(
            ctx.session, artisan_id, product_id, category=category, materials=named or None
        )


def read_caption_answers(ctx: StepContext, text: str) -> StepResult:
    """The name and price a caption (or the answer to "name and price?") gives; then the
    next question still open. A price that can't be read is asked again, kindly."""
    config = ctx.market.config
    said = read_caption(text, config.artisan_currency, max_minor=config.max_price_minor)
    if said.title and not _set_title(ctx, said.title):
        return StepResult(Step.TITLE)
    _fill_from_words(ctx, said.title)
    if isinstance(said.price, PriceRejected):
        _say_price_problem(ctx, said.price)
        return StepResult(Step.PRICE)
    if said.price is not None:
        return _take_price(ctx, said.price, answered=Step.TITLE if said.title else Step.PHOTOS)
    return advance(ctx, Step.TITLE if said.title else Step.PHOTOS)


def _set_title(ctx: StepContext, title: str) -> bool:
    """Keep the name, or say why not (the question stays open)."""
    artisan_id, product_id = _ids(ctx)
    try:
        catalog.update_details(ctx.session, artisan_id, product_id, title=title)
    except InvalidProductDetail as refused:
        if refused.reason == "too_long":
            ctx.say(ctx._(TITLE_TOO_LONG).format(max=catalog.MAX_TITLE))
        else:
            ctx.say(ctx._(TITLE_EMPTY))
        return False
    return True


# --- price --------------------------------------------------------------------------------


def price_step(ctx: StepContext, inbound: Inbound) -> StepResult:
    if (again := _photo_instead(ctx, inbound, Step.PRICE)) is not None:
        return again
    return _read_price(ctx, inbound.text)


def _read_price(ctx: StepContext, text: str) -> StepResult:
    config = ctx.market.config
    parsed = parse_price(text, config.artisan_currency, max_minor=config.max_price_minor)
    if isinstance(parsed, PriceRejected):
        _say_price_problem(ctx, parsed)
        return StepResult(Step.PRICE)
    return _take_price(ctx, parsed, answered=Step.PRICE)


def _say_price_problem(ctx: StepContext, rejected: PriceRejected) -> None:
    config = ctx.market.config
    most = Money(config.max_price_minor, config.artisan_currency)
    ctx.say(price_replies.price_problem(ctx.translator, rejected, most))


def _take_price(ctx: StepContext, price: Money, *, answered: Step) -> StepResult:
    """A price that looks right is kept (the preview shows it, with what buyers pay and what
    she receives); one that looks wrong is echoed first: "Ksh 15 — right?"."""
    if price_looks_wrong(ctx, price):
        ctx.data[PENDING_PRICE] = price.amount
        return ask_price_confirm(ctx)
    _keep_price(ctx, price)
    return advance(ctx, answered)


def price_looks_wrong(ctx: StepContext, price: Money) -> bool:
    """Below 100 shillings (a digit lost), above a tenth of the most a price may be (a digit
    too many), or too low to sell abroad at all."""
    config = ctx.market.config
    if price.amount < _SURPRISINGLY_LOW * 10**price.exponent:
        return True
    if price.amount * 10 > config.max_price_minor:
        return True
    try:
        config.pricing.quote_line(price, 1, has_mentor=artisan_of(ctx).mentor_id is not None)
    except PriceTooLow:
        return True
    return False


def _keep_price(ctx: StepContext, price: Money) -> None:
    artisan_id, product_id = _ids(ctx)
    catalog.set_price(
        ctx.session, artisan_id, product_id, price, max_minor=ctx.market.config.max_price_minor
    )


def ask_price_confirm(ctx: StepContext) -> StepResult:
    """ "Ksh 1,500 — right?" about the price she typed (`PENDING_PRICE`)."""
    price = Money(int(ctx.data[PENDING_PRICE]), ctx.market.config.artisan_currency)
    choices = (
        Choice(ctx._(YES), "price:yes", TapWord.YES),
        Choice(ctx._(NO_CHANGE_IT), "price:no", TapWord.NO),
    )
    ctx.ask(price_replies.confirm_price(ctx.translator, price), choices)
    return StepResult(Step.PRICE_CONFIRM)


def price_confirm_step(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == "price:yes":
        _keep_price(ctx, Money(int(ctx.data[PENDING_PRICE]), ctx.market.config.artisan_currency))
        ctx.data.pop(PENDING_PRICE, None)
        return advance(ctx, Step.PRICE)
    if inbound.payload == "price:no" or not inbound.text.strip():
        ctx.say(ctx._(ASK_PRICE_AGAIN))
        return StepResult(Step.PRICE)
    return _read_price(ctx, inbound.text)  # she typed another price instead of yes / no


# --- category -----------------------------------------------------------------------------


def category_step(ctx: StepContext, inbound: Inbound) -> StepResult:
    chosen = PickCategory.read(inbound.payload)
    if chosen is None:
        ctx.ask(ctx._(PICK_ONE), category_choices(ctx))
        return StepResult(Step.CATEGORY)
    artisan_id, product_id = _ids(ctx)
    catalog.update_details(ctx.session, artisan_id, product_id, category=chosen.category)
    return advance(ctx, Step.CATEGORY)


# --- materials ----------------------------------------------------------------------------


def split_materials(text: str) -> list[str]:
    """ "glass beads, brass and horn" → ["glass beads", "brass", "horn"]."""
    parts = (" ".join(part.split()) for part in _MATERIAL_SEPARATORS.split(text))
    return [part for part in parts if part]


def materials_step(ctx: StepContext, inbound: Inbound) -> StepResult:
    if (again := _photo_instead(ctx, inbound, Step.MATERIALS)) is not None:
        return again
    named = split_materials(inbound.text)
    if not named:
        return ask(ctx, Step.MATERIALS)
    artisan_id, product_id = _ids(ctx)
    try:
        catalog.update_details(ctx.session, artisan_id, product_id, materials=named)
    except InvalidProductDetail as refused:
        if refused.reason == "too_many":
            ctx.say(ctx._(MATERIALS_TOO_MANY).format(max=catalog.MAX_MATERIALS))
        else:
            ctx.say(ctx._(MATERIALS_TOO_LONG))
        return StepResult(Step.MATERIALS)
    flagged = [*dict.fromkeys([*materials.assess_materials(named), *_refused_in_title(ctx)])]
    if not flagged:
        return advance(ctx, Step.MATERIALS)
    notice = [ctx._(MATERIALS_STANDARD).format(materials=", ".join(flagged))]
    for rule in materials.refusing_rules(flagged):
        notice.append(ctx._(listings.RULE).format(rule=rule.title_in(ctx.user.locale)))
    ctx.say("\n".join(notice))
    return ask_flagged(ctx)


def _refused_in_title(ctx: StepContext) -> list[str]:
    """Materials against the standard her name for the piece says ("Mkufu wa plastiki"):
    still flagged when her answer to the materials question leaves them out."""
    said = vocabulary().recognize(product_of(ctx).title or "")
    return materials.assess_materials([term.name(ctx.user.locale) for term in said.materials])


def ask_flagged(ctx: StepContext) -> StepResult:
    choices = (
        Choice(ctx._(CHANGE_MATERIALS), "mat:change"),
        Choice(ctx._(CONTINUE_ANYWAY), "mat:keep"),
    )
    ctx.ask(ctx._(MATERIALS_CHOICE), choices)
    return StepResult(Step.MATERIALS_FLAGGED)


def materials_flagged_step(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == "mat:keep":
        ctx.say(ctx._(MANAGER_WILL_CHECK))
        return advance(ctx, Step.MATERIALS)
    if inbound.payload == "mat:change":
        return ask(ctx, Step.MATERIALS)
    if inbound.text.strip() and not inbound.photos:
        return materials_step(ctx, inbound)  # she typed the materials again straight away
    ctx.say(ctx._(PICK_ONE))
    return ask_flagged(ctx)


# --- quantity and description -------------------------------------------------------------


def read_quantity(text: str) -> int | None:
    word = text.strip().casefold().rstrip(".")
    number = _NUMBER_WORDS.get(word)
    if number is None and len(word) <= 4:
        number = read_int(word)  # any script's digits
    return number if number is not None and 1 <= number <= MAX_QUANTITY else None


def quantity_step(ctx: StepContext, inbound: Inbound) -> StepResult:
    if (again := _photo_instead(ctx, inbound, Step.QUANTITY)) is not None:
        return again
    quantity = read_quantity(inbound.text)
    if quantity is None:
        ctx.say(ctx._(QUANTITY_RANGE).format(max=MAX_QUANTITY))
        return StepResult(Step.QUANTITY)
    artisan_id, product_id = _ids(ctx)
    catalog.set_stock(ctx.session, artisan_id, product_id, quantity)
    return advance(ctx, Step.QUANTITY)


def description_step(ctx: StepContext, inbound: Inbound) -> StepResult:
    if (again := _photo_instead(ctx, inbound, Step.DESCRIPTION)) is not None:
        return again
    text = inbound.text.strip()
    if inbound.payload == "desc:skip" or text.casefold() in _SKIP_WORDS or not text:
        return advance(ctx, Step.DESCRIPTION)
    artisan_id, product_id = _ids(ctx)
    try:
        catalog.update_details(ctx.session, artisan_id, product_id, description=text)
    except InvalidProductDetail:
        ctx.say(ctx._(DESCRIPTION_TOO_LONG).format(max=catalog.MAX_DESCRIPTION))
        return ask_description(ctx)
    return advance(ctx, Step.DESCRIPTION)
