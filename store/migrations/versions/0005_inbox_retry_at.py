"""inbox rows carry when a transient failure may be retried

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A row that hit a transient error (the database busy, a lost race) waits for its backoff:
# the sweep takes it again once `retry_at` has passed. A row that hit a bug is parked as
# failed and never retried; failures kept from before (attempts left) are parked too.


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retry_at", store.models.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_column("retry_at")
