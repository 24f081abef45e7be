"""My pieces: an artisan's own products, newest first; change the price or stock, or archive.

Every step re-reads the product through the catalog service with her artisan id, so a product
id from the state or a forged payload never reaches another artisan's piece.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from sqlalchemy import select

from conversations import links, price_replies
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
from conversations.flows.listing import CONTINUE_ARG
from conversations.flows.listing.draft import FLOW as LISTING_FLOW
from conversations.flows.my_shop import (
    BACK,
    BACK_PAYLOAD,
    NO_PAYLOAD,
    YES_PAYLOAD,
    back,
    current_artisan,
    yes_no,
)
from conversations.i18n import N_
from conversations.messages import Choice, ImageRef, Inbound, LinkButton, Outbound
from conversations.notify.listings import SHARE as OPEN_THE_PAGE
from conversations.notify.listings import reason_text
from conversations.payloads import Payload
from store.errors import NotFound, PermissionDenied
from store.models import Artisan, Product, ProductStatus, Role
from store.money import Money
from store.prices import PriceRejected, parse_price
from store.services import catalog, people
from store.services.catalog import InvalidProductDetail, ProductNotEditable, StockBelowReserved
from store.services.product_status import LISTED_STATUSES
from store.text import read_int

FLOW: Final = "my_products"
PAGE_SIZE: Final = 8

MENU_LABEL = N_("My pieces")
NONE_YET = N_("You have no pieces yet. Choose “List a piece” in the menu to add one.")
YOUR_PIECES = N_("Your pieces. Pick one to change it:")
MORE = N_("More pieces")
SHARE_SHOP = N_("Share my shop")
SHARE_SHOP_TEXT = N_("Share your shop with this link:\n{url}")
SHARE_SHOP_PAYLOAD: Final = "share"
UNTITLED = N_("Untitled draft")

LIVE = N_("Live")
WAITING = N_("Waiting for review")
SOLD_OUT = N_("Sold out")
DRAFT = N_("Draft")
NOT_ACCEPTED = N_("Not accepted")
NOT_ACCEPTED_BECAUSE = N_("Not accepted: {reason}")
_STATUS: Final = {
    ProductStatus.ACTIVE: LIVE,
    ProductStatus.PENDING_REVIEW: WAITING,
    ProductStatus.SOLD_OUT: SOLD_OUT,
    ProductStatus.DRAFT: DRAFT,
    ProductStatus.REJECTED: NOT_ACCEPTED,
}

CARD = N_("{title}\nPrice: {price}\nIn stock: {stock}\nStatus: {status}")
HELD = N_("{count} held by orders waiting for payment")
NO_PRICE = N_("not set")
DRAFT_HINT = N_("This piece is not finished. Continue it in “List a piece”.")
CHANGE_PRICE = N_("Change price")
CHANGE_STOCK = N_("Change stock")
ARCHIVE = N_("Archive")
CONTINUE = N_("Continue in List a piece")

ASK_PRICE = N_("What is the new price in shillings? For example 1500.")
TYPE_AGAIN = N_("OK, type the price again.")
PRICE_SET = N_("Done: the price is now {price}.")
PRICE_SET_FOR_REVIEW = N_(
    "Done: the price is now {price}. A community manager checks a big price change before"
    " buyers see the piece again; I will tell you when it is back in the shop."
)
ASK_STOCK = N_("How many of this piece do you have now? Send a number, for example 3.")
STOCK_NOT_NUMBER = N_("Please send a number, for example 3.")
STOCK_RANGE = N_("Please send a number from 0 to {max}.")
STOCK_HELD = N_(
    "Sorry, {reserved} of these are held by orders waiting for payment, so you can't have "
    "fewer than {reserved}. Send {reserved} or more."
)
STOCK_SET = N_("Done: you have {stock} in stock.")
ASK_ARCHIVE = N_("Archive {title}? Buyers will not see it any more. This can't be undone.")
ARCHIVED = N_("Archived: {title}.")
KEPT = N_("OK, nothing changed.")
CANT_CHANGE = N_("This piece can't be changed any more.")


@dataclass(frozen=True)
class MyPiece(Payload, tag="mp"):
    """One of her pieces in her list: it opens from any earlier message, if still hers."""

    product_id: int


@dataclass(frozen=True)
class PiecesPage(Payload, tag="pg"):
    page: int


class Answer(StrEnum):
    YES = "yes"
    NO = "no"


@dataclass(frozen=True)
class ArchiveAnswer(Payload, tag="arc"):
    """Yes or no to archiving this piece: an old "Yes" (another question, another piece)
    never archives the piece asked about now."""

    answer: Answer
    product_id: int


class Step(StrEnum):
    LIST = "list"
    CARD = "card"
    PRICE = "price"
    PRICE_CONFIRM = "price_confirm"
    STOCK = "stock"
    ARCHIVE_CONFIRM = "archive_confirm"


# --- the list -------------------------------------------------------------------------------


def start(ctx: StepContext, arg: str) -> StepResult:
    """ "" shows her list; a product id opens that piece of hers (`MyPiece` from an old list)."""
    artisan = current_artisan(ctx)
    if arg.isdecimal():
        return _show_card(ctx, catalog.owned_product(ctx.session, artisan.id, int(arg), "view"))
    return _show_list(ctx, artisan, page=0)


def open_piece(ctx: StepContext, tapped: MyPiece) -> StepResult | None:
    """A piece tapped in an earlier list, whatever she is doing now: opened if it is still
    one of hers (the catalog service checks), else declined."""
    artisan = people.artisan_for_user(ctx.session, ctx.user.id)
    if artisan is None:
        return None
    try:
        product = catalog.owned_product(ctx.session, artisan.id, tapped.product_id, "view")
    except (NotFound, PermissionDenied):
        return None
    if product.status is ProductStatus.ARCHIVED:
        return None
    return ctx.begin(FLOW, str(product.id))


def choose_piece(ctx: StepContext, inbound: Inbound) -> StepResult:
    payload = inbound.payload or ""
    artisan = current_artisan(ctx)
    if (turned := PiecesPage.read(payload)) is not None:
        return _show_list(ctx, artisan, page=turned.page, in_place=True)  # in the same message
    if payload == BACK_PAYLOAD:
        return ctx.begin(FlowRegistry.MENU)
    if payload == SHARE_SHOP_PAYLOAD:
        return _share_shop(ctx, artisan, page=int(ctx.data.get("page", 0)))
    if (picked := MyPiece.read(payload)) is not None:
        product = catalog.owned_product(ctx.session, artisan.id, picked.product_id, "view")
        return _show_card(ctx, product)
    ctx.say(ctx._(PICK_ONE))
    return _show_current_list(ctx)


def _show_current_list(ctx: StepContext) -> StepResult:
    return _show_list(ctx, current_artisan(ctx), page=int(ctx.data.get("page", 0)))


def _show_list(
    ctx: StepContext, artisan: Artisan, *, page: int, in_place: bool = False
) -> StepResult:
    products = _my_products(ctx, artisan, page)
    if not products and page == 0:
        ctx.say(ctx._(NONE_YET))
        return StepResult(END)
    choices = [
        Choice(f"{product.title or ctx._(UNTITLED)} — {_status(ctx, product, short=True)}",
               MyPiece(product.id).encode())
        for product in products[:PAGE_SIZE]
    ]  # fmt: skip
    if len(products) > PAGE_SIZE:
        choices.append(Choice(ctx._(MORE), PiecesPage(page + 1).encode()))
    choices.append(Choice(ctx._(SHARE_SHOP), SHARE_SHOP_PAYLOAD))
    choices.append(back(ctx))
    ctx.ask(ctx._(YOUR_PIECES), choices, in_place=in_place)
    return StepResult(Step.LIST, {"page": page})


def _share_shop(ctx: StepContext, artisan: Artisan, *, page: int) -> StepResult:
    """Her shop's web page (`/a/<slug>`): every piece she has for sale, to share anywhere."""
    url = links.artisan_page_url(ctx.market.config.public_base_url, artisan.slug)
    ctx.reply(
        Outbound(
            text=ctx._(SHARE_SHOP_TEXT).format(url=url),
            links=(LinkButton(ctx._(OPEN_THE_PAGE), url),),
            choices=(Choice(ctx._(BACK), PiecesPage(page).encode()),),
        )
    )
    return StepResult(Step.LIST, {"page": page})


