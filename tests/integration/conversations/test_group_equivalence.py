"""Property: handling updates as a group (`ChatEngine.handle_many`, one unit of work) leaves the
same conversation states, replies and database as handling them one at a time (`handle`),
whatever the people write — bugs, refusals and notices to others included.

Runs on SQLite only (for speed): each example plays its script on two fresh copies of the
migrated database, one per path, with the same clock.
"""

from __future__ import annotations

import shutil
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import select

from conversations.engine import ChatEngine
from conversations.flow import Flow, FlowRegistry, StepContext, StepResult
from conversations.inbox import record_many
from conversations.messages import Inbound
from store.db import make_engine
from store.models import Base, Channel, OutboxMessage, User
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Bugs, build_registry
from tests.market_support import make_market

PEOPLE = ("amina", "baraka", "chiku", "dalia")
WORDS = (
    "Hi",
    "Habari",
    "1",
    "2",
    "3",
    "menu",
    "help",
    "cancel",
    "language",
    "x",
    "/start colours",
    "Red",
    "/start trouble",  # its step refuses kindly: "Go" (a store rule), "Denied", "Gone"
    "Go",
    "Denied",
    "Gone",
    "fine",
    "/start tell1",  # tells user 1 something, in her language
    "/start tell2",
    "/start boom",  # its step fails with a bug at "boom"
    "boom",
)
message = st.tuples(st.sampled_from(PEOPLE), st.sampled_from(WORDS))
batches = st.lists(st.lists(message, min_size=1, max_size=12), min_size=1, max_size=6)


class Boom(StrEnum):
    WAIT = "wait"


def boom_start(ctx: StepContext, arg: str) -> StepResult:
    ctx.say("Say boom")
    return StepResult(Boom.WAIT)


def boom_wait(ctx: StepContext, inbound: Inbound) -> StepResult:
    ctx.session.add(User(display_name="written", created_at=ctx.now))
    ctx.session.flush()
    if inbound.text == "boom":
        raise LookupError("a bug")
    ctx.say(f"no boom: {inbound.text}")
    return StepResult(Boom.WAIT)


def registry() -> FlowRegistry:
    flows = build_registry(Bugs())
    flows.add(Flow("boom", {Boom.WAIT: boom_wait}, boom_start))
    flows.add_start_route("boom", "boom")
    return flows


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Replica:
    """One database and an engine on it, fed the script's batches."""

    def __init__(self, template: Path, folder: Path, clock: Clock) -> None:
        self.file = folder / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(template, self.file)
        self.database: DatabaseEngine = make_engine(f"sqlite:///{self.file}")
        self.uow_factory = UnitOfWorkFactory(self.database)
        self.engine = ChatEngine(
            self.uow_factory,
            registry(),
            make_market(folder / "media"),
            clock,
            sleep=lambda seconds: None,
        )
        self.sent = 0

    def record(self, batch: Sequence[tuple[str, str]], now: datetime) -> list[int]:
        inbounds = []
        for person, text in batch:
            self.sent += 1
            inbounds.append(
                Inbound(
                    channel=Channel.TELEGRAM,
                    platform_user_id=person,
                    platform_message_id=f"m{self.sent}",
                    text=text,
                    locale_hint="sw" if person == "baraka" else "en",
                    profile_name=person.title(),
                )
            )
        with self.uow_factory() as uow:
            recorded = record_many(uow.session, inbounds, now)
            uow.commit()
        return [result.inbox_id for result in recorded]

    def close(self) -> None:
        self.database.dispose()


def replies_by_person(path: Replica) -> dict[str, list[Any]]:
    """What each person was sent, in the order it would reach her."""
    with path.uow_factory(read_only=True) as uow:
        rows = uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        told: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            told[row.platform_user_id].append((row.payload, row.dedupe_key, row.status))
        return dict(told)


def database(path: Replica) -> dict[str, list[str]]:
    """Every table's rows (the outbox's without their ids: the order of rows queued to
    different people may differ, each person's is compared above)."""
    tables: dict[str, list[str]] = {}
    with path.database.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table)).mappings()
            skip = {"id"} if table.name == OutboxMessage.__tablename__ else set()
            tables[table.name] = sorted(
                repr(sorted((k, v) for k, v in row.items() if k not in skip)) for row in rows
            )
    return tables


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=batches)
def test_a_group_leaves_what_one_at_a_time_leaves(
    sqlite_template: Path, folder: Path, script: list[list[tuple[str, str]]]
) -> None:
    clock = Clock()
    grouped = Replica(sqlite_template, folder, clock)
    alone = Replica(sqlite_template, folder, clock)
    play: dict[str, Callable[[list[int]], object]] = {
        "grouped": grouped.engine.handle_many,
        "alone": lambda ids: [alone.engine.handle(inbox_id) for inbox_id in ids],
    }
    try:
        for batch in script:
            clock.now += timedelta(minutes=1)
            for path, name in ((grouped, "grouped"), (alone, "alone")):
                play[name](path.record(batch, clock.now))
        assert replies_by_person(grouped) == replies_by_person(alone)
        tables, expected = database(grouped), database(alone)
        for table in expected:
            assert (table, tables[table]) == (table, expected[table])
    finally:
        grouped.close()
        alone.close()
