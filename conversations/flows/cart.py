"""The buyer's cart: what is in it (with pieces that sold out meanwhile flagged), change a
quantity, remove a piece, go to checkout."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from conversations import shipping_fees
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
)
from conversations.flows import product_card
from conversations.flows.menu import entry_payload
from conversations.flows.product_card import BACK_PAYLOAD, OpenPiece
from conversations.i18n import N_
from conversations.messages import Choice, Inbound
from conversations.notify.orders import ITEM
from conversations.payloads import Payload
from store.services import cart_removals, carts
from store.services.carts import CartLine, CartProblem, OwnProduct, ProductNotForSale
from store.services.inventory import InsufficientStock
from store.services.open_shops import ShopClosed
from store.text import read_int

FLOW = "cart"

MY_CART = product_card.MY_CART
YOUR_CART = N_("Your cart:")
EMPTY = N_("Your cart is empty.")
LINE = N_("{quantity} × {title} — {total}")
LINE_SOLD_OUT = N_("{quantity} × {title} — sold out")
LINE_NOT_ENOUGH = N_("{quantity} × {title} — only {available} left")
LINE_NOT_FOR_SALE = N_("{quantity} × {title} — no longer for sale")
LINE_UNAVAILABLE = N_("{quantity} × {title} — not available right now")
SUBTOTAL = N_("Subtotal: {amount}")
FIX_FIRST = N_("Please change or remove the marked pieces before checkout.")
CHANGE_LINE = N_("Change: {title}")
LINE_MENU = N_("{title}: {quantity} in your cart.")
CHANGE_QUANTITY = N_("Change quantity")
REMOVE = N_("Remove")
HOW_MANY_NOW = N_("How many would you like? Type a number (0 removes it).")
REMOVED = N_("Removed {title} from your cart.")
TAKEN_OUT = N_(
    "Sorry: we took out of your cart pieces whose shop is no longer selling on Soko: {items}."
)

_PROBLEM_LINES = {
    CartProblem.SOLD_OUT: LINE_SOLD_OUT,
    CartProblem.NOT_ENOUGH: LINE_NOT_ENOUGH,
    CartProblem.NOT_FOR_SALE: LINE_NOT_FOR_SALE,
    CartProblem.UNAVAILABLE: LINE_UNAVAILABLE,
}


CHECKOUT_PAYLOAD = "checkout"
BROWSE_PAYLOAD = "browse"


@dataclass(frozen=True)
class PickLine(Payload, tag="line"):
    product_id: int


@dataclass(frozen=True)
class ChangeQuantity(Payload, tag="qty"):
    product_id: int


@dataclass(frozen=True)
class RemoveLine(Payload, tag="rm"):
    product_id: int


class Step(StrEnum):
    VIEW = "view"
    LINE = "line"
    QUANTITY = "quantity"


def start(ctx: StepContext, arg: str) -> StepResult:
    return show(ctx)


def show(ctx: StepContext, heading: str = "") -> StepResult:
    removed = cart_removals.told_removals(ctx.session, ctx.user.id)
    if removed:
        items = ", ".join(
            ctx._(ITEM).format(quantity=piece.quantity, title=piece.title) for piece in removed
        )
        taken = ctx._(TAKEN_OUT).format(items=items)
        heading = f"{heading}\n{taken}" if heading else taken
    view = carts.view_cart(ctx.session, ctx.user.id, ctx.market.config.pricing)
    if view.is_empty:
        if heading:
            ctx.say(heading)
        ctx.ask(
            ctx._(EMPTY),
            [Choice(ctx._(product_card.KEEP_SHOPPING), entry_payload("browse"))],
        )
        return StepResult(END)
    text = [heading] if heading else []
    text.append(ctx._(YOUR_CART))
    text += [_line_text(ctx, line) for line in view.lines]
    text.append(ctx._(SUBTOTAL).format(amount=view.subtotal.format(ctx.user.locale)))
    pieces = sum(line.quantity for line in view.lines if line.orderable)
    if pieces:
        text += shipping_fees.cart_lines(ctx, view.subtotal, pieces)
    if not view.ready_to_order:
        text.append(ctx._(FIX_FIRST))
    choices = [
        Choice(ctx._(CHANGE_LINE).format(title=line.title), PickLine(line.product_id).encode())
        for line in view.lines
    ]
    if view.ready_to_order:
        choices.insert(0, Choice(ctx._(product_card.CHECKOUT), CHECKOUT_PAYLOAD))
    choices.append(Choice(ctx._(product_card.KEEP_SHOPPING), BROWSE_PAYLOAD))
    ctx.ask("\n".join(text), choices)
    return StepResult(Step.VIEW)


def view(ctx: StepContext, inbound: Inbound) -> StepResult:
    payload = inbound.payload
    if payload == CHECKOUT_PAYLOAD:
        return ctx.begin("checkout")
    if payload == BROWSE_PAYLOAD:
        return ctx.begin("browse")
    if (piece := OpenPiece.read(payload)) is not None:  # a similar piece after a sell-out
        return ctx.begin("browse", str(piece.product_id))
    if (picked := PickLine.read(payload)) is not None:
        return _line_menu(ctx, picked.product_id)
    return show(ctx)


def _line_menu(ctx: StepContext, product_id: int) -> StepResult:
    line = _line(ctx, product_id)
    if line is None:
        return show(ctx)
    ctx.ask(
        ctx._(LINE_MENU).format(title=line.title, quantity=line.quantity),
        [
            Choice(ctx._(CHANGE_QUANTITY), ChangeQuantity(line.product_id).encode()),
            Choice(ctx._(REMOVE), RemoveLine(line.product_id).encode()),
            Choice(ctx._(product_card.BACK), BACK_PAYLOAD),
        ],
    )
    return StepResult(Step.LINE, {"pid": line.product_id})


def line_menu(ctx: StepContext, inbound: Inbound) -> StepResult:
    if (change := ChangeQuantity.read(inbound.payload)) is not None:
        return _ask_quantity(ctx, {"pid": change.product_id})
    if (removed := RemoveLine.read(inbound.payload)) is not None:
        line = _line(ctx, removed.product_id)
        carts.remove_from_cart(ctx.session, ctx.user.id, removed.product_id, now=ctx.now)
        heading = ctx._(REMOVED).format(title=line.title) if line else ""
        return show(ctx, heading)
    return show(ctx)


def _ask_quantity(ctx: StepContext, data: dict[str, int] | None = None) -> StepResult:
    ctx.say(ctx._(HOW_MANY_NOW))
    return StepResult(Step.QUANTITY, data)


def _ask_line_again(ctx: StepContext) -> StepResult:
    return _line_menu(ctx, int(ctx.data["pid"])) if "pid" in ctx.data else show(ctx)


def quantity(ctx: StepContext, inbound: Inbound) -> StepResult:
    wanted = read_int(inbound.text)  # any script's digits; "²" is no number
    if wanted is None or wanted > 999:
        ctx.say(ctx._(product_card.TYPE_A_NUMBER))
        return StepResult(Step.QUANTITY)
    product_id = int(ctx.data["pid"])
    try:
        change = carts.set_quantity(
            ctx.session,
            ctx.user.id,
            product_id,
            wanted,
            now=ctx.now,
            most=product_card.most_per_piece(ctx),
            most_in_order=product_card.most_in_order(ctx),
        )
    except ShopClosed:
        return show(ctx, ctx._(product_card.NOT_FOR_SALE_NOW))
    except (InsufficientStock, ProductNotForSale, OwnProduct):
        return show(ctx, ctx._(product_card.JUST_SOLD_OUT))
    return show(ctx, product_card.capped_note(ctx, change))


def _line(ctx: StepContext, product_id: int) -> CartLine | None:
    view_ = carts.view_cart(ctx.session, ctx.user.id, ctx.market.config.pricing)
    return next((line for line in view_.lines if line.product_id == product_id), None)


def _line_text(ctx: StepContext, line: CartLine) -> str:
    if line.problem is None:
        return ctx._(LINE).format(
            quantity=line.quantity, title=line.title, total=line.line_total.format(ctx.user.locale)
        )
    return ctx._(_PROBLEM_LINES[line.problem]).format(
        quantity=line.quantity, title=line.title, available=line.available
    )


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {Step.VIEW: view, Step.LINE: line_menu, Step.QUANTITY: quantity}
    prompts: dict[StrEnum, PromptFn] = {
        Step.VIEW: show,
        Step.LINE: _ask_line_again,
        Step.QUANTITY: _ask_quantity,
    }
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_menu_entry(MenuEntry("cart", MY_CART, FLOW, MenuGroup.BUYING, 3))
