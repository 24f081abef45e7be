"""Engine cost benchmark: what one update costs the chat engine on PostgreSQL against SQLite,
in the same run — wall time, this process's CPU time, time in the database driver, and SQL
statements, commits and connection pings per update.

    .venv/bin/python bench/engine_cost.py [--updates N] [--people N] [--group N] [--rounds N]

Each database gets a fresh demo shop (`soko demo`'s, built as `bot.commands.demo.build_demo`
builds it) and the real `ChatEngine` as `bot.wiring.build_engine` wires it for every channel.
Telegram updates go the way the channels send them: recorded in the inbox (one committed unit
of work), then handled — the first half one at a time (`record`, then `engine.handle`, as
the webhook and the console do), the second half in groups of `--group` (one `record` for
the group, then `engine.handle_many`, as the Telegram worker does with a polled batch).

Both databases are measured in step: the same mix, batch by batch, SQLite's batch then
PostgreSQL's then PostgreSQL's then SQLite's, so that both see the machine equally busy (on a
shared machine the speed drifts by half within a minute).

The mix: `--people` new people chat at once, round robin (each person's messages are seconds
apart, as in a busy shop, so no flood limit holds them). Half arrive by greeting ("hi") and
browse: the menu's shop, a category, a piece, "Add to cart", the quantity, the cart, the
menu; the other half arrive by a shared piece's link ("/start p-N"), add it to the cart, then
browse. Only the engine's calls are timed (the recording apart); a few people's whole
conversations go first, untimed, to warm caches and connections on both databases.

PostgreSQL: SOKO_BENCH_POSTGRES_URL, else SOKO_TEST_POSTGRES_URL, else a throwaway cluster
started here as `.ci/postgres.sh` starts one (and stopped at the end). `measure` makes a
fresh database on that server and drops it afterwards. The throwaway cluster runs with fsync
and synchronous_commit off, as the test clusters do: on real disks each PostgreSQL commit
also waits for its WAL flush, which SQLite's WAL with synchronous=NORMAL does not do.

Goal (issue 23): PostgreSQL engine time per update ≤ 1.5 × SQLite's in the same run.
Prints the figures per database and mode, the ratio, then one line of JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and bench/telegram.py would shadow the
# `telegram` package that the app imports: drop the folder.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import contextlib
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, make_url, select, text
from sqlalchemy.engine import URL

from bot.commands.demo import build_demo, demo_settings
from bot.container import Container
from bot.wiring import build_engine
from conversations.engine import ChatEngine
from conversations.inbox import record_many
from conversations.messages import Inbound
from store.db import make_engine
from store.models import Channel, Product, ProductStatus
from store.uow import UnitOfWorkFactory

GOAL_RATIO = 1.5
POSTGRES_ENVS = ("SOKO_BENCH_POSTGRES_URL", "SOKO_TEST_POSTGRES_URL")
WARM_UP_PEOPLE = 6
FIRST_USER_ID = 800_000_000  # Telegram user ids of the bench's people


@dataclass(frozen=True)
class Step:
    text: str = ""
    payload: str | None = None


def scripts(pieces: Sequence[tuple[int, str]]) -> Callable[[int], list[Step]]:
    """Person n's messages, in order: greeting and browsing, or arriving by a piece's link."""

    def script(n: int) -> list[Step]:
        piece, category = pieces[n % len(pieces)]
        other, other_category = pieces[(n * 7 + 3) % len(pieces)]
        browse = [
            Step(payload="menu:browse"),
            Step(payload=f"cat:{other_category}"),
            Step(payload=f"p:{other}"),
        ]
        if n % 2 == 0:
            return [
                Step(text="hi"),
                Step(payload="menu:browse"),
                Step(payload=f"cat:{category}"),
                Step(payload=f"p:{piece}"),
                Step(payload=f"pc:add:{piece}"),
                Step(text="1"),
                Step(payload="menu:cart"),
                Step(text="menu"),
            ]
        return [
            Step(text=f"/start p-{piece}"),
            Step(payload=f"pc:add:{piece}"),
            Step(text="1"),
            *browse,
            Step(payload="menu:cart"),
            Step(text="menu"),
        ]

    return script


def mix(
    script: Callable[[int], list[Step]], updates: int, people: int, first: int
) -> list[Inbound]:
    """`updates` messages of `people` people chatting at once, round robin; a person whose
    script is done goes on browsing (her script again, without the greeting)."""
    messages: list[Inbound] = []
    ids = itertools.count(1)
    for turn in itertools.count():
        for n in range(first, first + people):
            steps = script(n)
            step = steps[turn] if turn < len(steps) else steps[1 + (turn - 1) % (len(steps) - 1)]
            if len(messages) == updates:
                return messages
            messages.append(
                Inbound(
                    channel=Channel.TELEGRAM,
                    platform_user_id=str(FIRST_USER_ID + n),
                    platform_message_id=f"{FIRST_USER_ID + n}:{next(ids)}",
                    text=step.text,
                    payload=step.payload,
                    locale_hint="en",
                    profile_name=f"Buyer {n}",
                )
            )
    raise AssertionError("unreachable")


@dataclass
class Counter:
    """What the engine sends the database while `on`: SQL statements (each cursor execute),
    commits, connection pings (the pool's, before it hands a connection out); and the wall
    time spent in the driver doing so. On PostgreSQL each of them is a round trip, and so is
    the BEGIN psycopg sends before a transaction's first statement."""

    statements: int = 0
    commits: int = 0
    pings: int = 0
    driver_seconds: float = 0.0
    on: bool = False

    def attach(self, engine: Engine) -> None:
        started: list[float] = []

        def before(*_args: Any) -> None:
            started.append(time.perf_counter())

        def after(*_args: Any) -> None:
            seconds = time.perf_counter() - started.pop()
            if self.on:
                self.statements += 1
                self.driver_seconds += seconds

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        # The dialect's own calls (no event tells how long they take): timed in place.
        dialect: Any = engine.dialect
        dialect.do_commit = self._timed(dialect.do_commit, "commits")
        # The pool's reset of each connection handed back (free when no transaction is open).
        dialect.do_rollback = self._timed(dialect.do_rollback, None)
        dialect.do_ping = self._timed(dialect.do_ping, "pings")

    def _timed(self, call: Callable[..., Any], kind: str | None) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args)
            finally:
                if self.on:
                    if kind is not None:
                        setattr(self, kind, getattr(self, kind) + 1)
                    self.driver_seconds += time.perf_counter() - started

        return timed

    def snapshot(self) -> tuple[int, int, int, float]:
        return self.statements, self.commits, self.pings, self.driver_seconds


