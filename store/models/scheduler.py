"""The table APScheduler's SQLAlchemy job store keeps scheduled jobs in.

APScheduler would create it by itself on first start; describing it here lets the migrations
own it like every other table (`soko db upgrade` makes it, `/healthz` and `soko admin jobs` can
read it before any scheduler ever ran). The columns are exactly APScheduler 3's: `id`, the
next run as a UTC POSIX timestamp, and the pickled job.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, LargeBinary, Table, Unicode

from store.models.base import Base

SCHEDULER_JOBS_TABLE = "apscheduler_jobs"

scheduler_jobs = Table(
    SCHEDULER_JOBS_TABLE,
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
