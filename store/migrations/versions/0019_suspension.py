"""cart_removals: pieces taken out of buyers' carts when their shop was suspended, until the
buyer has been told

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cart_removals",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("product_id", _ID, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("removed_at", store.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_cart_removals_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_cart_removals_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_removals")),
    )
    op.create_index(op.f("ix_cart_removals_user_id"), "cart_removals", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_cart_removals_user_id"), table_name="cart_removals")
    op.drop_table("cart_removals")