@dataclass
class Tally:
    """One mode's figures: updates, wall and CPU seconds in the engine, what it sent."""

    updates: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    statements: int = 0
    commits: int = 0
    pings: int = 0
    driver_seconds: float = 0.0
    record_seconds: float = 0.0
    per_update: list[float] = field(default_factory=list)

    @contextlib.contextmanager
    def engine_time(self, counter: Counter, updates: int) -> Iterator[None]:
        before = counter.snapshot()
        counter.on = True
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            seconds = time.perf_counter() - wall
            self.cpu_seconds += time.process_time() - cpu
            counter.on = False
            self.seconds += seconds
            self.per_update.append(seconds / updates)
            self.updates += updates
            after = counter.snapshot()
            self.statements += after[0] - before[0]
            self.commits += after[1] - before[1]
            self.pings += after[2] - before[2]
            self.driver_seconds += after[3] - before[3]

    def figures(self) -> dict[str, float]:
        n = max(self.updates, 1)
        return {
            "ms_per_update": round(self.seconds * 1000 / n, 3),
            "cpu_ms_per_update": round(self.cpu_seconds * 1000 / n, 3),
            "statements_per_update": round(self.statements / n, 2),
            "commits_per_update": round(self.commits / n, 3),
            "pings_per_update": round(self.pings / n, 3),
            "driver_ms_per_update": round(self.driver_seconds * 1000 / n, 3),
            "record_ms_per_update": round(self.record_seconds * 1000 / n, 3),
        }


def record(uow_factory: UnitOfWorkFactory, inbounds: Sequence[Inbound]) -> list[int]:
    with uow_factory() as uow:
        results = record_many(uow.session, inbounds, datetime.now(UTC))
        uow.commit()
    return [result.inbox_id for result in results]


