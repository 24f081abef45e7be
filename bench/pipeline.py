"""Chat pipeline benchmark: synthetic people chatting through the whole engine on SQLite.

    .venv/bin/python bench/pipeline.py [--people N] [--rounds N] [--seed N] [--keep DIR]

A fresh demo shop (SQLite file, local media) is seeded, then N people on the console channel
take turns, each doing one scenario per round from a realistic mix: the menu, help, switching
language, browsing a category or the curated collection page by page, opening product cards,
adding to the cart, searching, looking at the cart. Every message goes the whole way, as in
production: recorded in the inbox (committed), handled by the engine (state, flows, services,
outbox, one unit of work), and the replies read from the outbox and marked sent.
Choices are picked by typing their number, as people on WhatsApp do.

Prints throughput and p50 / p99 per update, overall and per scenario, then one line of JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and bench/telegram.py would shadow the
# `telegram` package that the app imports: drop the folder.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from bot.commands.demo import build_demo
from bot.container import Container
from bot.intake import photo_intake
from bot.wiring import build_engine
from handlers.console.channel import ConsoleChannel

SEARCH_WORDS = ("beads", "brass", "necklace", "bracelet", "horn", "glass", "earrings", "bangili")
CATEGORIES = ("Necklaces", "Bracelets", "Earrings", "Rings", "Anklets", "Other pieces")
COLLECTION = "Kenya Collection"
_CHOICE = re.compile(r"^(\d+)\. (.+)$")


class Unavailable(Exception):
    """The flow a scenario needs is not there (a choice it looks for was not offered)."""


class Person:
    """One synthetic person at their own console; times every update they send."""

    def __init__(self, key: str, make_channel: Callable[..., ConsoleChannel]) -> None:
        self.key = key
        self.blocks: list[str] = []
        self.channel = make_channel(person=key, write=self.blocks.append)
        self.timings: list[tuple[str, float]] = []
        self.cpu: list[float] = []  # CPU time per update: steadier than wall time on a busy box
        self.scenario = "first contact"

    def send(self, text: str) -> None:
        self.blocks.clear()
        started, cpu = time.perf_counter(), time.process_time()
        self.channel.send(text)
        self.timings.append((self.scenario, time.perf_counter() - started))
        self.cpu.append(time.process_time() - cpu)

    def choices(self) -> list[tuple[str, str]]:
        """(number, label) of the choices in the last message printed."""
        last = self.blocks[-1] if self.blocks else ""
        found = (_CHOICE.match(line) for line in last.splitlines())
        return [(m.group(1), m.group(2)) for m in found if m]

    def choose(self, label: str) -> None:
        for number, shown in self.choices():
            if shown == label:
                self.send(number)
                return
        raise Unavailable(label)

    def choose_piece(self, rng: random.Random) -> bool:
        """Open one of the listed pieces (not More / Back / Search); False if none listed."""
        pieces = [n for n, label in self.choices() if label not in ("More", "Back", "Search")]
        if not pieces:
            return False
        self.send(rng.choice(pieces))
        return True

    def says(self, start: str) -> bool:
        return any(block.startswith(start) for block in self.blocks)


# --- scenarios: each a short, realistic visit -------------------------------------------------
def menu(p: Person, rng: random.Random) -> Iterator[None]:
    p.send("menu")
    yield


def help_(p: Person, rng: random.Random) -> Iterator[None]:
    p.send("help")
    yield


def language(p: Person, rng: random.Random) -> Iterator[None]:
    p.send("language")
    yield
    p.send("2")  # Kiswahili
    yield
    p.send("lugha")
    yield
    p.send("1")  # English again, so the labels below stay English
    yield


def browse(p: Person, rng: random.Random) -> Iterator[None]:
    p.send("menu")
    yield
    p.choose("Shop jewelry")
    yield
    p.choose(rng.choice(CATEGORIES[:3]) if rng.random() < 0.8 else COLLECTION)
    yield
    if rng.random() < 0.3 and any(label == "More" for _, label in p.choices()):
        p.choose("More")
        yield
    yield from card(p, rng)


def search(p: Person, rng: random.Random) -> Iterator[None]:
    p.send("menu")
    yield
    p.choose("Search")
    yield
    p.send(rng.choice(SEARCH_WORDS))
    yield
    yield from card(p, rng)


def card(p: Person, rng: random.Random) -> Iterator[None]:
    if not p.choose_piece(rng):
        return
    yield
    if rng.random() < 0.4 and any(label == "Add to cart" for _, label in p.choices()):
        p.choose("Add to cart")
        yield
        if p.says("How many"):
            p.send("1")
            yield
    elif rng.random() < 0.5:
        p.choose("Back")
        yield


def cart(p: Person, rng: random.Random) -> Iterator[None]:
    p.send("menu")
    yield
    p.choose("My cart")
    yield


Scenario = Callable[[Person, random.Random], Iterator[None]]
MIX: tuple[tuple[Scenario, int], ...] = (
    (menu, 10),
    (help_, 5),
    (language, 5),
    (browse, 45),
    (search, 25),
    (cart, 10),
)


def visits(p: Person, rng: random.Random, rounds: int, skipped: dict[str, int]) -> Iterator[None]:
    p.send("hi")  # first contact: welcome and language
    yield
    p.send("1")
    yield
    scenarios, weights = zip(*MIX, strict=True)
    for _ in range(rounds):
        scenario = rng.choices(scenarios, weights)[0]
        p.scenario = scenario.__name__.rstrip("_")
        try:
            yield from scenario(p, rng)
        except Unavailable:
            skipped[p.scenario] += 1
            p.send("menu")  # back to a known place
            yield


def run(people: int, rounds: int, seed: int, directory: Path) -> dict[str, object]:
    container, _ = build_demo(directory / "shop", now=datetime.now(UTC))
    try:
        return drive(container, people, rounds, seed)
    finally:
        container.close()


def drive(container: Container, people: int, rounds: int, seed: int) -> dict[str, object]:
    engine = build_engine(container)
    intake = photo_intake(container)

    def make_channel(**kwargs: object) -> ConsoleChannel:
        return ConsoleChannel(engine, container.uow_factory, intake, **kwargs)  # type: ignore[arg-type]

    rng = random.Random(seed)
    crowd = [Person(f"bench{n:04d}", make_channel) for n in range(people)]
    skipped: dict[str, int] = defaultdict(int)
    running = [visits(p, random.Random(rng.random()), rounds, skipped) for p in crowd]
    started = time.perf_counter()
    while running:  # round-robin: people's updates interleave, as in a busy shop
        still = []
        for visit in running:
            try:
                next(visit)
                still.append(visit)
            except StopIteration:
                pass
        running = still
    elapsed = time.perf_counter() - started

    timings = [t for p in crowd for t in p.timings]
    by_scenario: dict[str, list[float]] = defaultdict(list)
    for scenario, seconds in timings:
        by_scenario[scenario].append(seconds)
    every = [seconds for _, seconds in timings]
    cpu = [seconds for p in crowd for seconds in p.cpu]
    return {
        "bench": "pipeline",
        "database": "sqlite",
        "people": people,
        "rounds": rounds,
        "updates": len(every),
        "seconds": round(elapsed, 2),
        "updates_per_second": round(len(every) / elapsed, 1),
        "p50_ms": ms(percentile(every, 50)),
        "p99_ms": ms(percentile(every, 99)),
        "cpu_p50_ms": ms(percentile(cpu, 50)),
        "cpu_p99_ms": ms(percentile(cpu, 99)),
        "by_scenario": {
            name: {
                "updates": len(values),
                "p50_ms": ms(percentile(values, 50)),
                "p99_ms": ms(percentile(values, 99)),
            }
            for name, values in sorted(by_scenario.items())
        },
        "skipped_scenarios": dict(skipped),
    }


def percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=25, help="scenarios per person")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="build the shop in DIR and keep it")
    args = parser.parse_args()
    if args.keep:
        result = run(args.people, args.rounds, args.seed, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="soko-bench-") as tmp:
            result = run(args.people, args.rounds, args.seed, Path(tmp))
    print(
        f"{result['updates']} updates from {result['people']} people in {result['seconds']} s"
        f" on SQLite: {result['updates_per_second']} updates/s,"
        f" p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms per update"
        f" (CPU p50 {result['cpu_p50_ms']} ms, p99 {result['cpu_p99_ms']} ms)"
    )
    print("per scenario (updates, p50, p99 in ms):")
    for name, figures in result["by_scenario"].items():  # type: ignore[attr-defined]
        print(f"  {name:<14} {figures['updates']:>6} {figures['p50_ms']:>8} {figures['p99_ms']:>8}")
    if result["skipped_scenarios"]:
        print(f"skipped (flow not there): {result['skipped_scenarios']}")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
