"""products keep canonical material and colour codes beside the artisan's own words

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from store.vocabulary import vocabulary

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_PRODUCTS = sa.table(
    "products",
    sa.column("id", sa.Integer()),
    sa.column("title", sa.String()),
    sa.column("materials", _JSON),
    sa.column("material_codes", _JSON),
    sa.column("colour_codes", _JSON),
)


def upgrade() -> None:
    # Not batch mode: on SQLite that may copy the table, and the copy loses the triggers
    # that keep products_fts (search) up to date. Both databases add a column in place.
    for name in ("material_codes", "colour_codes"):
        op.add_column(
            "products", sa.Column(name, _JSON, nullable=False, server_default=sa.text("'[]'"))
        )
    # Pieces listed before read through the vocabulary of today (pure Python, no network):
    # her words stay as typed, the codes let buyers read and search them in their language.
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_PRODUCTS.c.id, _PRODUCTS.c.title, _PRODUCTS.c.materials)
    ).all()
    for product_id, title, materials in rows:
        material_codes, colour_codes = vocabulary().piece_codes(materials or [], title or "")
        if material_codes or colour_codes:
            connection.execute(
                _PRODUCTS.update()
                .where(_PRODUCTS.c.id == product_id)
                .values(material_codes=material_codes, colour_codes=colour_codes)
            )


def downgrade() -> None:
    # In place too, for the same reason (SQLite has dropped columns in place since 3.35).
    op.execute("ALTER TABLE products DROP COLUMN colour_codes")
    op.execute("ALTER TABLE products DROP COLUMN material_codes")
