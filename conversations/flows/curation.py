"""The community managers' Collections menu: make a curated collection (title and story in
English and Swahili), add pieces by searching or from a review card ("Add to a collection"),
move and remove them, choose the cover, publish and unpublish, and feature one on the buyers'
first menu.

Every change goes through `store.services.collections`, which checks the role each time and
writes the people audit; a button from an earlier message acts on the collection as it is
now ("Publish" tapped twice: it is published already), and a collection or piece gone since
gets a kind word and the list.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from conversations.choices import is_skip
from conversations.flow import (
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
from conversations.flows import curation_card as card
from conversations.flows.curation_card import (
    ALL_PAYLOAD,
    DONE_PAYLOAD,
    NEW_PAYLOAD,
    Act,
    AddInto,
    AddToCollection,
    OnCollection,
    OpenCollection,
    PickPiece,
)
from conversations.flows.language import PICK_ONE
from conversations.flows.people_card import menu_choice
from conversations.flows.review import OpenReview
from conversations.messages import Choice, Inbound
from store.errors import NotFound
from store.models import Collection, Product, Role
from store.services import browse, collections
from store.text import clean_display, clean_line, read_int

FLOW: Final = "collections"
SEARCH_PAGE: Final = 8
# Places typed as words, in both languages.
PLACE_WORDS: Final = {
    **dict.fromkeys(("one", "first", "moja", "kwanza"), 1),
    **dict.fromkeys(("two", "second", "mbili", "pili"), 2),
    **dict.fromkeys(("three", "third", "tatu"), 3),
    **dict.fromkeys(("four", "fourth", "nne"), 4),
    **dict.fromkeys(("five", "fifth", "tano"), 5),
    **dict.fromkeys(("six", "sita"), 6),
    **dict.fromkeys(("seven", "saba"), 7),
    **dict.fromkeys(("eight", "nane"), 8),
    **dict.fromkeys(("nine", "tisa"), 9),
    **dict.fromkeys(("ten", "kumi"), 10),
}


class Step(StrEnum):
    LIST = "list"
    TITLE = "title"
    TITLE_SW = "title_sw"
    STORY = "story"
    STORY_SW = "story_sw"
    CARD = "card"
    SEARCH = "search"
    FOUND = "found"
    PICK = "pick"  # a piece to move, remove or make the cover (`act`)
    PLACE = "place"
    INTO = "into"  # which collection a piece from the review card goes into


OPEN_ARG: Final = "open-"
ADD_ARG: Final = "add-"


def start(ctx: StepContext, arg: str) -> StepResult:
    """The list; `open-<id>`: that collection's card; `add-<product id>`: which collection
    the piece (from a review card) goes into."""
    collections.all_for_managers(ctx.session, ctx.user.id, limit=1)  # a manager, or refused
    if arg.startswith(OPEN_ARG) and (cid := read_int(arg.removeprefix(OPEN_ARG))) is not None:
        return _open(ctx, cid)
    if arg.startswith(ADD_ARG) and (pid := read_int(arg.removeprefix(ADD_ARG))) is not None:
        return _ask_into(ctx, pid)
    return _show_list(ctx)


# --- the list and a new collection ----------------------------------------------------------


def _show_list(ctx: StepContext) -> StepResult:
    shown = collections.all_for_managers(ctx.session, ctx.user.id)
    choices = [
        Choice(card.marked_title(ctx, collection), OpenCollection(collection.id).encode())
        for collection in shown
    ]
    choices += [Choice(ctx._(card.NEW), NEW_PAYLOAD), menu_choice(ctx)]
    ctx.ask(ctx._(card.YOUR_COLLECTIONS if shown else card.NONE_YET), choices)
    return StepResult(Step.LIST, {"cid": None, "from_review": None})


def listed(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == NEW_PAYLOAD:
        return _ask_title(ctx)
    if (opened := OpenCollection.read(inbound.payload)) is not None:
        return _open(ctx, opened.collection_id)
    ctx.say(ctx._(PICK_ONE))
    return _show_list(ctx)


def _ask_title(ctx: StepContext) -> StepResult:
    ctx.say(ctx._(card.ASK_TITLE))
    return StepResult(Step.TITLE, {"new": {}, "editing": None})


def _editing(ctx: StepContext) -> Collection | None:
    """The collection whose words she is changing, if that is what she is doing."""
    cid = ctx.data.get("editing")
    return ctx.session.get(Collection, int(cid)) if cid is not None else None


def _ask_words(ctx: StepContext, step: Step) -> StepResult:
    """The question of `step`: a new collection's, or (changing one) with what it says now."""
    editing = _editing(ctx)
    if editing is None:
        new = {
            Step.TITLE: card.ASK_TITLE,
            Step.TITLE_SW: card.ASK_TITLE_SW,
            Step.STORY: card.ASK_STORY,
            Step.STORY_SW: card.ASK_STORY_SW,
        }[step]
        return _ask(ctx, new, step)
    question, current = {
        Step.TITLE: (card.ASK_NEW_TITLE, editing.title),
        Step.TITLE_SW: (card.ASK_NEW_TITLE_SW, editing.title_sw),
        Step.STORY: (card.ASK_NEW_STORY, editing.description),
        Step.STORY_SW: (card.ASK_NEW_STORY_SW, editing.description_sw),
    }[step]
    ctx.say(ctx._(question).format(current=current or ctx._(card.NONE_GIVEN)))
    return StepResult(step)


