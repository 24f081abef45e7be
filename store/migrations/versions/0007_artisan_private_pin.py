"""artisans keep the map pin they share privately, apart from the place buyers see

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 14:30:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Onboarding used to store a shared pin as her place ("-1.31, 36.79"), which pages then
# published. A place that is only a pin moves to the private columns and the place is left
# empty: her shop menu asks her, once, for the area buyers should see. Anything else stays.
_ONLY_A_PIN = re.compile(r"\s*([-+]?\d{1,2}(?:\.\d+)?)\s*,\s*([-+]?\d{1,3}(?:\.\d+)?)\s*")

_ARTISANS = sa.table(
    "artisans",
    sa.column("id", sa.Integer()),
    sa.column("location", sa.String()),
    sa.column("pin_latitude", sa.Double()),
    sa.column("pin_longitude", sa.Double()),
)


def upgrade() -> None:
    with op.batch_alter_table("artisans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pin_latitude", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("pin_longitude", sa.Double(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_ARTISANS.c.id, _ARTISANS.c.location)).all()
    for artisan_id, location in rows:
        found = _ONLY_A_PIN.fullmatch(location or "")
        if found is None:
            continue
        latitude, longitude = float(found[1]), float(found[2])
        if abs(latitude) > 90 or abs(longitude) > 180:
            continue
        connection.execute(
            _ARTISANS.update()
            .where(_ARTISANS.c.id == artisan_id)
            .values(location="", pin_latitude=latitude, pin_longitude=longitude)
        )


def downgrade() -> None:
    connection = op.get_bind()
    pinned = connection.execute(
        sa.select(_ARTISANS.c.id, _ARTISANS.c.pin_latitude, _ARTISANS.c.pin_longitude).where(
            _ARTISANS.c.location == "", _ARTISANS.c.pin_latitude.is_not(None)
        )
    ).all()
    for artisan_id, latitude, longitude in pinned:
        connection.execute(
            _ARTISANS.update()
            .where(_ARTISANS.c.id == artisan_id)
            .values(location=f"{latitude}, {longitude}")
        )
    with op.batch_alter_table("artisans", schema=None) as batch_op:
        batch_op.drop_column("pin_longitude")
        batch_op.drop_column("pin_latitude")
