"""M-Pesa STK pushes: the payment prompts sent to buyers' phones and what became of them

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, store.models.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "mpesa_stk_pushes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "sent",
                "paid",
                "failed",
                "unknown",
                name="stk_push_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("failure", sa.String(length=16), nullable=False),
        sa.Column("checkout_request_id", sa.String(length=64), nullable=True),
        sa.Column("merchant_request_id", sa.String(length=64), nullable=True),
        sa.Column("receipt", sa.String(length=32), nullable=True),
        sa.Column("result_code", sa.Integer(), nullable=True),
        sa.Column("result_desc", sa.String(length=255), nullable=False),
        sa.Column("paid_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("paid_phone", sa.String(length=20), nullable=True),
        _when("requested_at", nullable=False),
        _when("sent_at"),
        _when("answered_at"),
        _when("checked_at"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_mpesa_stk_pushes_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mpesa_stk_pushes")),
        sa.UniqueConstraint(
            "checkout_request_id", name=op.f("uq_mpesa_stk_pushes_checkout_request_id")
        ),
        sa.UniqueConstraint("receipt", name=op.f("uq_mpesa_stk_pushes_receipt")),
    )
    with op.batch_alter_table("mpesa_stk_pushes", schema=None) as batch_op:
        batch_op.create_index("ix_mpesa_stk_pushes_order", ["order_id", "id"], unique=False)
        batch_op.create_index("ix_mpesa_stk_pushes_open", ["status", "sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mpesa_stk_pushes", schema=None) as batch_op:
        batch_op.drop_index("ix_mpesa_stk_pushes_open")
        batch_op.drop_index("ix_mpesa_stk_pushes_order")
    op.drop_table("mpesa_stk_pushes")
