"""heartbeats: when the scheduler and each channel's sender last said they were working

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.models.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "heartbeats",
        sa.Column("name", sa.Unicode(length=64), nullable=False),
        sa.Column("beat_at", store.models.types.UTCDateTime(), nullable=False),
        sa.Column("holder", sa.Unicode(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_heartbeats")),
    )


def downgrade() -> None:
    op.drop_table("heartbeats")
