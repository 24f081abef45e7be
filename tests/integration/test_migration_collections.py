"""Migration 0017 on both databases: the collections there were (the demo's, a seed's) were on
show, so they stay published, from when they were made, and the oldest is featured; one that
was hidden stays unpublished. Their pieces stay in order; a downgrade and upgrade round-trip."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text

from store.migrate import downgrade, upgrade

MADE = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_collections_there_were_stay_published_and_the_oldest_is_featured(
    engine: Engine,
) -> None:
    downgrade(engine, "0016")
    with engine.begin() as connection:
        for n, active in ((1, True), (2, True), (3, False)):
            connection.execute(
                text(
                    "INSERT INTO collections (id, slug, title, description, active, created_at) "
                    "VALUES (:id, :slug, :title, '', :active, :at)"
                ),
                {"id": n, "slug": f"c-{n}", "title": f"C {n}", "active": active, "at": MADE},
            )
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, active, featured, published_at IS NOT NULL, title_sw, description_sw "
                "FROM collections ORDER BY id"
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        (1, True, True, True, "", ""),
        (2, True, False, True, "", ""),
        (3, False, False, False, "", ""),
    ]
    downgrade(engine, "0016")
    upgrade(engine)