def _kept(ctx: StepContext, inbound: Inbound, field: str) -> str | None:
    """What she keeps by sending skip while changing a collection's words (None: not that)."""
    editing = _editing(ctx)
    if editing is None or not is_skip(inbound.text):
        return None
    return str(getattr(editing, field))


def title(ctx: StepContext, inbound: Inbound) -> StepResult:
    if (kept := _kept(ctx, inbound, "title")) is not None:
        ctx.data["new"] = {"title": kept}
        return _ask_words(ctx, Step.TITLE_SW)
    typed = clean_line(inbound.text)
    if not typed or is_skip(typed):
        ctx.say(ctx._(card.TYPE_A_TITLE))
        return StepResult(Step.TITLE)
    if len(typed) > collections.TITLE_MAX:
        ctx.say(ctx._(card.TITLE_TOO_LONG).format(max=collections.TITLE_MAX))
        return StepResult(Step.TITLE)
    ctx.data["new"] = {"title": typed}
    return _ask_words(ctx, Step.TITLE_SW)


def title_sw(ctx: StepContext, inbound: Inbound) -> StepResult:
    kept = _kept(ctx, inbound, "title_sw")
    typed = kept if kept is not None else "" if is_skip(inbound.text) else clean_line(inbound.text)
    if len(typed) > collections.TITLE_MAX:
        ctx.say(ctx._(card.TITLE_TOO_LONG).format(max=collections.TITLE_MAX))
        return StepResult(Step.TITLE_SW)
    ctx.data["new"] = {**ctx.data.get("new", {}), "title_sw": typed}
    return _ask_words(ctx, Step.STORY)


def story(ctx: StepContext, inbound: Inbound) -> StepResult:
    typed = _kept(ctx, inbound, "description")
    typed = typed if typed is not None else _story(ctx, inbound, Step.STORY)
    if typed is None:
        return StepResult(Step.STORY)
    ctx.data["new"] = {**ctx.data.get("new", {}), "story": typed}
    return _ask_words(ctx, Step.STORY_SW)


