"""products remember the price a community manager last approved

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 14:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_price_minor", sa.BigInteger(), nullable=True))
    # Pieces in the shop were approved at the price they have now.
    op.execute(
        "UPDATE products SET approved_price_minor = price_minor"
        " WHERE status IN ('active', 'sold_out')"
    )


def downgrade() -> None:
    # In place, not in batch mode: on SQLite a batch rebuilds the table without the full-text
    # search triggers (SQLite has dropped columns in place since 3.35).
    op.execute("ALTER TABLE products DROP COLUMN approved_price_minor")
