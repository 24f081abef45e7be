"""What the community managers' Collections menu says and offers: its words, its payloads and
a collection's card (titles and stories in both languages, whether buyers see it, its pieces
in order with the cover and sold-out ones marked, and what she may do with it now)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from conversations import links
from conversations.flow import StepContext
from conversations.flows.people_card import menu_choice
from conversations.i18n import N_
from conversations.messages import Choice, Outbound
from conversations.payloads import Payload
from store.models import Collection, ProductStatus
from store.services import collections

MENU_LABEL = N_("Collections")
YOUR_COLLECTIONS = N_("Collections. Pick one to change it, or make a new one:")
NONE_YET = N_("There are no collections yet. Make the first one:")
NEW = N_("New collection")
ALL_COLLECTIONS = N_("All collections")
DRAFT_MARK = N_("{title} (not published)")
FEATURED_MARK = N_("{title} (featured)")

ASK_TITLE = N_("What is the collection called, in English? For example: The Kenya Collection")
ASK_TITLE_SW = N_(
    "And its name in Swahili? For example: Mkusanyiko wa Kenya. Send skip to use the English one."
)
ASK_STORY = N_(
    "Tell buyers its story in English, in a few lines (what ties these pieces together). "
    "Send skip for none."
)
ASK_STORY_SW = N_("And its story in Swahili? Send skip to use the English one.")
TITLE_TOO_LONG = N_("Please keep the name shorter: at most {max} characters.")
STORY_TOO_LONG = N_("Please keep the story shorter: at most {max} characters.")
TYPE_A_TITLE = N_("Please type the collection’s name.")
ASK_NEW_TITLE = N_("Its English name now: {current}. Type a new one, or send skip to keep it.")
ASK_NEW_TITLE_SW = N_("Its Swahili name now: {current}. Type a new one, or send skip to keep it.")
ASK_NEW_STORY = N_("Its English story now: {current}. Type a new one, or send skip to keep it.")
ASK_NEW_STORY_SW = N_("Its Swahili story now: {current}. Type a new one, or send skip to keep it.")
NONE_GIVEN = N_("none")
WORDS_CHANGED = N_("Saved the new words of {title}.")
CREATED = N_("Collection made: {title}. Only community managers see it until you publish it.")

CARD_TITLE = N_("Collection: {title}")
CARD_TITLE_SW = N_("In Swahili: {title}")
CARD_STORY = N_("Story: {story}")
CARD_STORY_SW = N_("Story in Swahili: {story}")
NOT_PUBLISHED = N_("Not published: only community managers see it.")
PUBLISHED = N_("Published: buyers see it.")
PUBLISHED_FEATURED = N_("Published, and featured on the buyers’ first menu.")
PAGE = N_("Its page: {url}")
PIECES = N_("Pieces, in order:")
NO_PIECES = N_("No pieces yet: add some.")
COVER_MARK = N_("cover")
SOLD_OUT_MARK = N_("sold out")
WAITING_MARK = N_("waiting for review")
NOT_ACCEPTED_MARK = N_("not accepted")
SHOP_SUSPENDED_MARK = N_("shop suspended")

ADD_PIECES = N_("Add pieces")
REORDER = N_("Move a piece")
REMOVE = N_("Remove a piece")
CHOOSE_COVER = N_("Choose the cover")
PUBLISH = N_("Publish")
UNPUBLISH = N_("Unpublish")
FEATURE = N_("Feature on the first menu")
CHANGE_WORDS = N_("Change the words")

ASK_SEARCH = N_("Type a word to find pieces to add, like brass or necklace:")
FOUND = N_("Pieces for “{query}”. Choose one to add it to {title}:")
FOUND_NOTHING = N_("Nothing found for “{query}”. Try another word:")
DONE = N_("Done")
ADDED = N_("Added “{piece}” to {title}.")
ALREADY_IN = N_("“{piece}” is already in {title}.")
IN_MARK = N_("{piece} ✓")
PICK_TO_MOVE = N_("Which piece should move?")
ASK_PLACE = N_("Where should “{piece}” go? Send a number from 1 to {count}.")
PLACE_NOT_NUMBER = N_("Please send a number from 1 to {count}, like 1 for the first place.")
MOVED = N_("Moved “{piece}” to place {place}.")
NOT_MOVED = N_("“{piece}” stays where it is.")
PICK_TO_REMOVE = N_("Which piece should leave {title}?")
REMOVED = N_("Removed “{piece}” from {title}.")
PICK_COVER = N_("Which piece is the cover?")
COVER_SET = N_("“{piece}” is the cover of {title}.")
NEEDS_PIECES = N_("Add at least one piece before you publish it.")
NOW_PUBLISHED = N_("{title} is published: buyers see it now.")
NOW_UNPUBLISHED = N_("{title} is not published any more: buyers no longer see it.")
NOW_FEATURED = N_("{title} is featured on the buyers’ first menu.")
PUBLISH_FIRST = N_("Publish it first: buyers can't see it yet.")
FEATURED_MEANWHILE = N_(
    "Another community manager put “{featured}” on the buyers’ first menu at the same moment. "
    "If you want “{title}” there instead, choose “Feature on the first menu” again."
)
NOTHING_CHANGED = N_("Nothing changed.")
GONE = N_("That collection or piece is not there any more.")
OWN_PIECE = N_("Pieces from your own shop go into a collection through another community manager.")

# From the review card.
ADD_TO_COLLECTION = N_("Add to a collection")
ADD_INTO = N_("Add “{piece}” to which collection?")
BACK_TO_REVIEW = N_("Back to the review")
OPEN_IT = N_("Open {title}")
WHAT_NEXT = N_("What next?")

NEW_PAYLOAD: Final = "new"
ALL_PAYLOAD: Final = "all"
DONE_PAYLOAD: Final = "done"


class Act(StrEnum):
    ADD = "add"
    MOVE = "move"
    REMOVE = "rm"
    COVER = "cover"
    PUBLISH = "pub"
    UNPUBLISH = "unpub"
    FEATURE = "feat"
    EDIT = "edit"


@dataclass(frozen=True)
class OpenCollection(Payload, tag="cuo"):
    collection_id: int


@dataclass(frozen=True)
class OnCollection(Payload, tag="cud"):
    act: Act
    collection_id: int


@dataclass(frozen=True)
class PickPiece(Payload, tag="cup"):
    collection_id: int
    product_id: int


@dataclass(frozen=True)
class AddToCollection(Payload, tag="cuadd"):
    """ "Add to a collection", on a review card: the piece to add."""

    product_id: int


@dataclass(frozen=True)
class AddInto(Payload, tag="cuin"):
    collection_id: int
    product_id: int


def marked_title(ctx: StepContext, collection: Collection) -> str:
    title = collection.title_in(ctx.translator.locale)
    if collection.featured:
        return ctx._(FEATURED_MARK).format(title=title)
    return title if collection.active else ctx._(DRAFT_MARK).format(title=title)


def show_card(ctx: StepContext, collection: Collection) -> None:
    """The collection as a manager works on it, with what she may do now."""
    pieces = collections.pieces(ctx.session, collection.id)
    cover = collections.cover(collection, pieces)
    lines = [ctx._(CARD_TITLE).format(title=collection.title)]
    if collection.title_sw:
        lines.append(ctx._(CARD_TITLE_SW).format(title=collection.title_sw))
    if collection.description:
        lines.append(ctx._(CARD_STORY).format(story=collection.description))
    if collection.description_sw:
        lines.append(ctx._(CARD_STORY_SW).format(story=collection.description_sw))
    if not collection.active:
        lines.append(ctx._(NOT_PUBLISHED))
    else:
        lines.append(ctx._(PUBLISHED_FEATURED if collection.featured else PUBLISHED))
        url = links.collection_page_url(ctx.market.config.public_base_url, collection.slug)
        lines.append(ctx._(PAGE).format(url=url))
    if pieces:
        lines.append(ctx._(PIECES))
        for n, piece in enumerate(pieces, start=1):
            marks = [ctx._(COVER_MARK)] if piece.product_id == cover else []
            if piece.sold_out:
                marks.append(ctx._(SOLD_OUT_MARK))
            elif piece.status is ProductStatus.PENDING_REVIEW:
                marks.append(ctx._(WAITING_MARK))
            elif piece.status is ProductStatus.REJECTED:
                marks.append(ctx._(NOT_ACCEPTED_MARK))
            if not piece.shop_open:
                marks.append(ctx._(SHOP_SUSPENDED_MARK))
            suffix = f" ({', '.join(marks)})" if marks else ""
            lines.append(f"#{n} {piece.title}{suffix}")  # not "1.": the choices are numbered
    else:
        lines.append(ctx._(NO_PIECES))
    ctx.reply(Outbound(text="\n".join(lines), choices=tuple(card_choices(ctx, collection, pieces))))


def card_choices(
    ctx: StepContext, collection: Collection, pieces: list[collections.Piece]
) -> list[Choice]:
    def act(label: str, what: Act) -> Choice:
        return Choice(ctx._(label), OnCollection(what, collection.id).encode())

    choices = [act(ADD_PIECES, Act.ADD)]
    if len(pieces) > 1:
        choices.append(act(REORDER, Act.MOVE))
    choices.append(act(CHANGE_WORDS, Act.EDIT))
    if pieces:
        choices += [act(REMOVE, Act.REMOVE), act(CHOOSE_COVER, Act.COVER)]
    if not collection.active:
        choices.append(act(PUBLISH, Act.PUBLISH))
    else:
        if not collection.featured:
            choices.append(act(FEATURE, Act.FEATURE))
        choices.append(act(UNPUBLISH, Act.UNPUBLISH))
    choices += [Choice(ctx._(ALL_COLLECTIONS), ALL_PAYLOAD), menu_choice(ctx)]
    return choices


def piece_choices(
    ctx: StepContext, collection_id: int, pieces: list[collections.Piece]
) -> list[Choice]:
    return [
        Choice(piece.title, PickPiece(collection_id, piece.product_id).encode()) for piece in pieces
    ]