@dataclass
class Shop:
    """One database's demo shop, its engine, and what was measured on it."""

    container: Container
    engine: ChatEngine
    counter: Counter
    script: Callable[[int], list[Step]]
    alone: Tally = field(default_factory=Tally)
    grouped: Tally = field(default_factory=Tally)

    def handle(self, batch: Sequence[Inbound], *, timed: bool) -> None:
        """Record `batch` in one unit of work, then handle it (alone, or as a group)."""
        tally = self.alone if len(batch) == 1 else self.grouped
        if not timed:
            tally = Tally()
        started = time.perf_counter()
        ids = record(self.container.uow_factory, batch)
        tally.record_seconds += time.perf_counter() - started
        with tally.engine_time(self.counter, len(ids)):
            if len(ids) == 1:
                results = [self.engine.handle(ids[0])]
            else:
                results = self.engine.handle_many(ids)
        unhandled = [result for result in results if not result.handled_now]
        if unhandled:
            raise RuntimeError(f"updates not handled: {unhandled}")

    def figures(self) -> dict[str, float]:
        alone, grouped = self.alone, self.grouped
        both = Tally(
            updates=alone.updates + grouped.updates,
            seconds=alone.seconds + grouped.seconds,
            cpu_seconds=alone.cpu_seconds + grouped.cpu_seconds,
            statements=alone.statements + grouped.statements,
            commits=alone.commits + grouped.commits,
            pings=alone.pings + grouped.pings,
            driver_seconds=alone.driver_seconds + grouped.driver_seconds,
            record_seconds=alone.record_seconds + grouped.record_seconds,
        )
        result = both.figures()
        result["alone_p50_ms"] = round(statistics.median(alone.per_update) * 1000, 3)
        for prefix, tally in (("alone_", alone), ("group_", grouped)):
            for name, value in tally.figures().items():
                result[prefix + name] = value
        return result


def batches(inbounds: Sequence[Inbound], group: int) -> list[list[Inbound]]:
    """The first half one at a time, the rest in groups."""
    half = len(inbounds) // 2
    alone = [[inbound] for inbound in inbounds[:half]]
    return alone + [list(inbounds[i : i + group]) for i in range(half, len(inbounds), group)]


def drive(shops: Sequence[Shop], *, updates: int, people: int, group: int) -> None:
    """The same mix on every shop, batch by batch in turn (the order swapped each batch), so
    that each sees the machine as busy as the others do; after an untimed warm-up."""
    for timed, messages, size in (
        (False, len(shops[0].script(0)) * WARM_UP_PEOPLE, WARM_UP_PEOPLE),
        (True, updates, group),
    ):
        first = 0 if timed else people  # the warm-up's people are others
        mixes = [mix(shop.script, messages, people if timed else size, first) for shop in shops]
        for n, turn in enumerate(zip(*(batches(m, size) for m in mixes), strict=True)):
            order = list(zip(shops, turn, strict=True))
            for shop, batch in order if n % 2 == 0 else reversed(order):
                shop.handle(batch, timed=timed)


def pieces_for_sale(uow_factory: UnitOfWorkFactory) -> list[tuple[int, str]]:
    with uow_factory(read_only=True) as uow:
        rows = uow.session.execute(
            select(Product.id, Product.category)
            .where(Product.status == ProductStatus.ACTIVE, Product.stock_on_hand > 0)
            .where(Product.category.is_not(None))
            .order_by(Product.id)
        )
        return [(int(piece), str(category)) for piece, category in rows]


