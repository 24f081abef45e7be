"""What buyers see: active products by category, collection or artisan, and text search.

Pages use keyset pagination (``WHERE id < :cursor ORDER BY id DESC``), never OFFSET: a deep
page costs the same as the first, and products listed between two fetches never shift a page,
so no piece is shown twice or skipped. Newest first; a collection keeps its curated order.

Only ``active`` pieces of open shops are listed: sold-out ones would only disappoint (a buyer
who has the link still sees them through the product page; a curated collection keeps its
sold-out pieces, marked), and a suspended shop's pieces
are hidden until it is reinstated (``open_shops``). Each item is a ``ProductCard`` read in one
query with its artisan and cover photo (the photo at position 0), so a page is one round trip.

A query's words that name a vocabulary term (store/vocabulary.py) match that term in any
language: "brass" finds a piece whose materials say "shaba", "beads" finds "shanga", "mkufu"
finds the necklace category. The words are expanded in the query, so the index stays what
the initial migration made, and a piece matches on what she typed, in whichever language.

Search orders by id (newest first) with the match as a filter rather than by relevance: ranking
(bm25 / ts_rank) cannot be paged with a keyset without re-ranking every match per page, and the
catalogue is small enough per query that "newest matching" reads well in a chat.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    column,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from store.errors import StoreError
from store.models import (
    Artisan,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductPhoto,
    ProductStatus,
)
from store.money import Money
from store.services.open_shops import SHOP_OPEN
from store.vocabulary import vocabulary

MAX_PAGE_SIZE: Final = 50
MAX_SEARCH_TOKENS: Final = 8
MAX_TOKEN_LENGTH: Final = 40
# A prefix shorter than this would match most of the vocabulary: search it as a whole word.
MIN_PREFIX_LENGTH: Final = 3

_ID_CURSOR = re.compile(r"[0-9]{1,18}")
_POSITION_CURSOR = re.compile(r"([0-9]{1,9})\.([0-9]{1,18})")
_TOKEN = re.compile(r"[^\W_]+")
_LIMIT = bindparam("limit", type_=Integer)

# The FTS5 table made by the initial migration (external content on products).
_FTS = table("products_fts", column("rowid"))
# The join reads products by the FTS rowid, never the other way round: the unary plus keeps
# SQLite (which has no statistics unless ANALYZE ran) from walking products first and probing
# FTS row by row, or from moving the cursor condition onto products.id.
_FTS_ROWID_NO_INDEX = literal_column("+products_fts.rowid", Integer)
_MATCH = bindparam("match", type_=String)
_FTS_MATCH = text("products_fts MATCH :match").bindparams(_MATCH)
# Must be the very expression of the GIN index ``ix_products_search`` (initial migration), or
# PostgreSQL cannot use the index.
_PG_DOCUMENT = (
    "to_tsvector('simple', title || ' ' || description || ' ' || coalesce(category, '') "
    "|| ' ' || materials::text)"
)
_PG_MATCH = text(f"{_PG_DOCUMENT} @@ to_tsquery('simple', :match)").bindparams(_MATCH)


class InvalidCursor(StoreError):
    """A cursor this module did not hand out (cursors come back from chat clients)."""

    def __init__(self, cursor: str) -> None:
        super().__init__(f"invalid page cursor {cursor!r}")
        self.cursor = cursor


@dataclass(frozen=True, slots=True)
class ProductCard:
    """One listed piece as a buyer sees it in a list."""

    product_id: int
    slug: str | None
    title: str
    description: str
    category: Category | None
    materials: list[str]
    price_minor: int
    currency: str
    stock_available: int
    artisan_id: int
    shop_name: str
    cover_keys: dict[str, str]  # empty when the piece has no photo
    cover_telegram_file_id: str | None
    sold_out: bool = False  # only a collection lists sold-out pieces (marked so)

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)


@dataclass(frozen=True, slots=True)
class Page:
    items: list[ProductCard]
    # Pass back as ``after`` for the next page; None on the last page.
    next_cursor: str | None


def browse(
    session: Session,
    *,
    category: Category | None = None,
    collection_id: int | None = None,
    artisan_id: int | None = None,
    after: str | None = None,
    limit: int = 10,
) -> Page:
    """Active products, newest first, optionally of one category and/or artisan.

    With ``collection_id`` the collection's curated order is kept (position, then id), only
    a published (``active``) collection shows anything, and its sold-out pieces stay in it,
    marked ``sold_out``: the collection is a curator's story, not a stock list.
    """
    params: dict[str, object] = {"limit": _page_size(limit) + 1}
    if category is not None:
        params["category"] = Category(category)
    if artisan_id is not None:
        params["artisan_id"] = artisan_id
    if collection_id is not None:
        params["collection_id"] = collection_id
        if after is not None:
            params["after_position"], params["after_id"] = _parse_position_cursor(after)
        statement = _collection_statement(
            category=category is not None, artisan=artisan_id is not None, after=after is not None
        )
        rows = session.execute(statement, params).all()
        return _page(rows, limit, lambda row: f"{row.position}.{row.id}")
    if after is not None:
        params["after_id"] = _parse_id_cursor(after)
    statement = _browse_statement(
        category=category is not None, artisan=artisan_id is not None, after=after is not None
    )
    rows = session.execute(statement, params).all()
    return _page(rows, limit, lambda row: str(row.id))


def search(session: Session, query: str, *, after: str | None = None, limit: int = 10) -> Page:
    """Active products matching every word of ``query`` (the last one as a prefix).

    Words that name a vocabulary term match it in any language: "brass" finds "shaba",
    "mkufu" finds necklaces (see ``search_groups``). Any text is safe: words are extracted and
    quoted, so search syntax typed by a user (``AND``, ``"``, ``*``, ``:``, ``!``) is searched
    for as words or ignored, never run.
    """
    params: dict[str, object] = {"limit": _page_size(limit) + 1}
    tokens = search_tokens(query)
    if not tokens:
        return Page(items=[], next_cursor=None)
    if after is not None:
        params["after_id"] = _parse_id_cursor(after)
    sqlite = session.get_bind().dialect.name == "sqlite"
    params["match"] = fts5_query(tokens) if sqlite else postgres_tsquery(tokens)
    statement = _search_statement(sqlite=sqlite, after=after is not None)
    rows = session.execute(statement, params).all()
    return _page(rows, limit, lambda row: str(row.id))


def search_tokens(query: str) -> list[str]:
    """The words of a user's query: letters and digits only, lower case, at most 8."""
    words = _TOKEN.findall(unicodedata.normalize("NFKC", query).casefold())
    return [word[:MAX_TOKEN_LENGTH] for word in words[:MAX_SEARCH_TOKENS]]


# One word of a query, or a phrase naming a vocabulary term: what she typed (the first
# alternative), then every name and synonym of the terms it names, in every language. A piece
# matches the group if it holds any of them.
Group = tuple[tuple[str, ...], ...]


def search_groups(tokens: list[str]) -> list[Group]:
    """The query's words grouped through the vocabulary.

    ``["brass", "mkufu"]`` → ``[(("brass",), ("shaba",), …), (("mkufu",), ("necklace",), …)]``.
    A phrase of several words ("shanga za kioo") is one group. Every alternative is made of
    words as ``search_tokens`` makes them (letters and digits only), so it can be quoted.
    """
    words = vocabulary()
    parts = words.read_query(" ".join(tokens))
    if sum(len(part.words) for part in parts) != len(tokens):
        return [((token,),) for token in tokens]  # folding changed the words: search as typed
    groups: list[Group] = []
    position = 0
    for part in parts:
        typed = tuple(tokens[position : position + len(part.words)])
        position += len(part.words)
        alternatives = [typed]
        for term in part.terms:
            alternatives.extend(tuple(search_tokens(phrase)) for phrase in term.phrases())
        groups.append(_fewest(alternatives))
    kept = [
        group
        for group in groups
        if len(group) > 1 or len(group[0]) > 1 or group[0][0] not in words.little_words
    ]
    return kept or groups


def _fewest(alternatives: list[tuple[str, ...]]) -> Group:
    """The alternatives without repeats or phrases holding a shorter one ("upcycled brass"
    matches nothing "brass" does not). What she typed stays first."""
    typed, *others = alternatives
    kept = [typed]
    for words in sorted(dict.fromkeys(others), key=len):
        if words and not any(_holds(words, shorter) for shorter in kept):
            kept.append(words)
    return (typed, *sorted(kept[1:], key=alternatives.index))


def _holds(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    size = len(part)
    return any(words[i : i + size] == part for i in range(len(words) - size + 1))


def fts5_query(tokens: list[str]) -> str:
    """An FTS5 query in which every word is a quoted string: ``"blue" AND "bea"*``; a group of
    alternatives is OR-ed: ``("brass" OR "shaba" OR "waya wa shaba")``."""
    groups = search_groups(tokens)
    clauses = []
    for index, group in enumerate(groups):
        last = index == len(groups) - 1
        # Words hold no quotes (letters and digits): a quoted string of words is a phrase.
        quoted = [f'"{" ".join(words)}"' for words in group]
        if last and len(group[0][-1]) >= MIN_PREFIX_LENGTH:
            quoted[0] += "*"
        clauses.append(quoted[0] if len(quoted) == 1 else f"({' OR '.join(quoted)})")
    return " AND ".join(clauses)  # FTS5 joins no group to what precedes it without the AND


def postgres_tsquery(tokens: list[str]) -> str:
    """A tsquery of quoted lexemes joined by AND: ``'blue' & 'bea':*``; a group of
    alternatives is OR-ed, a phrase followed: ``( 'brass' | 'waya' <-> 'wa' <-> 'shaba' )``."""
    groups = search_groups(tokens)
    clauses = []
    for index, group in enumerate(groups):
        last = index == len(groups) - 1
        # No quotes or backslashes in words.
        quoted = [" <-> ".join(f"'{word}'" for word in words) for words in group]
        if last and len(group[0][-1]) >= MIN_PREFIX_LENGTH:
            quoted[0] += ":*"
        clauses.append(quoted[0] if len(quoted) == 1 else f"( {' | '.join(quoted)} )")
    return " & ".join(clauses)


# Statements are built once per shape and take their values as parameters: building a
# select() costs more than running it on SQLite.


@cache
def _browse_statement(*, category: bool, artisan: bool, after: bool) -> Select[*tuple[Any, ...]]:
    query = _cards()
    if category:
        query = query.where(Product.category == bindparam("category"))
    if artisan:
        query = query.where(Product.artisan_id == bindparam("artisan_id"))
    if after:
        query = query.where(Product.id < bindparam("after_id"))
    return query.order_by(Product.id.desc()).limit(_LIMIT)


@cache
def _collection_statement(
    *, category: bool, artisan: bool, after: bool
) -> Select[*tuple[Any, ...]]:
    query = (
        _cards(statuses=(ProductStatus.ACTIVE, ProductStatus.SOLD_OUT))
        .add_columns(CollectionProduct.position)
        .join(CollectionProduct, CollectionProduct.product_id == Product.id)
        .join(Collection, Collection.id == CollectionProduct.collection_id)
        .where(
            CollectionProduct.collection_id == bindparam("collection_id"),
            Collection.active.is_(True),
        )
    )
    if category:
        query = query.where(Product.category == bindparam("category"))
    if artisan:
        query = query.where(Product.artisan_id == bindparam("artisan_id"))
    if after:
        after_position = bindparam("after_position", type_=Integer)
        query = query.where(
            or_(
                CollectionProduct.position > after_position,
                and_(
                    CollectionProduct.position == after_position,
                    Product.id > bindparam("after_id"),
                ),
            )
        )
    return query.order_by(CollectionProduct.position, Product.id).limit(_LIMIT)


@cache
def _search_statement(*, sqlite: bool, after: bool) -> Select[*tuple[Any, ...]]:
    key: ColumnElement[Any]
    if sqlite:
        # FTS first, ordered by its rowid: FTS5 walks the match list newest first and stops
        # at the page size, instead of collecting every match and sorting.
        query = _cards(from_fts=True).where(_FTS_MATCH)
        key = _FTS.c.rowid
    else:
        query = _cards().where(_PG_MATCH)
        key = Product.__table__.c.id
    if after:
        query = query.where(key < bindparam("after_id", type_=Integer))
    return query.order_by(key.desc()).limit(_LIMIT)


def _cards(
    *, from_fts: bool = False, statuses: tuple[ProductStatus, ...] = (ProductStatus.ACTIVE,)
) -> Select[*tuple[Any, ...]]:
    query = select(
        Product.id,
        Product.slug,
        Product.title,
        Product.description,
        Product.category,
        Product.materials,
        Product.price_minor,
        Product.currency,
        Product.stock_on_hand,
        Product.stock_reserved,
        Product.artisan_id,
        Product.status,
        Artisan.shop_name,
        ProductPhoto.keys,
        ProductPhoto.telegram_file_id,
    )
    if from_fts:
        query = query.select_from(_FTS).join(Product, Product.id == _FTS_ROWID_NO_INDEX)
    return (
        query.join(Artisan, Artisan.id == Product.artisan_id)
        .outerjoin(
            ProductPhoto, and_(ProductPhoto.product_id == Product.id, ProductPhoto.position == 0)
        )
        .where(
            Product.status == statuses[0] if len(statuses) == 1 else Product.status.in_(statuses),
            SHOP_OPEN,
        )
    )


def _parse_position_cursor(cursor: str) -> tuple[int, int]:
    match = _POSITION_CURSOR.fullmatch(cursor)
    if match is None:
        raise InvalidCursor(cursor)
    return int(match[1]), int(match[2])


def _parse_id_cursor(cursor: str) -> int:
    if not _ID_CURSOR.fullmatch(cursor):
        raise InvalidCursor(cursor)
    return int(cursor)


def _page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"page size must be 1..{MAX_PAGE_SIZE}, got {limit}")
    return limit


def _page(rows: Sequence[Row[Any]], limit: int, cursor_of: Callable[[Row[Any]], str]) -> Page:
    items = [_card(row) for row in rows[:limit]]
    next_cursor = cursor_of(rows[limit - 1]) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


def _card(row: Row[Any]) -> ProductCard:
    return ProductCard(
        product_id=row.id,
        slug=row.slug,
        title=row.title,
        description=row.description,
        category=row.category,
        materials=list(row.materials),
        price_minor=row.price_minor,
        currency=row.currency,
        stock_available=row.stock_on_hand - row.stock_reserved,
        artisan_id=row.artisan_id,
        shop_name=row.shop_name,
        cover_keys=dict(row.keys or {}),
        cover_telegram_file_id=row.telegram_file_id,
        sold_out=row.status == ProductStatus.SOLD_OUT,
    )
