"""Migration 0007 on both databases: a place that was her shared pin ("-1.31, 36.79", what
onboarding stored) moves to the private pin columns and the public place is left empty (her
shop menu then asks her area); a typed place stays, and a downgrade puts the pin back."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text

from store.migrate import downgrade, upgrade

OPENED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PLACES = {1: "-1.31, 36.79", 2: "Kibera, Nairobi", 3: " 1.5,-0.25 ", 4: "Kibera -1.31,36.78"}


def _seed(engine: Engine) -> None:
    with engine.begin() as connection:
        for artisan_id, place in PLACES.items():
            connection.execute(
                text(
                    "INSERT INTO users (id, display_name, locale, nudges_opted_out, created_at) "
                    "VALUES (:id, 'x', 'sw', false, :at)"
                ),
                {"id": artisan_id, "at": OPENED},
            )
            connection.execute(
                text(
                    "INSERT INTO artisans (id, user_id, shop_name, slug, location, story, "
                    "status, created_at) VALUES (:id, :id, 'Shop', :slug, :place, '', "
                    "'independent', :at)"
                ),
                {"id": artisan_id, "slug": f"shop-{artisan_id}", "place": place, "at": OPENED},
            )


def test_a_pin_kept_as_the_place_moves_to_the_private_columns(engine: Engine) -> None:
    downgrade(engine, "0006")
    _seed(engine)
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, location, pin_latitude, pin_longitude FROM artisans ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [
        (1, "", -1.31, 36.79),
        (2, "Kibera, Nairobi", None, None),
        (3, "", 1.5, -0.25),
        (4, "Kibera -1.31,36.78", None, None),  # not only a pin: her shop menu asks her
    ]

    downgrade(engine, "0006")
    with engine.connect() as connection:
        places = connection.execute(text("SELECT location FROM artisans ORDER BY id")).scalars()
        assert list(places) == ["-1.31, 36.79", "Kibera, Nairobi", "1.5, -0.25", PLACES[4]]
    upgrade(engine)
