"""the Nairobi hub and parcels: lines received at the hub, passed or returned (with the
reason), and the parcels they left in with their carrier and tracking number

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BEFORE = (
    "pending",
    "paid",
    "accepted",
    "ready",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
)
_AFTER = (
    "pending",
    "paid",
    "accepted",
    "ready",
    "at_hub",
    "passed",
    "returned",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
)


def _in(values: Sequence[str]) -> str:
    return f"status IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "parcels",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("shipped_at", store.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_user_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_parcels_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["users.id"],
            name=op.f("fk_parcels_recorded_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcels")),
    )
    op.create_index(op.f("ix_parcels_order_id"), "parcels", ["order_id"], unique=False)
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("return_reason", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("parcel_id", _ID, nullable=True))
        batch_op.create_index(batch_op.f("ix_order_lines_parcel_id"), ["parcel_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_order_lines_parcel_id_parcels"), "parcels", ["parcel_id"], ["id"]
        )
        batch_op.drop_constraint(op.f("ck_order_lines_line_status"), type_="check")
        batch_op.create_check_constraint("line_status", _in(_AFTER))


def downgrade() -> None:
    # Lines at the hub go back to where the old statuses can hold them.
    op.execute("UPDATE order_lines SET status = 'accepted' WHERE status IN ('at_hub', 'returned')")
    op.execute("UPDATE order_lines SET status = 'ready' WHERE status = 'passed'")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_order_lines_line_status"), type_="check")
        batch_op.create_check_constraint("line_status", _in(_BEFORE))
        batch_op.drop_constraint(batch_op.f("fk_order_lines_parcel_id_parcels"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_order_lines_parcel_id"))
        batch_op.drop_column("parcel_id")
        batch_op.drop_column("return_reason")
    op.drop_index(op.f("ix_parcels_order_id"), table_name="parcels")
    op.drop_table("parcels")
