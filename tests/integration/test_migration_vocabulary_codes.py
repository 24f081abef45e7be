"""Migration 0009 on both databases: pieces listed before it get canonical material and
colour codes read from the words she typed (which stay as they were), and searching still
finds them; a downgrade drops the codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from store.migrate import downgrade, upgrade
from store.services.browse import search

OPENED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PIECES = {
    1: ("Mkufu mwekundu", ["shanga za kioo nyekundu", "shaba"]),
    2: ("Hereni", ["uzi wa nailoni", "mystery stuff"]),
    3: ("Pete", []),
}


def _seed(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, display_name, locale, nudges_opted_out, created_at) "
                "VALUES (1, 'x', 'sw', false, :at)"
            ),
            {"at": OPENED},
        )
        connection.execute(
            text(
                "INSERT INTO artisans (id, user_id, shop_name, slug, location, story, "
                "status, created_at) VALUES (1, 1, 'Shop', 'shop', 'Kibera', '', "
                "'independent', :at)"
            ),
            {"at": OPENED},
        )
        for product_id, (title, materials) in PIECES.items():
            connection.execute(
                text(
                    "INSERT INTO products (id, artisan_id, title, description, category, "
                    "materials, price_minor, currency, stock_on_hand, stock_reserved, status, "
                    "rejection_reason, created_at, updated_at) VALUES (:id, 1, :title, '', "
                    "'necklace', :materials, 150000, 'KES', 1, 0, 'active', '', :at, :at)"
                ),
                {
                    "id": product_id,
                    "title": title,
                    "materials": json.dumps(materials),
                    "at": OPENED,
                },
            )


def _codes(engine: Engine) -> list[tuple[int, list[str], list[str], list[str]]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, materials, material_codes, colour_codes FROM products ORDER BY id")
        ).all()
    return [
        (row[0], *(value if isinstance(value, list) else json.loads(value) for value in row[1:]))
        for row in rows
    ]


def test_pieces_listed_before_get_codes_from_her_words(engine: Engine) -> None:
    downgrade(engine, "0008")
    _seed(engine)
    upgrade(engine)
    assert _codes(engine) == [
        (1, ["shanga za kioo nyekundu", "shaba"], ["glass_beads", "brass"], ["red"]),
        (2, ["uzi wa nailoni", "mystery stuff"], ["nylon"], []),
        (3, [], [], []),
    ]
    with Session(engine) as session:  # the search index survived the new columns
        assert [card.product_id for card in search(session, "shaba").items] == [1]

    downgrade(engine, "0008")
    with engine.connect() as connection:
        columns = connection.execute(text("SELECT * FROM products")).keys()
    assert "material_codes" not in columns
    upgrade(engine)
    with Session(engine) as session:
        assert [card.product_id for card in search(session, "shaba").items] == [1]