@contextlib.contextmanager
def fresh_database(database_url: str) -> Iterator[str]:
    """A new, empty database named after `database_url`: on PostgreSQL a new database on
    that server (dropped afterwards); on SQLite the file it names, which must not hold
    anything yet (`sqlite://` alone: a file in a temporary folder)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:"):
            with tempfile.TemporaryDirectory(prefix="soko-cost-") as folder:
                yield f"sqlite:///{Path(folder) / 'soko.db'}"
            return
        path = Path(database)
        if path.exists() and path.stat().st_size:
            raise ValueError(f"{path} holds a database already: name a new file")
        yield database_url
        return
    name = f"soko_cost_{uuid.uuid4().hex[:10]}"
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextlib.contextmanager
def open_shop(database_url: str) -> Iterator[Shop]:
    """A fresh demo shop in `database_url`'s database (see `fresh_database`), with its engine
    wired as every channel wires it."""
    with fresh_database(database_url) as url, tempfile.TemporaryDirectory() as folder:
        directory = Path(folder) / "shop"
        settings = demo_settings(directory).model_copy(update={"database_url": url})
        container, _ = build_demo(directory, now=datetime.now(UTC), settings=settings)
        try:
            counter = Counter()
            counter.attach(container.engine)
            script = scripts(pieces_for_sale(container.uow_factory))
            yield Shop(container, build_engine(container), counter, script)
        finally:
            container.close()


def measure(
    database_url: str, *, updates: int = 600, people: int = 200, group: int = 10
) -> dict[str, float]:
    """Engine cost per update on a fresh demo shop in `database_url`'s database (see
    `fresh_database`): `ms_per_update` (wall time in the engine), `cpu_ms_per_update` (this
    process's CPU time), `statements_per_update` (SQL statements sent), `commits_per_update`,
    `pings_per_update`, `driver_ms_per_update` (wall time in the driver: executing, committing,
    pinging), `record_ms_per_update` (recording in the inbox, not in the engine's time); each
    of those also for the updates handled one at a time (`alone_…`) and in groups
    (`group_…`); and `alone_p50_ms`. To compare two databases, `compare` measures them in
    step, which a busy machine disturbs far less than two runs one after the other."""
    with open_shop(database_url) as shop:
        drive([shop], updates=updates, people=people, group=group)
        return shop.figures()


def compare(
    database_urls: Sequence[str], *, updates: int = 600, people: int = 200, group: int = 10
) -> list[dict[str, float]]:
    """`measure` for each database, the same mix driven on all of them batch by batch in
    turn; their figures, in order."""
    with contextlib.ExitStack() as stack:
        shops = [stack.enter_context(open_shop(url)) for url in database_urls]
        drive(shops, updates=updates, people=people, group=group)
        return [shop.figures() for shop in shops]


def postgres_server_url() -> str | None:
    for name in POSTGRES_ENVS:
        if os.environ.get(name):
            return os.environ[name]
    return None


def _postgres_bin() -> Path:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not found:
        raise SystemExit("PostgreSQL is needed: set SOKO_BENCH_POSTGRES_URL or install it")
    return found[-1]


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL cluster of its own, as `.ci/postgres.sh` starts one (as root, the server
    runs as the `postgres` user); stopped and removed at the end."""
    binaries = _postgres_bin()
    as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory(prefix="soko-cost-pg-") as folder:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
        data = Path(folder) / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        subprocess.run(
            [
                *as_owner,
                binaries / "initdb",
                "-D",
                data,
                "-U",
                "soko",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off"
        )
        pg_ctl: list[str | Path] = [*as_owner, binaries / "pg_ctl", "-D", data]
        log: list[str | Path] = ["-l", Path(folder) / "server.log"]
        subprocess.run(
            [*pg_ctl, *log, "-w", "-o", options, "start"], check=True, capture_output=True
        )
        try:
            yield URL.create(
                "postgresql+psycopg",
                username="soko",
                host="127.0.0.1",
                port=port,
                database="postgres",
            ).render_as_string()
        finally:
            subprocess.run([*pg_ctl, "-m", "fast", "stop"], check=False, capture_output=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    kwargs = {"updates": args.updates, "people": args.people, "group": args.group}
    with contextlib.ExitStack() as stack:
        server = postgres_server_url() or stack.enter_context(throwaway_postgres())
        rounds = []
        for _ in range(args.rounds):
            sqlite, postgres = compare(["sqlite://", server], **kwargs)
            ratio = postgres["ms_per_update"] / max(sqlite["ms_per_update"], 0.001)
            rounds.append((ratio, sqlite, postgres))
    ratio, sqlite, postgres = sorted(rounds, key=lambda r: r[0])[len(rounds) // 2]
    return {
        "bench": "engine_cost",
        "updates": args.updates,
        "people": args.people,
        "group": args.group,
        "sqlite": sqlite,
        "postgresql": postgres,
        "ratio": round(ratio, 2),
        "round_ratios": [round(r[0], 2) for r in rounds],
        "goal_ratio": GOAL_RATIO,
        "met": ratio <= GOAL_RATIO,
    }


def describe(figures: dict[str, float], prefix: str = "") -> str:
    def f(name: str) -> float:
        return figures[prefix + name]

    return (
        f"{f('ms_per_update'):6.2f} ms/update ({f('cpu_ms_per_update'):.2f} ms CPU,"
        f" {f('driver_ms_per_update'):.2f} ms in the driver); per update"
        f" {f('statements_per_update'):.1f} statements, {f('commits_per_update'):.2f}"
        f" commits, {f('pings_per_update'):.2f} pings"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--people", type=int, default=200, help="people chatting at once")
    parser.add_argument("--group", type=int, default=10, help="updates per group (second half)")
    parser.add_argument("--rounds", type=int, default=1, help="runs (the median is reported)")
    args = parser.parse_args()
    result = run(args)
    for name in ("sqlite", "postgresql"):
        for prefix, mode in (
            ("alone_", "one at a time"),
            ("group_", f"groups of {args.group}"),
            ("", "all"),
        ):
            print(f"{name:<10} {mode:<14}: {describe(result[name], prefix)}")
    print(
        f"PostgreSQL / SQLite engine time per update: {result['ratio']}"
        f" (goal ≤ {GOAL_RATIO}; rounds {result['round_ratios']})"
    )
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
