"""scheduler jobs: APScheduler's job store table

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 05:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# APScheduler 3's SQLAlchemy job store makes this very table when it starts on a database
# without it: the scheduler of a version that did not check the database first may have.
APSCHEDULER_COLUMNS = {"id", "next_run_time", "job_state"}


def upgrade() -> None:
    if _made_by_apscheduler():
        return
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_apscheduler_jobs_next_run_time"), ["next_run_time"], unique=False
        )


def _made_by_apscheduler() -> bool:
    inspector = sa.inspect(op.get_bind())
    if "apscheduler_jobs" not in inspector.get_table_names():
        return False
    columns = {column["name"] for column in inspector.get_columns("apscheduler_jobs")}
    if columns != APSCHEDULER_COLUMNS:
        raise RuntimeError(f"apscheduler_jobs is not APScheduler 3's table: {sorted(columns)}")
    return True


def downgrade() -> None:
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apscheduler_jobs_next_run_time"))
    op.drop_table("apscheduler_jobs")