def story_sw(ctx: StepContext, inbound: Inbound) -> StepResult:
    typed = _kept(ctx, inbound, "description_sw")
    typed = typed if typed is not None else _story(ctx, inbound, Step.STORY_SW)
    if typed is None:
        return StepResult(Step.STORY_SW)
    given = dict(ctx.data.get("new") or {})
    if not given.get("title"):  # her answers were lost: start the new collection again
        return _ask_title(ctx)
    texts = collections.Texts(
        title=str(given["title"]),
        title_sw=str(given.get("title_sw", "")),
        story=str(given.get("story", "")),
        story_sw=typed,
    )
    ctx.data["new"] = None
    if (editing := _editing(ctx)) is not None:
        changed = collections.edit(ctx.session, ctx.user.id, editing.id, texts, ctx.now)
        said = card.WORDS_CHANGED if changed else card.NOTHING_CHANGED
        ctx.say(ctx._(said).format(title=editing.title))
        ctx.data["editing"] = None
        return _card(ctx, editing)
    made = collections.create(ctx.session, ctx.user.id, texts, ctx.now)
    ctx.say(ctx._(card.CREATED).format(title=made.title))
    if (piece := ctx.data.get("from_review")) is not None:  # "New collection" for this piece
        _add(ctx, made.id, int(piece))
    return _card(ctx, made)


def _story(ctx: StepContext, inbound: Inbound, step: Step) -> str | None:
    if is_skip(inbound.text):
        return ""
    typed = clean_display(inbound.text)
    if len(typed) > collections.STORY_MAX:
        ctx.say(ctx._(card.STORY_TOO_LONG).format(max=collections.STORY_MAX))
        return None
    return typed


def _ask(ctx: StepContext, question: str, step: Step) -> StepResult:
    ctx.say(ctx._(question))
    return StepResult(step)


# --- a collection's card --------------------------------------------------------------------


def open_collection(ctx: StepContext, tapped: OpenCollection) -> StepResult:
    """A collection tapped on an earlier list, from whatever she is doing now."""
    return ctx.begin(FLOW, f"{OPEN_ARG}{tapped.collection_id}")


def _open(ctx: StepContext, collection_id: int) -> StepResult:
    try:
        collection = collections.get(ctx.session, ctx.user.id, collection_id)
    except NotFound:
        ctx.say(ctx._(card.GONE))
        return _show_list(ctx)
    return _card(ctx, collection)


def _card(ctx: StepContext, collection: Collection) -> StepResult:
    card.show_card(ctx, collection)
    return StepResult(Step.CARD, {"cid": collection.id})


def _current(ctx: StepContext) -> Collection | None:
    cid = ctx.data.get("cid")
    return ctx.session.get(Collection, int(cid)) if cid is not None else None


