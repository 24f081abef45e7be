"""mpesa_payouts: payouts sent by M-Pesa B2C, from queued to paid (or failed)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_WHEN = store.models.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mpesa_payouts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("originator_id", sa.String(length=64), nullable=False),
        sa.Column("artisan_id", _ID, nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sent",
                "paid",
                "failed",
                "unknown",
                name="mpesa_payout_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("conversation_id", sa.String(length=64), nullable=True),
        sa.Column("result_code", sa.Integer(), nullable=True),
        sa.Column("result_desc", sa.String(length=200), nullable=False),
        sa.Column("receipt", sa.String(length=32), nullable=True),
        sa.Column("payout_id", _ID, nullable=True),
        sa.Column("requested_by_user_id", _ID, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("sent_at", _WHEN, nullable=True),
        sa.Column("answered_at", _WHEN, nullable=True),
        sa.Column("checked_at", _WHEN, nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_mpesa_payouts_amount_positive")),
        sa.ForeignKeyConstraint(
            ["artisan_id"], ["artisans.id"], name=op.f("fk_mpesa_payouts_artisan_id_artisans")
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payouts.id"], name=op.f("fk_mpesa_payouts_payout_id_payouts")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["users.id"],
            name=op.f("fk_mpesa_payouts_requested_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mpesa_payouts")),
        sa.UniqueConstraint("originator_id", name=op.f("uq_mpesa_payouts_originator_id")),
        sa.UniqueConstraint("receipt", name=op.f("uq_mpesa_payouts_receipt")),
    )
    with op.batch_alter_table("mpesa_payouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mpesa_payouts_artisan_id"), ["artisan_id"], unique=False
        )
        batch_op.create_index("ix_mpesa_payouts_status", ["status", "sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mpesa_payouts", schema=None) as batch_op:
        batch_op.drop_index("ix_mpesa_payouts_status")
        batch_op.drop_index(batch_op.f("ix_mpesa_payouts_artisan_id"))
    op.drop_table("mpesa_payouts")
