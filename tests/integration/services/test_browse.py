"""Browse and search on both databases: what shows, in what order, page by page."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, update
from sqlalchemy.orm import Session

from store.models import Category, Collection, Product, ProductPhoto, ProductStatus
from store.services.browse import (
    InvalidCursor,
    Page,
    _browse_statement,
    _search_statement,
    browse,
    search,
)
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_collection, make_product

HOSTILE_QUERIES = [
    'AND OR "',
    '"',
    '""',
    "*",
    "bea*",
    "NEAR(a b)",
    "title:necklace",
    "-necklace",
    "^necklace",
    "necklace OR 1=1; DROP TABLE products; --",
    "a & b | !c <-> d:*",
    "' OR ''='",
    "\\",
    "(((",
    "\x00",
    "💍💍",
    " ",
    "",
]


def all_pages(uows: UnitOfWorkFactory, **filters: Any) -> list[int]:
    seen: list[int] = []
    cursor: str | None = None
    while True:
        with uows(read_only=True) as uow:
            page = browse(uow.session, after=cursor, limit=3, **filters)
        seen.extend(card.product_id for card in page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def search_ids(uows: UnitOfWorkFactory, query: str, **kwargs: Any) -> list[int]:
    with uows(read_only=True) as uow:
        return [card.product_id for card in search(uow.session, query, **kwargs).items]


@pytest.fixture
def shop(uow_factory: UnitOfWorkFactory) -> dict[str, Any]:
    """Two artisans, products in every status, a few categories, one with photos."""
    with uow_factory() as uow:
        s = uow.session
        wanjiru, akinyi = make_artisan(s, "Wanjiru"), make_artisan(s, "Akinyi")
        active = [
            make_product(
                s,
                wanjiru if n % 2 else akinyi,
                title=f"Piece {n}",
                category=Category.RING if n % 3 == 0 else Category.NECKLACE,
            )
            for n in range(10)
        ]
        hidden = [
            make_product(s, wanjiru, status=status)
            for status in ProductStatus
            if status != ProductStatus.ACTIVE
        ]
        for position in (1, 0):
            s.add(
                ProductPhoto(
                    product_id=active[0].id,
                    position=position,
                    sha256=f"{position:064x}",
                    phash=f"{position:016x}",
                    width=100,
                    height=100,
                    keys={"thumb": f"cover-{position}.webp"},
                )
            )
        uow.commit()
        return {
            "wanjiru": wanjiru.id,
            "akinyi": akinyi.id,
            "active": [p.id for p in active],
            "hidden": [p.id for p in hidden],
            "rings": [p.id for p in active if p.category == Category.RING],
            "wanjiru_active": [p.id for p in active if p.artisan_id == wanjiru.id],
        }


# --- browse ---------------------------------------------------------------------------------


def test_browse_shows_only_active_newest_first(
    uow_factory: UnitOfWorkFactory, shop: dict[str, Any]
) -> None:
    assert all_pages(uow_factory) == sorted(shop["active"], reverse=True)


def test_browse_filters(uow_factory: UnitOfWorkFactory, shop: dict[str, Any]) -> None:
    assert all_pages(uow_factory, category=Category.RING) == sorted(shop["rings"], reverse=True)
    assert all_pages(uow_factory, artisan_id=shop["wanjiru"]) == sorted(
        shop["wanjiru_active"], reverse=True
    )
    assert all_pages(uow_factory, category=Category.ANKLET) == []


def test_cards_carry_artisan_and_cover(
    uow_factory: UnitOfWorkFactory, shop: dict[str, Any]
) -> None:
    with uow_factory(read_only=True) as uow:
        page = browse(uow.session, limit=50)
    cards = {card.product_id: card for card in page.items}
    first = cards[shop["active"][0]]
    assert first.cover_keys == {"thumb": "cover-0.webp"}
    assert first.shop_name == "Akinyi's beads"
    assert first.price.amount == 150_000
    assert first.price.currency == "KES"
    assert first.stock_available == 1
    assert cards[shop["active"][1]].cover_keys == {}
    assert page.next_cursor is None


def test_pages_never_repeat_or_skip_when_products_arrive(
    uow_factory: UnitOfWorkFactory, shop: dict[str, Any]
) -> None:
    seen: list[int] = []
    cursor: str | None = None
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        uow.commit()
    while True:
        with uow_factory(read_only=True) as uow:
            page = browse(uow.session, after=cursor, limit=3)
        seen.extend(card.product_id for card in page.items)
        with uow_factory() as uow:  # a newer piece is listed between two page fetches
            make_product(uow.session, artisan)
            uow.commit()
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen))
    assert set(seen) == set(shop["active"])


def test_sold_out_piece_leaves_browse_and_comes_back(
    uow_factory: UnitOfWorkFactory, shop: dict[str, Any]
) -> None:
    piece = shop["active"][3]
    for status, shown in ((ProductStatus.SOLD_OUT, False), (ProductStatus.ACTIVE, True)):
        with uow_factory() as uow:
            uow.session.execute(update(Product).where(Product.id == piece).values(status=status))
            uow.commit()
        assert (piece in all_pages(uow_factory)) is shown


def test_collection_keeps_curated_order(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        products = [make_product(s, artisan) for _ in range(7)]
        sold_out = make_product(s, artisan, status=ProductStatus.SOLD_OUT)
        curated = [products[4], products[0], sold_out, products[6], products[2], products[1]]
        collection = make_collection(s, curated, "Kenya Collection")
        other = make_collection(s, [products[3]])
        uow.commit()
    # A sold-out piece stays in its collection (marked), where a category would drop it.
    assert all_pages(uow_factory, collection_id=collection.id) == [p.id for p in curated]
    with uow_factory(read_only=True) as uow:
        marked = browse(uow.session, collection_id=collection.id, limit=10).items
        assert [card.sold_out for card in marked] == [False, False, True, False, False, False]
        assert sold_out.id not in [c.product_id for c in browse(uow.session, limit=20).items]
    assert all_pages(uow_factory, collection_id=other.id) == [products[3].id]
    with uow_factory() as uow:
        uow.session.execute(
            update(Collection).where(Collection.id == collection.id).values(active=False)
        )
        uow.commit()
    assert all_pages(uow_factory, collection_id=collection.id) == []


@pytest.mark.parametrize("cursor", ["", "abc", "-1", "1.2", "1 OR 1=1", "9" * 40])
def test_foreign_cursors_are_refused(uow_factory: UnitOfWorkFactory, cursor: str) -> None:
    with uow_factory(read_only=True) as uow, pytest.raises(InvalidCursor):
        browse(uow.session, after=cursor)
    with uow_factory(read_only=True) as uow, pytest.raises(InvalidCursor):
        browse(uow.session, collection_id=1, after=cursor + "x")


def test_page_size_is_bounded(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory(read_only=True) as uow:
        for limit in (0, 51):
            with pytest.raises(ValueError, match="page size"):
                browse(uow.session, limit=limit)


# --- search ---------------------------------------------------------------------------------


@pytest.fixture
def jewelry(uow_factory: UnitOfWorkFactory) -> dict[str, int]:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        ids = {
            "necklace": make_product(
                s,
                artisan,
                title="Blue glass bead necklace",
                description="Strung on waxed thread.",
                materials=["glass beads", "brass"],
            ).id,
            "mkufu": make_product(
                s,
                artisan,
                title="Mkufu wa shanga",
                description="Shanga za kioo, rangi ya bluu.",
                materials=["shanga za kioo"],
            ).id,
            "bangle": make_product(
                s,
                artisan,
                title="Horn bangle",
                category=Category.BRACELET,
                description="Carved from ankole horn.",
                materials=["pembe", "upcycled brass"],
            ).id,
            "hidden": make_product(
                s,
                artisan,
                title="Blue glass bead earrings",
                status=ProductStatus.PENDING_REVIEW,
            ).id,
        }
        uow.commit()
        return ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("necklace", ["necklace", "mkufu"]),  # a mkufu is in the necklace category
        ("NECKLACE", ["necklace", "mkufu"]),
        ("blue necklace", ["necklace", "mkufu"]),  # "rangi ya bluu"
        ("bea", ["necklace"]),  # the last word is a prefix
        ("pembe", ["bangle"]),  # materials
        ("bracelet", ["bangle"]),  # category
        ("waxed", ["necklace"]),  # description
        ("brass", ["bangle", "necklace"]),
        ("horn necklace", []),  # every word must match
        ("earrings", []),  # pending review: not shown
    ],
)
def test_search_finds_words_in_every_field(
    uow_factory: UnitOfWorkFactory, jewelry: dict[str, int], query: str, expected: list[str]
) -> None:
    assert search_ids(uow_factory, query) == sorted(
        (jewelry[name] for name in expected), reverse=True
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Through the vocabulary, a word finds its term in the other language.
        ("brass", ["bangle", "necklace", "shaba"]),
        ("shaba", ["bangle", "necklace", "shaba"]),
        ("beads", ["necklace", "mkufu"]),
        ("shanga", ["necklace", "mkufu"]),
        ("bead", ["necklace", "mkufu"]),
        ("kioo", ["necklace", "mkufu"]),
        ("glass beads", ["necklace", "mkufu"]),
        ("shanga za kioo", ["necklace", "mkufu"]),
        ("mkufu", ["necklace", "mkufu", "shaba"]),
        ("mikufu ya shaba", ["necklace", "shaba"]),
        ("brass necklace", ["necklace", "shaba"]),
        ("horn", ["bangle"]),
        ("bangili", ["bangle"]),
        ("copper", []),  # "shaba nyekundu" is copper; brass is not
    ],
)
def test_search_across_languages(
    uow_factory: UnitOfWorkFactory, jewelry: dict[str, int], query: str, expected: list[str]
) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        jewelry["shaba"] = make_product(
            uow.session, artisan, title="Mkufu wa Lamu", materials=["waya wa shaba"]
        ).id
        uow.commit()
    assert search_ids(uow_factory, query) == sorted(
        (jewelry[name] for name in expected), reverse=True
    )


def test_search_index_follows_edits(
    uow_factory: UnitOfWorkFactory, jewelry: dict[str, int]
) -> None:
    with uow_factory() as uow:
        uow.session.execute(
            update(Product).where(Product.id == jewelry["bangle"]).values(title="Pembe Kisumu")
        )
        uow.commit()
    assert search_ids(uow_factory, "kisumu") == [jewelry["bangle"]]
    with uow_factory() as uow:
        uow.session.execute(
            update(Product).where(Product.id == jewelry["bangle"]).values(title="Pembe Nakuru")
        )
        uow.commit()
    assert search_ids(uow_factory, "kisumu") == []
    assert search_ids(uow_factory, "nakuru") == [jewelry["bangle"]]


def test_search_pages_with_cursor(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        ids = [make_product(uow.session, artisan, title=f"Amber ring {n}").id for n in range(7)]
        make_product(uow.session, artisan, title="Something else")
        uow.commit()
    seen: list[int] = []
    cursor: str | None = None
    while True:
        with uow_factory(read_only=True) as uow:
            page: Page = search(uow.session, "amber", after=cursor, limit=3)
        seen.extend(card.product_id for card in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(ids, reverse=True)


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_never_raise(
    uow_factory: UnitOfWorkFactory, jewelry: dict[str, int], query: str
) -> None:
    found = search_ids(uow_factory, query)
    assert jewelry["hidden"] not in found
    assert len(found) <= 3


def test_operators_are_searched_as_words(
    uow_factory: UnitOfWorkFactory, jewelry: dict[str, int]
) -> None:
    assert search_ids(uow_factory, "necklace OR horn") == []  # "or" is a word, not OR
    # "blue" finds the mkufu's "bluu" too: the words are searched, not the syntax.
    assert search_ids(uow_factory, '"blue" -necklace') == [jewelry["mkufu"], jewelry["necklace"]]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.text(max_size=60))
def test_any_text_is_a_safe_query(
    uow_factory: UnitOfWorkFactory, jewelry: dict[str, int], query: str
) -> None:
    found = search_ids(uow_factory, query)  # raises on a query the database refuses
    assert jewelry["hidden"] not in found
    assert len(found) <= 3


# --- query plans ----------------------------------------------------------------------------


def _explain(engine: Engine, prefix: str, statement: Any, params: dict[str, Any]) -> list[Any]:
    compiled = statement.params(**params).compile(
        dialect=engine.dialect, compile_kwargs={"literal_binds": True}
    )
    with engine.connect() as connection:
        return list(connection.exec_driver_sql(f"{prefix} {compiled}").all())


def _sqlite_plan(engine: Engine, statement: Any, params: dict[str, Any]) -> str:
    return "\n".join(row[3] for row in _explain(engine, "EXPLAIN QUERY PLAN", statement, params))


@pytest.mark.parametrize(
    ("shape", "params", "index"),
    [
        ({}, {}, "ix_products_browse "),
        ({"after": True}, {"after_id": 5}, "ix_products_browse "),
        ({"category": True}, {"category": "ring"}, "ix_products_browse_category"),
        (
            {"artisan": True, "after": True},
            {"artisan_id": 1, "after_id": 9},
            "ix_products_artisan_status",
        ),
    ],
)
def test_sqlite_browse_uses_the_indexes(
    sqlite_engine: Engine, shape: dict[str, bool], params: dict[str, Any], index: str
) -> None:
    flags = {"category": False, "artisan": False, "after": False, **shape}
    plan = _sqlite_plan(sqlite_engine, _browse_statement(**flags), {**params, "limit": 11})
    assert f"USING INDEX {index}".strip() in plan
    assert "TEMP B-TREE" not in plan  # no sort: the index gives the order
    assert "SCAN products" not in plan


def test_sqlite_search_reads_fts_in_rowid_order(sqlite_engine: Engine) -> None:
    plan = _sqlite_plan(
        sqlite_engine,
        _search_statement(sqlite=True, after=True),
        {"match": '"blue"', "after_id": 10, "limit": 11},
    )
    assert "products_fts VIRTUAL TABLE" in plan
    assert "TEMP B-TREE" not in plan


def test_postgres_search_uses_the_gin_index(postgres_engine: Engine) -> None:
    with postgres_engine.begin() as connection:
        artisan_id = make_artisan(Session(bind=connection)).id
        rows = [
            {
                "artisan_id": artisan_id,
                "title": f"Blue bead necklace {n}",
                "description": "Glass beads" + (" carved zebrawood" if n == 7 else ""),
                "category": Category.NECKLACE,
                "materials": ["glass beads"],
                "price_minor": 100_000,
                "status": ProductStatus.ACTIVE,
            }
            for n in range(3000)
        ]
        connection.execute(insert(Product), rows)
        connection.exec_driver_sql("ANALYZE products")
    statement = _search_statement(sqlite=False, after=False)
    plan = _explain(postgres_engine, "EXPLAIN", statement, {"match": "'zebrawood'", "limit": 11})
    assert "ix_products_search" in "\n".join(row[0] for row in plan)