def on_card(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == ALL_PAYLOAD:
        return _show_list(ctx)
    tapped = OnCollection.read(inbound.payload)
    if tapped is None:
        ctx.say(ctx._(PICK_ONE))
        return _again(ctx)
    return _act(ctx, tapped)


def on_old_card(ctx: StepContext, tapped: OnCollection) -> StepResult:
    """An action tapped on an earlier card: done on the collection as it is now."""
    collections.all_for_managers(ctx.session, ctx.user.id, limit=1)
    ctx.leave()
    ctx.flow, ctx.step, ctx.data = FLOW, Step.CARD.value, {}
    return _act(ctx, tapped)


def _act(ctx: StepContext, tapped: OnCollection) -> StepResult:
    cid, uid, now = tapped.collection_id, ctx.user.id, ctx.now
    try:
        collection = collections.get(ctx.session, uid, cid)
    except NotFound:
        ctx.say(ctx._(card.GONE))
        return _show_list(ctx)
    ctx.data["cid"] = cid
    title = collection.title
    if tapped.act is Act.ADD:
        return _ask_search(ctx)
    if tapped.act is Act.EDIT:
        ctx.data.update({"editing": cid, "new": {}})
        return _ask_words(ctx, Step.TITLE)
    if tapped.act in (Act.MOVE, Act.REMOVE, Act.COVER):
        return _ask_piece(ctx, collection, tapped.act)
    if tapped.act is Act.PUBLISH:
        try:
            changed = collections.publish(ctx.session, uid, cid, now)
        except collections.EmptyCollection:
            ctx.say(ctx._(card.NEEDS_PIECES))
            return _card(ctx, collection)
        ctx.say(ctx._(card.NOW_PUBLISHED if changed else card.NOTHING_CHANGED).format(title=title))
    elif tapped.act is Act.UNPUBLISH:
        changed = collections.unpublish(ctx.session, uid, cid, now)
        said = card.NOW_UNPUBLISHED if changed else card.NOTHING_CHANGED
        ctx.say(ctx._(said).format(title=title))
    elif tapped.act is Act.FEATURE:
        try:
            changed = collections.feature(ctx.session, uid, cid, now)
        except collections.NotPublished:
            ctx.say(ctx._(card.PUBLISH_FIRST))
            return _card(ctx, collection)
        except collections.FeaturedMeanwhile as lost:
            said = ctx._(card.FEATURED_MEANWHILE)
            ctx.say(said.format(featured=lost.featured_title, title=title))
            ctx.session.refresh(collection)
            return _card(ctx, collection)
        ctx.say(ctx._(card.NOW_FEATURED if changed else card.NOTHING_CHANGED).format(title=title))
    return _card(ctx, collection)


def _again(ctx: StepContext) -> StepResult:
    """The card of the collection she is on (or the list, when it is gone)."""
    collection = _current(ctx)
    return _card(ctx, collection) if collection is not None else _show_list(ctx)


# --- adding by searching --------------------------------------------------------------------


def _ask_search(ctx: StepContext) -> StepResult:
    ctx.ask(ctx._(card.ASK_SEARCH), [Choice(ctx._(card.DONE), DONE_PAYLOAD)])
    return StepResult(Step.SEARCH)


def search(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == DONE_PAYLOAD:
        return _again(ctx)
    if not browse.search_tokens(inbound.text):
        return _ask_search(ctx)
    return _show_found(ctx, " ".join(browse.search_tokens(inbound.text)))


def _show_found(ctx: StepContext, query: str) -> StepResult:
    collection = _current(ctx)
    if collection is None:
        return _show_list(ctx)
    page = browse.search(ctx.session, query, limit=SEARCH_PAGE)
    done = Choice(ctx._(card.DONE), DONE_PAYLOAD)
    if not page.items:
        ctx.ask(ctx._(card.FOUND_NOTHING).format(query=query), [done])
        return StepResult(Step.SEARCH)
    inside = {piece.product_id for piece in collections.pieces(ctx.session, collection.id)}
    choices = [
        Choice(
            ctx._(card.IN_MARK).format(piece=item.title)
            if item.product_id in inside
            else item.title,
            PickPiece(collection.id, item.product_id).encode(),
        )
        for item in page.items
    ]
    heading = ctx._(card.FOUND).format(query=query, title=collection.title)
    ctx.ask(heading, [*choices, done])
    return StepResult(Step.FOUND, {"query": query})


def found(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == DONE_PAYLOAD:
        return _again(ctx)
    picked = PickPiece.read(inbound.payload)
    if picked is None:  # words typed: another search
        return search(ctx, inbound)
    _add(ctx, picked.collection_id, picked.product_id)
    return _show_found(ctx, str(ctx.data.get("query", "")))


def _add(ctx: StepContext, collection_id: int, product_id: int) -> Collection | None:
    """Add the piece and say so; None (said kindly) when the collection or piece is gone, or
    the piece is of her own shop."""
    try:
        added = collections.add_piece(ctx.session, ctx.user.id, collection_id, product_id, ctx.now)
    except NotFound:
        ctx.say(ctx._(card.GONE))
        return None
    except collections.OwnPiece:
        ctx.say(ctx._(card.OWN_PIECE))
        return None
    collection = ctx.session.get_one(Collection, collection_id)
    piece = ctx.session.get_one(Product, product_id).title
    said = card.ADDED if added else card.ALREADY_IN
    ctx.say(ctx._(said).format(piece=piece, title=collection.title))
    return collection


# --- moving, removing, the cover ------------------------------------------------------------


def _ask_piece(ctx: StepContext, collection: Collection, act: Act) -> StepResult:
    pieces = collections.pieces(ctx.session, collection.id)
    if not pieces:
        return _card(ctx, collection)
    question = {
        Act.MOVE: card.PICK_TO_MOVE,
        Act.REMOVE: card.PICK_TO_REMOVE,
        Act.COVER: card.PICK_COVER,
    }[act]
    choices = card.piece_choices(ctx, collection.id, pieces)
    choices.append(Choice(ctx._(card.DONE), DONE_PAYLOAD))
    ctx.ask(ctx._(question).format(title=collection.title), choices)
    return StepResult(Step.PICK, {"act": act.value})


def pick(ctx: StepContext, inbound: Inbound) -> StepResult:
    picked = PickPiece.read(inbound.payload)
    collection = _current(ctx)
    if collection is None:
        return _show_list(ctx)
    if picked is None:
        if inbound.payload != DONE_PAYLOAD:
            ctx.say(ctx._(PICK_ONE))
        return _card(ctx, collection)
    act = Act(str(ctx.data.get("act", Act.REMOVE.value)))
    piece = ctx.session.get_one(Product, picked.product_id).title
    uid, cid, pid, now = ctx.user.id, collection.id, picked.product_id, ctx.now
    if act is Act.MOVE:
        count = len(collections.pieces(ctx.session, cid))
        ctx.say(ctx._(card.ASK_PLACE).format(piece=piece, count=count))
        return StepResult(Step.PLACE, {"pid": pid})
    if act is Act.REMOVE:
        removed = collections.remove_piece(ctx.session, uid, cid, pid, now)
        said = card.REMOVED if removed else card.NOTHING_CHANGED
        ctx.say(ctx._(said).format(piece=piece, title=collection.title))
    else:
        changed = collections.set_cover(ctx.session, uid, cid, pid, now)
        said = card.COVER_SET if changed else card.NOTHING_CHANGED
        ctx.say(ctx._(said).format(piece=piece, title=collection.title))
    return _card(ctx, collection)


def place(ctx: StepContext, inbound: Inbound) -> StepResult:
    collection = _current(ctx)
    if collection is None or "pid" not in ctx.data:
        return _show_list(ctx)
    count = len(collections.pieces(ctx.session, collection.id))
    wanted = read_place(inbound.text)
    if wanted is None or not 1 <= wanted <= count:
        ctx.say(ctx._(card.PLACE_NOT_NUMBER).format(count=count))
        return StepResult(Step.PLACE)
    pid = int(ctx.data["pid"])
    piece = ctx.session.get_one(Product, pid).title
    moved = collections.move_piece(ctx.session, ctx.user.id, collection.id, pid, wanted, ctx.now)
    said = card.MOVED if moved else card.NOT_MOVED
    ctx.say(ctx._(said).format(piece=piece, place=wanted))
    return _card(ctx, collection)


def read_place(text: str) -> int | None:
    """A place typed as digits of any script ("2", "٢", "२"), "#2", or a word ("two",
    "mbili", "ya pili")."""
    words = text.strip().casefold().removeprefix("#").rstrip(".!").split()
    if not words:
        return None
    if len(words) == 1 and (number := read_int(words[0])) is not None:
        return number
    return PLACE_WORDS.get(words[-1]) if len(words) <= 2 else None


def _ask_place_again(ctx: StepContext) -> StepResult:
    collection = _current(ctx)
    if collection is None or "pid" not in ctx.data:
        return _show_list(ctx)
    count = len(collections.pieces(ctx.session, collection.id))
    ctx.say(ctx._(card.PLACE_NOT_NUMBER).format(count=count))
    return StepResult(Step.PLACE)


def _ask_piece_again(ctx: StepContext) -> StepResult:
    collection = _current(ctx)
    if collection is None:
        return _show_list(ctx)
    return _ask_piece(ctx, collection, Act(str(ctx.data.get("act", Act.REMOVE.value))))


def _ask_search_again(ctx: StepContext) -> StepResult:
    query = str(ctx.data.get("query", ""))
    return _show_found(ctx, query) if query else _ask_search(ctx)


# --- from the review card -------------------------------------------------------------------


def add_from_review(ctx: StepContext, tapped: AddToCollection) -> StepResult:
    """ "Add to a collection" on an earlier review card, from whatever she is doing now."""
    return ctx.begin(FLOW, f"{ADD_ARG}{tapped.product_id}")


def _ask_into(ctx: StepContext, product_id: int) -> StepResult:
    product = ctx.session.get(Product, product_id)
    if product is None or product.status not in collections.ADDABLE:
        ctx.say(ctx._(card.GONE))
        return _show_list(ctx)
    shown = collections.all_for_managers(ctx.session, ctx.user.id)
    choices = [
        Choice(card.marked_title(ctx, collection), AddInto(collection.id, product_id).encode())
        for collection in shown
    ]
    choices += [
        Choice(ctx._(card.NEW), NEW_PAYLOAD),
        Choice(ctx._(card.BACK_TO_REVIEW), OpenReview(product_id).encode()),
    ]
    ctx.ask(ctx._(card.ADD_INTO).format(piece=product.title), choices)
    return StepResult(Step.INTO, {"from_review": product_id})


def into(ctx: StepContext, inbound: Inbound) -> StepResult:
    if (back := OpenReview.read(inbound.payload)) is not None:
        return ctx.begin("review", str(back.product_id))
    if inbound.payload == NEW_PAYLOAD:
        return _ask_title(ctx)
    if (opened := OpenCollection.read(inbound.payload)) is not None:
        return _open(ctx, opened.collection_id)
    chosen = AddInto.read(inbound.payload)
    if chosen is None:
        ctx.say(ctx._(PICK_ONE))
        return _ask_into_again(ctx)
    collection = _add(ctx, chosen.collection_id, chosen.product_id)
    if collection is None:
        return _show_list(ctx)
    choices = [
        Choice(ctx._(card.BACK_TO_REVIEW), OpenReview(chosen.product_id).encode()),
        Choice(
            ctx._(card.OPEN_IT).format(title=collection.title),
            OpenCollection(collection.id).encode(),
        ),
        menu_choice(ctx),
    ]
    ctx.ask(ctx._(card.WHAT_NEXT), choices)
    return StepResult(Step.INTO)


def _ask_into_again(ctx: StepContext) -> StepResult:
    product_id = ctx.data.get("from_review")
    return _ask_into(ctx, int(product_id)) if product_id is not None else _show_list(ctx)


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.LIST: listed,
        Step.TITLE: title,
        Step.TITLE_SW: title_sw,
        Step.STORY: story,
        Step.STORY_SW: story_sw,
        Step.CARD: on_card,
        Step.SEARCH: search,
        Step.FOUND: found,
        Step.PICK: pick,
        Step.PLACE: place,
        Step.INTO: into,
    }
    prompts: dict[StrEnum, PromptFn] = {
        Step.LIST: _show_list,
        Step.TITLE: lambda ctx: _ask_words(ctx, Step.TITLE),
        Step.TITLE_SW: lambda ctx: _ask_words(ctx, Step.TITLE_SW),
        Step.STORY: lambda ctx: _ask_words(ctx, Step.STORY),
        Step.STORY_SW: lambda ctx: _ask_words(ctx, Step.STORY_SW),
        Step.CARD: _again,
        Step.SEARCH: _ask_search,
        Step.FOUND: _ask_search_again,
        Step.PICK: _ask_piece_again,
        Step.PLACE: _ask_place_again,
        Step.INTO: _ask_into_again,
    }
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(OpenCollection, open_collection)
    registry.add_route(OnCollection, on_old_card)
    registry.add_route(AddToCollection, add_from_review)
    registry.add_menu_entry(
        MenuEntry(
            "collections",
            card.MENU_LABEL,
            FLOW,
            MenuGroup.MANAGING,
            5,
            visible=with_role(Role.COMMUNITY_MANAGER),
        )
    )