def _my_products(ctx: StepContext, artisan: Artisan, page: int) -> list[Product]:
    """A page of her pieces (one extra tells whether there is another page)."""
    return list(
        ctx.session.scalars(
            select(Product)
            .where(Product.artisan_id == artisan.id, Product.status != ProductStatus.ARCHIVED)
            .order_by(Product.created_at.desc(), Product.id.desc())
            .offset(max(page, 0) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )


def _status(ctx: StepContext, product: Product, *, short: bool = False) -> str:
    if product.status is ProductStatus.REJECTED and not short and product.rejection_reason:
        reason = reason_text(ctx.translator, product.rejection_reason)
        return ctx._(NOT_ACCEPTED_BECAUSE).format(reason=reason)
    return ctx._(_STATUS.get(product.status, DRAFT))


# --- one piece ------------------------------------------------------------------------------


def _show_card(ctx: StepContext, product: Product) -> StepResult:
    locale = ctx.user.locale
    price = (
        Money(product.price_minor, product.currency).format(locale)
        if product.price_minor is not None
        else ctx._(NO_PRICE)
    )
    stock = str(product.stock_on_hand)
    if product.stock_reserved:
        stock += " (" + ctx._(HELD).format(count=product.stock_reserved) + ")"
    text = ctx._(CARD).format(
        title=product.title or ctx._(UNTITLED),
        price=price,
        stock=stock,
        status=_status(ctx, product),
    )
    if product.status is ProductStatus.DRAFT:
        choices = [Choice(ctx._(ARCHIVE), "archive")]
        text += "\n" + ctx._(DRAFT_HINT)
        if ctx.registry.has_flow(LISTING_FLOW):
            choices.insert(0, Choice(ctx._(CONTINUE), "continue"))
    else:
        choices = [
            Choice(ctx._(CHANGE_PRICE), "price"),
            Choice(ctx._(CHANGE_STOCK), "stock"),
            Choice(ctx._(ARCHIVE), "archive"),
        ]
        if product.status is ProductStatus.REJECTED and ctx.registry.has_flow(LISTING_FLOW):
            choices.insert(0, Choice(ctx._(CONTINUE), "continue"))
    choices.append(back(ctx))
    photo = product.photos[0].keys.get("medium") if product.photos else None
    ctx.reply(
        Outbound(text=text, image=ImageRef(key=photo) if photo else None, choices=tuple(choices))
    )
    return StepResult(Step.CARD, {"product_id": product.id})


def card(ctx: StepContext, inbound: Inbound) -> StepResult:
    product = _product(ctx)
    match inbound.payload:
        case "price":
            return _ask_price(ctx)
        case "stock":
            return _ask_stock(ctx)
        case "archive":
            return _ask_archive(ctx)
        case "continue":
            return ctx.begin(LISTING_FLOW, f"{CONTINUE_ARG}{product.id}")
        case "back":
            return _show_list(ctx, current_artisan(ctx), page=int(ctx.data.get("page", 0)))
    ctx.say(ctx._(PICK_ONE))
    return _show_card(ctx, product)


def _show_current_card(ctx: StepContext) -> StepResult:
    return _show_card(ctx, _product(ctx))


def _ask_price(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(ASK_PRICE))
    return StepResult(Step.PRICE)


def _ask_stock(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(ASK_STOCK))
    return StepResult(Step.STOCK)


def _ask_archive(ctx: StepContext, question: str = ASK_ARCHIVE) -> StepResult:
    product = _product(ctx)
    title = product.title or ctx._(UNTITLED)
    ctx.ask(ctx._(question).format(title=title), _archive_yes_no(ctx, product.id))
    return StepResult(Step.ARCHIVE_CONFIRM)


def _archive_yes_no(ctx: StepContext, product_id: int) -> list[Choice]:
    yes, no = yes_no(ctx)
    return [
        replace(yes, payload=ArchiveAnswer(Answer.YES, product_id).encode()),
        replace(no, payload=ArchiveAnswer(Answer.NO, product_id).encode()),
    ]


def _ask_price_confirm(ctx: StepContext) -> StepResult:
    product = _product(ctx)
    new_price = Money(int(ctx.data["new_price"]), product.currency)
    ctx.ask(price_replies.confirm_price(ctx.translator, new_price), yes_no(ctx))
    return StepResult(Step.PRICE_CONFIRM)


def _product(ctx: StepContext) -> Product:
    return catalog.owned_product(
        ctx.session, current_artisan(ctx).id, int(ctx.data["product_id"]), "change"
    )


# --- price ----------------------------------------------------------------------------------


def price(ctx: StepContext, inbound: Inbound) -> StepResult:
    product = _product(ctx)
    max_minor = ctx.market.config.max_price_minor
    parsed = parse_price(inbound.text, product.currency, max_minor=max_minor)
    if isinstance(parsed, PriceRejected):
        max_price = Money(max_minor, product.currency)
        ctx.say(price_replies.price_problem(ctx.translator, parsed, max_price))
        return StepResult(Step.PRICE)
    ctx.ask(price_replies.confirm_price(ctx.translator, parsed), yes_no(ctx))
    return StepResult(Step.PRICE_CONFIRM, {"new_price": parsed.amount})


def price_confirm(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == NO_PAYLOAD:
        ctx.say(ctx._(TYPE_AGAIN))
        return StepResult(Step.PRICE)
    if inbound.payload != YES_PAYLOAD:
        return price(ctx, inbound)  # she typed another price instead
    product = _product(ctx)
    new_price = Money(int(ctx.data["new_price"]), product.currency)
    was_listed = product.status in LISTED_STATUSES
    try:
        catalog.set_price(
            ctx.session,
            product.artisan_id,
            product.id,
            new_price,
            max_minor=ctx.market.config.max_price_minor,
            review_share=ctx.market.config.price_change_review_share,
            now=ctx.now,
        )
    except ProductNotEditable:
        ctx.say(ctx._(CANT_CHANGE))
        return _show_list(ctx, current_artisan(ctx), page=0)
    back_to_review = was_listed and product.status is ProductStatus.PENDING_REVIEW
    done = PRICE_SET_FOR_REVIEW if back_to_review else PRICE_SET
    ctx.say(ctx._(done).format(price=new_price.format(ctx.user.locale)))
    return _show_card(ctx, product)


# --- stock and archive ----------------------------------------------------------------------


def stock(ctx: StepContext, inbound: Inbound) -> StepResult:
    product = _product(ctx)
    count = read_int(inbound.text)  # any script's digits
    if count is None:
        ctx.say(ctx._(STOCK_NOT_NUMBER))
        return StepResult(Step.STOCK)
    try:
        product = catalog.set_stock(ctx.session, product.artisan_id, product.id, count)
    except StockBelowReserved as held:
        ctx.say(ctx._(STOCK_HELD).format(reserved=held.reserved))
        return StepResult(Step.STOCK)
    except InvalidProductDetail:
        ctx.say(ctx._(STOCK_RANGE).format(max=catalog.MAX_STOCK))
        return StepResult(Step.STOCK)
    except ProductNotEditable:
        ctx.say(ctx._(CANT_CHANGE))
        return _show_list(ctx, current_artisan(ctx), page=0)
    ctx.say(ctx._(STOCK_SET).format(stock=product.stock_on_hand))
    return _show_card(ctx, product)


def archive_confirm(ctx: StepContext, inbound: Inbound) -> StepResult:
    product = _product(ctx)
    answered = ArchiveAnswer.read(inbound.payload)
    if answered is None or answered.product_id != product.id:
        return _ask_archive(ctx, PICK_ONE)
    if answered.answer is Answer.YES:
        catalog.archive(ctx.session, product.artisan_id, product.id)
        ctx.say(ctx._(ARCHIVED).format(title=product.title or ctx._(UNTITLED)))
        return _show_list(ctx, current_artisan(ctx), page=0)
    ctx.say(ctx._(KEPT))
    return _show_card(ctx, product)


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.LIST: choose_piece,
        Step.CARD: card,
        Step.PRICE: price,
        Step.PRICE_CONFIRM: price_confirm,
        Step.STOCK: stock,
        Step.ARCHIVE_CONFIRM: archive_confirm,
    }
    prompts: dict[StrEnum, PromptFn] = {
        Step.LIST: _show_current_list,
        Step.CARD: _show_current_card,
        Step.PRICE: _ask_price,
        Step.PRICE_CONFIRM: _ask_price_confirm,
        Step.STOCK: _ask_stock,
        Step.ARCHIVE_CONFIRM: _ask_archive,
    }
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(MyPiece, open_piece)
    registry.add_menu_entry(
        MenuEntry("mine", MENU_LABEL, FLOW, MenuGroup.SELLING, 2, visible=with_role(Role.ARTISAN))
    )
