"""A shop's database as an end-to-end test looks at it: read only, to know when the shop has
finished answering (every update handled, every reply sent) and what its inbox and outbox
hold. Nothing here writes to it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from store.db import make_engine
from store.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from store.models.types import utcnow

# What SQLite and PostgreSQL say of a database the shop has not made yet (no file, no tables).
DONE = (InboxStatus.HANDLED, InboxStatus.FAILED)
NOT_MADE_YET = ("unable to open database file", "no such table", "does not exist")


def _count(model: type, *where: Any) -> Any:
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


_PENDING = OutboxMessage.status == OutboxStatus.PENDING
# Built once: a test waiting on the shop looks every 20 ms, and building the statement each
# time (and its cache key) cost five times running it.
COUNTS = select(
    _count(InboxMessage).label("inbox"),
    # Done with: answered, or (a bug) answered with an apology and parked.
    _count(InboxMessage, InboxMessage.status.in_(DONE)).label("handled"),
    _count(OutboxMessage).label("outbox"),
    _count(OutboxMessage, OutboxMessage.status == OutboxStatus.SENT).label("sent"),
    _count(OutboxMessage, _PENDING).label("pending"),
    _count(OutboxMessage, _PENDING, OutboxMessage.next_attempt_at > bindparam("now")).label(
        "claimed"
    ),
)


class ShopDatabase:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            # Read only, and a file that is not there yet is not created. Connections are
            # kept between looks: a test waiting on the shop looks every 20 ms, and opening
            # a connection each time cost three times the look itself. Kept outside any
            # transaction, it holds no lock and every look sees the last commit.
            self.engine: Engine = create_engine(
                f"sqlite:///file:{parsed.database}?mode=ro&uri=true",
                connect_args={"timeout": 10},
            )
        else:
            self.engine = make_engine(url)

    def query(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(text(sql), params))

    def counts(self) -> dict[str, int]:
        """Inbox rows, and those handled (or parked as failed); outbox rows, those sent, those
        pending, and those pending but claimed (due only after a lease): at one moment (one
        statement). All 0 before the shop made its tables."""
        try:
            with self.engine.connect() as connection:
                return dict(connection.execute(COUNTS, {"now": utcnow()}).one()._mapping)
        except (OperationalError, ProgrammingError) as error:
            if not any(words in str(error) for words in NOT_MADE_YET):
                raise
            return dict.fromkeys(("inbox", "handled", "outbox", "sent", "pending", "claimed"), 0)

    def settled_after(self, recorded_before: int, new_updates: int) -> bool:
        """The `new_updates` since the inbox held `recorded_before` are recorded, every
        update is handled and every reply sent."""
        counts = self.counts()
        recorded = counts["inbox"] >= recorded_before + new_updates
        return recorded and counts["handled"] == counts["inbox"] and counts["pending"] == 0
