"""ledger_transactions.kind: "release" (an artisan's pending share made available)

The kind is a VARCHAR with a CHECK constraint listing the values (`str_enum`), on both
databases, so a new value is a new constraint.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("sale", "refund", "payout", "adjustment")
_AFTER = (*_BEFORE, "release")
_CHECK = "ck_ledger_transactions_transaction_kind"


def _kind(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="transaction_kind", native_enum=False, create_constraint=True, length=32
    )


def _switch(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":  # constraints change by copying the table
        with op.batch_alter_table("ledger_transactions", recreate="always") as batch_op:
            batch_op.alter_column(
                "kind", existing_type=_kind(old), type_=_kind(new), existing_nullable=False
            )
        return
    op.drop_constraint(op.f(_CHECK), "ledger_transactions", type_="check")
    listed = ", ".join(f"'{value}'" for value in new)
    op.create_check_constraint(op.f(_CHECK), "ledger_transactions", f"kind IN ({listed})")


def upgrade() -> None:
    _switch(_BEFORE, _AFTER)


def downgrade() -> None:
    op.execute(
        "DELETE FROM ledger_entries WHERE transaction_id IN "
        "(SELECT id FROM ledger_transactions WHERE kind = 'release')"
    )
    op.execute("DELETE FROM ledger_transactions WHERE kind = 'release'")
    _switch(_AFTER, _BEFORE)
