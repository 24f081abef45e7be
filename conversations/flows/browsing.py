"""The buyer's shop window: curated collections first (the featured one first), then
categories and search; a piece's card.

Only published collections are shown or opened: a button to one unpublished since (or the
first menu's "featured" entry after it stepped down) gets a kind word and the shop window.
A collection's title and story are in the buyer's language, English where it has none.

The flow's data remembers the list the buyer is in (``list``: kind, key, and the cursor the
shown page started ``after``) so "Back" from a card returns to the same page. Cursors are
the browse service's own strings, carried in the "More" choice's payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from conversations import links
from conversations.flow import (
    Answer,
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
from conversations.flows.product_card import (
    BACK_PAYLOAD,
    GO_CART,
    GO_CHECKOUT,
    CardAction,
    OnCard,
    OpenPiece,
)
from conversations.i18n import N_
from conversations.messages import Choice, Inbound, LinkButton, Outbound
from conversations.notify.listings import SHARE as OPEN_THE_PAGE
from conversations.payloads import Payload
from store.models import Category, Collection
from store.services import browse, collections
from store.text import read_int

FLOW = "browse"
PAGE_SIZE = 5
HOME_COLLECTIONS = 3  # with the six kinds and Search: ten, a WhatsApp list

SHOP_JEWELRY = N_("Shop jewelry")
SEARCH = N_("Search")
WHAT_TO_SEE = N_("What would you like to see?")
PICK_A_PIECE = N_("Choose a piece to see it:")
SEARCH_RESULTS = N_("Pieces for “{query}”:")
NOTHING_HERE = N_("Nothing here right now. New pieces come every week!")
NOTHING_FOUND = N_(
    "Sorry, nothing found for “{query}”. Try a simpler word, like beads, brass or "
    "bracelet, or choose a kind of jewelry:"
)
WHAT_ARE_YOU_LOOKING_FOR = N_("What are you looking for? Type a word, like “beaded necklace”.")
TYPE_A_WORD = N_("Please type a word to search for.")
PLEASE_CHOOSE = N_("Please choose one of the options, or type a word to search.")
MORE = N_("More")
SEARCH_AGAIN = N_("Search again")
COLLECTION_GONE = N_("That collection is not on show any more. Here is what there is now:")
# The buyers' first menu: the featured collection, under its title in her language.
FEATURED_ENTRY = N_("✨ {title}")
FEATURED_ARG = "featured"
COLLECTION_ARG_PREFIX = "col-"

CATEGORY_LABELS: dict[Category, str] = {
    Category.NECKLACE: N_("Necklaces"),
    Category.BRACELET: N_("Bracelets"),
    Category.EARRINGS: N_("Earrings"),
    Category.RING: N_("Rings"),
    Category.ANKLET: N_("Anklets"),
    Category.OTHER: N_("Other pieces"),
}


HOME = "home"
SEARCH_PAYLOAD = "search"


@dataclass(frozen=True)
class ShowCategory(Payload, tag="cat"):
    category: Category


@dataclass(frozen=True)
class ShowCollection(Payload, tag="col"):
    collection_id: int


@dataclass(frozen=True)
class NextPage(Payload, tag="more"):
    """The page after `cursor` (the browse service's); "" when it did not fit: the one the
    flow remembers."""

    cursor: str


class Step(StrEnum):
    PICK = "pick"  # a list of categories, collections or pieces
    QUERY = "query"  # waiting for search words
    CARD = "card"  # a piece's card
    QUANTITY = "quantity"  # how many to add (then: "cart" or "checkout")


def start(ctx: StepContext, arg: str) -> StepResult:
    """ "" shows the shop window; "search" asks for words; a product id opens its card
    (the `p-<id>` deep link)."""
    if arg == "search":
        return _ask_query(ctx)
    if arg == FEATURED_ARG:
        shown = collections.featured(ctx.session)
        return _open_collection(ctx, shown.id if shown is not None else None)
    if arg.startswith(COLLECTION_ARG_PREFIX):
        return _open_collection(ctx, read_int(arg.removeprefix(COLLECTION_ARG_PREFIX)))
    product_id = read_int(arg)  # a typed "/start p-²" is no piece
    if product_id is not None:
        return _open_card(ctx, product_id)
    return _show_home(ctx)


def pick(ctx: StepContext, inbound: Inbound) -> StepResult:
    payload = inbound.payload
    if (category := ShowCategory.read(payload)) is not None:
        return _show_list(ctx, {"kind": "cat", "key": category.category.value, "after": None})
    if (collection := ShowCollection.read(payload)) is not None:
        return _open_collection(ctx, collection.collection_id)
    if (turned := NextPage.read(payload)) is not None:
        listing = dict(ctx.data.get("list") or {})
        if not listing:
            return _show_home(ctx)
        after = turned.cursor or ctx.data.get("next")
        return _show_list(ctx, {**listing, "after": after}, in_place=True)  # in the same message
    if (piece := OpenPiece.read(payload)) is not None:
        return _open_card(ctx, piece.product_id)
    if payload == HOME:
        return _show_home(ctx)
    if payload == BACK_PAYLOAD:
        return _show_current(ctx)
    if payload == SEARCH_PAYLOAD:
        return _ask_query(ctx)
    if payload in (GO_CART, GO_CHECKOUT):
        return ctx.begin("cart" if payload == GO_CART else "checkout")
    if inbound.text.strip():
        return _search(ctx, inbound.text)
    ctx.say(ctx._(PLEASE_CHOOSE))
    return _show_current(ctx)


def query(ctx: StepContext, inbound: Inbound) -> StepResult:
    if not browse.search_tokens(inbound.text):
        ctx.say(ctx._(TYPE_A_WORD))
        return StepResult(Step.QUERY)
    return _search(ctx, inbound.text)


def card(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == BACK_PAYLOAD:
        return _show_current(ctx)
    tapped = OnCard.read(inbound.payload)
    if tapped is None:
        return _reshow_card(ctx)
    info = product_card.load(ctx, tapped.product_id)
    if info is None:
        ctx.say(ctx._(product_card.NOT_AVAILABLE))
        return _show_current(ctx)
    if tapped.action is CardAction.SHARE:
        product_card.share(ctx, info)
        return StepResult(Step.CARD)
    if tapped.action in (CardAction.ADD, CardAction.BUY):
        then = "checkout" if tapped.action is CardAction.BUY else "cart"
        if info.product.stock_available > 1:
            product_card.ask_quantity(ctx, info)
            return StepResult(Step.QUANTITY, {"pid": info.product.id, "then": then})
        return _add(ctx, info.product.id, 1, then)
    return _reshow_card(ctx)


def quantity(ctx: StepContext, inbound: Inbound) -> StepResult:
    wanted = product_card.parse_quantity(inbound.text)
    if wanted is None:
        ctx.say(ctx._(product_card.TYPE_A_NUMBER))
        return StepResult(Step.QUANTITY)
    return _add(ctx, int(ctx.data["pid"]), wanted, str(ctx.data.get("then", "cart")))


def _add(ctx: StepContext, product_id: int, wanted: int, then: str) -> StepResult:
    change = product_card.put_in_cart(ctx, product_id, wanted)
    if change is None:
        return StepResult(Step.PICK)
    info = product_card.load(ctx, product_id)
    title = info.product.title if info else ""
    if then == "checkout":
        if change.capped:
            ctx.say(product_card.capped_note(ctx, change))
        return ctx.begin("checkout")
    product_card.confirm_added(ctx, change, title)
    return StepResult(Step.PICK)


def open_collection(ctx: StepContext, tapped: ShowCollection) -> StepResult:
    """A collection tapped in an earlier shop window, from whatever she is doing now."""
    return ctx.begin(FLOW, f"{COLLECTION_ARG_PREFIX}{tapped.collection_id}")


def _open_collection(ctx: StepContext, collection_id: int | None) -> StepResult:
    if collection_id is None or collections.visible(ctx.session, collection_id) is None:
        ctx.say(ctx._(COLLECTION_GONE))
        return _show_home(ctx)
    return _show_list(ctx, {"kind": "col", "key": str(collection_id), "after": None})


def featured_label(ctx: StepContext) -> str | None:
    """The first menu's line for the featured collection; None when none is featured."""
    shown = collections.featured(ctx.session)
    if shown is None:
        return None
    return ctx._(FEATURED_ENTRY).format(title=shown.title_in(ctx.translator.locale))


def open_piece(ctx: StepContext, tapped: OpenPiece) -> StepResult | None:
    """A piece tapped in an earlier list, from whatever she is doing now: its card, while a
    buyer may see it (listed or sold out, in an open shop); else declined."""
    if product_card.load(ctx, tapped.product_id) is None:
        return None
    return ctx.begin(FLOW, str(tapped.product_id))


def _ask_again(ctx: StepContext) -> StepResult:
    """The card she is on (or the list, when it is gone)."""
    info = product_card.load(ctx, int(ctx.data["pid"])) if "pid" in ctx.data else None
    if info is None:
        return _show_current(ctx)
    product_card.show(ctx, info)
    return StepResult(Step.CARD)


def _ask_quantity_again(ctx: StepContext) -> StepResult:
    info = product_card.load(ctx, int(ctx.data["pid"])) if "pid" in ctx.data else None
    if info is None:
        ctx.say(ctx._(product_card.NOT_AVAILABLE))
        return _show_current(ctx)
    product_card.ask_quantity(ctx, info)
    return StepResult(Step.QUANTITY)


def _open_card(ctx: StepContext, product_id: int) -> StepResult:
    info = product_card.load(ctx, product_id)
    if info is None:
        ctx.say(ctx._(product_card.NOT_AVAILABLE))
        return _show_home(ctx)
    product_card.show(ctx, info)
    return StepResult(Step.CARD, {"pid": product_id})


def _reshow_card(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(PLEASE_CHOOSE))
    return _open_card(ctx, int(ctx.data["pid"])) if "pid" in ctx.data else _show_current(ctx)


def _show_home(ctx: StepContext) -> StepResult:
    locale = ctx.translator.locale
    shown = collections.published(ctx.session, limit=HOME_COLLECTIONS)
    choices = [
        Choice(collection.title_in(locale), ShowCollection(collection.id).encode())
        for collection in shown
    ]
    choices += [
        Choice(ctx._(label), ShowCategory(category).encode()) for category, label in _labels()
    ]
    choices.append(Choice(ctx._(SEARCH), SEARCH_PAYLOAD))
    ctx.ask(ctx._(WHAT_TO_SEE), choices)
    return StepResult(Step.PICK, {"list": None})


def _ask_query(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(WHAT_ARE_YOU_LOOKING_FOR))
    return StepResult(Step.QUERY)


def _search(ctx: StepContext, text: str) -> StepResult:
    words = " ".join(browse.search_tokens(text))
    return _show_list(ctx, {"kind": "search", "key": words, "after": None})


def _show_current(ctx: StepContext) -> StepResult:
    listing = ctx.data.get("list")
    return _show_list(ctx, dict(listing)) if listing else _show_home(ctx)


def _show_list(ctx: StepContext, listing: dict[str, Any], *, in_place: bool = False) -> StepResult:
    if listing["kind"] == "col" and collections.visible(ctx.session, int(listing["key"])) is None:
        ctx.say(ctx._(COLLECTION_GONE))  # unpublished while she looked at it
        return _show_home(ctx)
    after = listing.get("after")
    try:
        page = _page(ctx, listing, after)
    except browse.InvalidCursor:
        listing["after"] = after = None
        page = _page(ctx, listing, None)
    if not page.items and after is None:
        return _nothing(ctx, listing)
    choices = [product_card.list_choice(ctx, item) for item in page.items]
    if page.next_cursor is not None:
        try:
            payload = NextPage(page.next_cursor).encode()
        except ValueError:  # a cursor too long for a button: the flow remembers it
            payload = NextPage("").encode()
        choices.append(Choice(ctx._(MORE), payload))
    choices.append(Choice(ctx._(product_card.BACK), HOME))
    page_links = _page_links(ctx, listing) if after is None else ()
    heading = _heading(ctx, listing)
    ctx.reply(Outbound(text=heading, choices=tuple(choices), links=page_links), in_place=in_place)
    return StepResult(Step.PICK, {"list": listing, "next": page.next_cursor})


def _page_links(ctx: StepContext, listing: dict[str, Any]) -> tuple[LinkButton, ...]:
    """A collection's web page, to look at or share (with its first page only)."""
    if listing["kind"] != "col":
        return ()
    collection = collections.visible(ctx.session, int(listing["key"]))
    if collection is None:
        return ()
    url = links.collection_page_url(ctx.market.config.public_base_url, collection.slug)
    return (LinkButton(ctx._(OPEN_THE_PAGE), url),)


def _page(ctx: StepContext, listing: dict[str, Any], after: str | None) -> browse.Page:
    key = str(listing["key"])
    if listing["kind"] == "search":
        return browse.search(ctx.session, key, after=after, limit=PAGE_SIZE)
    if listing["kind"] == "col":
        return browse.browse(ctx.session, collection_id=int(key), after=after, limit=PAGE_SIZE)
    return browse.browse(ctx.session, category=Category(key), after=after, limit=PAGE_SIZE)


def _heading(ctx: StepContext, listing: dict[str, Any]) -> str:
    if listing["kind"] == "search":
        return ctx._(SEARCH_RESULTS).format(query=listing["key"])
    if listing["kind"] == "col":
        collection = ctx.session.get(Collection, int(listing["key"]))
        if collection is not None:
            locale = ctx.translator.locale
            title, story = collection.title_in(locale), collection.story_in(locale)
            return f"{title}\n{story}" if story else title
    return ctx._(PICK_A_PIECE)


def _nothing(ctx: StepContext, listing: dict[str, Any]) -> StepResult:
    if listing["kind"] != "search":
        ctx.ask(ctx._(NOTHING_HERE), [Choice(ctx._(product_card.BACK), HOME)])
        return StepResult(Step.PICK, {"list": None})
    choices = [
        Choice(ctx._(label), ShowCategory(category).encode()) for category, label in _labels()
    ]
    choices.append(Choice(ctx._(SEARCH_AGAIN), SEARCH_PAYLOAD))
    ctx.ask(ctx._(NOTHING_FOUND).format(query=listing["key"]), choices)
    return StepResult(Step.PICK, {"list": None})


def _labels() -> list[tuple[Category, str]]:
    return list(CATEGORY_LABELS.items())


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.PICK: pick,
        Step.QUERY: query,
        Step.CARD: card,
        Step.QUANTITY: quantity,
    }
    prompts: dict[StrEnum, PromptFn] = {
        Step.PICK: _show_current,
        Step.QUERY: _ask_query,
        Step.CARD: _ask_again,
        Step.QUANTITY: _ask_quantity_again,
    }
    # Words typed at a list or the search are searched for; a menu entry's name ("My cart")
    # opens the entry instead (`menu_words`).
    answers: dict[StrEnum, Answer] = {Step.PICK: Answer.SEARCH, Step.QUERY: Answer.SEARCH}
    registry.add(Flow(FLOW, steps, start, prompts=prompts, answers=answers))
    registry.add_route(OpenPiece, open_piece)
    registry.add_route(ShowCollection, open_collection)
    registry.add_menu_entry(MenuEntry("browse", SHOP_JEWELRY, FLOW, MenuGroup.BUYING, 1))
    registry.add_menu_entry(MenuEntry("search", SEARCH, FLOW, MenuGroup.BUYING, 2, arg="search"))
    registry.add_menu_entry(
        MenuEntry(
            "featured",
            FEATURED_ENTRY,
            FLOW,
            MenuGroup.BUYING,
            6,
            arg=FEATURED_ARG,
            label_now=featured_label,
        )
    )
    # t.me/<bot>?start=p-<id> and WhatsApp's "/start p-<id>" open a piece's card.
    registry.add_start_route(links.PRODUCT_START_PREFIX, FLOW)
