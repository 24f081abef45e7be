"""listing_reviews: each approval or rejection of a listing, for the manager's week

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "listing_reviews",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("product_id", _ID, nullable=True),
        sa.Column("reviewer_user_id", _ID, nullable=True),
        sa.Column(
            "decision",
            sa.Enum(
                "approved",
                "rejected",
                name="review_decision",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("decided_at", store.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_listing_reviews_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_user_id"],
            ["users.id"],
            name=op.f("fk_listing_reviews_reviewer_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_reviews")),
    )
    with op.batch_alter_table("listing_reviews", schema=None) as batch_op:
        batch_op.create_index("ix_listing_reviews_decided_at", ["decided_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("listing_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_listing_reviews_decided_at")
    op.drop_table("listing_reviews")
