"""Order cases: a buyer's "not arrived" or "damaged" report and how a manager closed it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, store.models.types.UTCDateTime(timezone=True), nullable=nullable)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "order_cases",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("open_order_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", _enum("case_kind", "not_arrived", "damaged"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photo_ref", sa.String(length=255), nullable=True),
        sa.Column("opened_by", _ID, nullable=False),
        _when("opened_at", nullable=False),
        _when("closed_at"),
        sa.Column("outcome", _enum("case_outcome", "note", "refund", "reshipment"), nullable=True),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=True),
        sa.Column("refunded_currency", sa.String(length=3), nullable=True),
        sa.Column("closed_by", _ID, nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_cases_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["users.id"], name=op.f("fk_order_cases_opened_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_order_cases_closed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_cases")),
        sa.UniqueConstraint("open_order_id", name=op.f("uq_order_cases_open_order_id")),
    )
    with op.batch_alter_table("order_cases", schema=None) as batch_op:
        batch_op.create_index("ix_order_cases_order", ["order_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_order_cases_order")
    op.drop_table("order_cases")
