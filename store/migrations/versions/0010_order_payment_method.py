"""orders remember how the buyer chose to pay and the number to charge

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Orders placed before chose nothing: "" (the first provider that serves them pays).
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("payment_method", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("payer_phone", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("payer_phone")
        batch_op.drop_column("payment_method")
