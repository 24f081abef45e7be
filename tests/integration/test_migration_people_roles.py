"""Migration 0003 on both databases: sellers who opened a shop without a mentor, left
"mentored" by nobody, become independent; recruits with a mentor stay mentored."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text

from store.migrate import downgrade, upgrade

OPENED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def test_sellers_without_a_mentor_become_independent(engine: Engine) -> None:
    downgrade(engine, "0002")
    with engine.begin() as connection:
        for user_id in (1, 2, 3):
            connection.execute(
                text(
                    "INSERT INTO users (id, display_name, locale, nudges_opted_out, created_at) "
                    "VALUES (:id, 'x', 'sw', false, :at)"
                ),
                {"id": user_id, "at": OPENED},
            )
        for artisan_id, mentor_id in ((1, None), (2, 1), (3, None)):
            connection.execute(
                text(
                    "INSERT INTO artisans (id, user_id, shop_name, slug, location, story, "
                    "status, mentor_id, created_at) VALUES (:id, :id, 'Shop', :slug, 'Kibera', "
                    "'', :status, :mentor, :at)"
                ),
                {
                    "id": artisan_id,
                    "slug": f"shop-{artisan_id}",
                    "status": "suspended" if artisan_id == 3 else "mentored",
                    "mentor": mentor_id,
                    "at": OPENED,
                },
            )
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, status, qualified_at FROM artisans ORDER BY id")
        ).all()
    statuses = [(row[0], row[1], row[2] is not None) for row in rows]
    assert statuses == [(1, "independent", True), (2, "mentored", False), (3, "suspended", False)]
