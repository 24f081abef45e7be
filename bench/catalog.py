"""Catalog benchmark: 100,000 products on a fresh SQLite file, browse and search timings.

    .venv/bin/python bench/catalog.py [--products N] [--runs N] [--keep PATH]

Every query goes through the service functions (``browse``, ``search``) with a real read-only
unit of work, as a chat update would. Prints p50 / p99 per query, then one line of JSON.
Goals (issue 2): browse p99 ≤ 5 ms, search p99 ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from store.db import make_engine
from store.migrate import upgrade
from store.models import (
    Artisan,
    Category,
    Product,
    ProductPhoto,
    ProductStatus,
    Role,
    User,
    UserRole,
)
from store.services.browse import Page, browse, search
from store.uow import UnitOfWorkFactory

BROWSE_GOAL_MS = 5.0
SEARCH_GOAL_MS = 20.0
ARTISANS = 300
RARE_WORD = "zebrawood"  # in about 20 products

COLOURS_EN = ["blue", "red", "green", "amber", "black", "white", "turquoise", "gold", "ochre"]
COLOURS_SW = ["bluu", "nyekundu", "kijani", "njano", "nyeusi", "nyeupe", "samawati", "dhahabu"]
MATERIALS = [
    ["glass beads", "brass"],
    ["recycled glass", "copper wire"],
    ["horn", "brass"],
    ["bone", "leather"],
    ["wood", "seeds"],
    ["shanga za kioo", "shaba"],
    ["pembe", "ngozi"],
    ["mfupa", "uzi"],
    ["mbao", "mbegu"],
    ["upcycled aluminium", "glass beads"],
    ["cowrie shells", "sisal"],
]
ITEMS_EN = {
    Category.NECKLACE: ["necklace", "choker", "pendant"],
    Category.BRACELET: ["bracelet", "bangle", "cuff"],
    Category.EARRINGS: ["earrings", "studs", "hoops"],
    Category.RING: ["ring", "band"],
    Category.ANKLET: ["anklet", "ankle chain"],
    Category.OTHER: ["hair pin", "brooch", "keychain"],
}
ITEMS_SW = {
    Category.NECKLACE: ["mkufu", "kidani"],
    Category.BRACELET: ["bangili", "kikuku"],
    Category.EARRINGS: ["hereni", "pete za masikio"],
    Category.RING: ["pete", "pete ya kidole"],
    Category.ANKLET: ["kikuku cha mguu", "mnyororo wa mguu"],
    Category.OTHER: ["kibanio", "pambo"],
}
SENTENCES_EN = [
    "Handmade in {place} from {material}.",
    "Each bead is shaped and polished by hand.",
    "Light and comfortable to wear every day.",
    "Inspired by the colours of the Maasai market.",
    "Strung on strong waxed thread with a {material} clasp.",
    "A gift that supports women artisans in Nairobi.",
]
SENTENCES_SW = [
    "Imetengenezwa kwa mkono huko {place} kwa {material}.",
    "Kila shanga imechongwa na kung'arishwa kwa mkono.",
    "Nyepesi na nzuri kuvaa kila siku.",
    "Zawadi inayowasaidia akina mama mafundi wa Nairobi.",
]
PLACES = ["Kibera", "Mathare", "Kawangware", "Githurai", "Kariobangi", "Dandora", "Ongata Rongai"]


def seed(engine: Engine, products: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(User),
            [{"display_name": f"Artisan {i}", "locale": "sw"} for i in range(ARTISANS + 1)],
        )
        user_ids = list(connection.scalars(select(User.id).order_by(User.id)))
        connection.execute(
            insert(UserRole), [{"user_id": user_ids[-1], "role": Role.COMMUNITY_MANAGER}]
        )
        connection.execute(
            insert(Artisan),
            [
                {
                    "user_id": user_id,
                    "shop_name": f"Shop {n}",
                    "slug": f"shop-{n}",
                    "location": rng.choice(PLACES),
                }
                for n, user_id in enumerate(user_ids[:ARTISANS])
            ],
        )
        artisan_ids = list(connection.scalars(select(Artisan.id)))
    rare = set(rng.sample(range(products), 20))
    batch = 5_000
    for start in range(0, products, batch):
        stop = min(start + batch, products)
        rows = [_product_row(n, rng, artisan_ids, n in rare, now) for n in range(start, stop)]
        with engine.begin() as connection:
            connection.execute(insert(Product), rows)
            first_id = connection.scalar(select(Product.id).where(Product.slug == rows[0]["slug"]))
            assert first_id is not None
            connection.execute(
                insert(ProductPhoto),
                [
                    {
                        "product_id": first_id + offset,
                        "position": 0,
                        "sha256": f"{first_id + offset:064x}",
                        "phash": f"{rng.getrandbits(64):016x}",
                        "width": 1080,
                        "height": 1080,
                        "keys": {
                            "large": f"p/{first_id + offset}/large.webp",
                            "thumb": f"p/{first_id + offset}/thumb.webp",
                        },
                    }
                    for offset in range(len(rows))
                ],
            )


def _product_row(
    n: int, rng: random.Random, artisan_ids: list[int], rare: bool, now: datetime
) -> dict[str, Any]:
    category = rng.choice(list(Category))
    swahili = rng.random() < 0.4
    materials = rng.choice(MATERIALS)
    if swahili:
        item, colour = rng.choice(ITEMS_SW[category]), rng.choice(COLOURS_SW)
        title = f"{item.capitalize()} wa {materials[0]} {colour}"
        sentences = SENTENCES_SW
    else:
        title = (
            f"{rng.choice(COLOURS_EN).capitalize()} {materials[0]} {rng.choice(ITEMS_EN[category])}"
        )
        sentences = SENTENCES_EN
    description = " ".join(
        s.format(place=rng.choice(PLACES), material=rng.choice(materials))
        for s in rng.sample(sentences, 3)
    )
    if rare:
        description += f" Clasp carved from {RARE_WORD}."
    roll = rng.random()
    status = (
        ProductStatus.ACTIVE
        if roll < 0.90
        else ProductStatus.SOLD_OUT
        if roll < 0.94
        else ProductStatus.PENDING_REVIEW
        if roll < 0.97
        else ProductStatus.ARCHIVED
    )
    created = now - timedelta(minutes=100_000 - n)
    return {
        "artisan_id": rng.choice(artisan_ids),
        "slug": f"{'-'.join(title.lower().split())[:60]}-{n:x}",
        "title": title[:80],
        "description": description,
        "category": category,
        "materials": materials,
        "price_minor": rng.randrange(300, 8_000) * 100,
        "currency": "KES",
        "stock_on_hand": 0 if status == ProductStatus.SOLD_OUT else rng.randrange(1, 6),
        "status": status,
        "created_at": created,
        "updated_at": created,
        "submitted_at": created,
        "approved_at": created if status != ProductStatus.PENDING_REVIEW else None,
    }


def timed(runs: int, call: Callable[[], object]) -> dict[str, float]:
    for _ in range(min(20, runs)):
        call()  # warm the statement cache and the page cache
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        call()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return {
        "p50_ms": _percentile(wall, 50),
        "p99_ms": _percentile(wall, 99),
        "max_ms": round(max(wall), 3),
        # CPU time of this thread: what the query costs, without waits for a busy machine.
        "cpu_p50_ms": _percentile(cpu, 50),
        "cpu_p99_ms": _percentile(cpu, 99),
        "runs": runs,
    }


def _percentile(samples: list[float], percent: int) -> float:
    if percent == 50:
        return round(statistics.median(samples), 3)
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, len(ordered) * percent // 100)], 3)


def cursor_after_pages(uows: UnitOfWorkFactory, pages: int, **filters: Any) -> str | None:
    cursor: str | None = None
    for _ in range(pages):
        with uows(read_only=True) as uow:
            page = browse(uow.session, after=cursor, **filters)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return cursor


def run(products: int, runs: int, path: Path) -> dict[str, Any]:
    rng = random.Random(20261126)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    started = time.perf_counter()
    seed(engine, products, rng)
    # No ANALYZE and no FTS 'optimize': a shop's database never gets them either, so the
    # query plans measured here are the ones SQLite picks without statistics.
    seed_seconds = time.perf_counter() - started
    print(f"seeded {products:,} products in {seed_seconds:.1f} s → {path}")

    uows = UnitOfWorkFactory(engine)

    def browse_page(**kwargs: Any) -> Callable[[], Page]:
        def call() -> Page:
            with uows(read_only=True) as uow:
                return browse(uow.session, **kwargs)

        return call

    def search_page(query: str, after: str | None = None) -> Callable[[], Page]:
        def call() -> Page:
            with uows(read_only=True) as uow:
                return search(uow.session, query, after=after)

        return call

    deep_all = cursor_after_pages(uows, 500)
    deep_category = cursor_after_pages(uows, 500, category=Category.RING)
    with uows(read_only=True) as uow:
        lowest_ids = list(uow.session.scalars(select(Product.id).order_by(Product.id).limit(200)))
    near_bottom = str(lowest_ids[-1])
    with uows(read_only=True) as uow:
        deep_search = search(uow.session, "beads").next_cursor
        for _ in range(199):
            assert deep_search is not None
            deep_search = search(uow.session, "beads", after=deep_search).next_cursor

    cases: dict[str, Callable[[], Page]] = {
        "browse first page (all)": browse_page(),
        "browse page 500 (all)": browse_page(after=deep_all),
        "browse last pages (all)": browse_page(after=near_bottom),
        "browse first page (ring)": browse_page(category=Category.RING),
        "browse page 500 (ring)": browse_page(category=Category.RING, after=deep_category),
        "browse first page (artisan)": browse_page(artisan_id=7),
        **{
            f"browse first page ({category.value})": browse_page(category=category)
            for category in Category
            if category != Category.RING
        },
        "search common word 'beads'": search_page("beads"),
        "search common Swahili 'shanga'": search_page("shanga"),
        "search two words 'blue necklace'": search_page("blue necklace"),
        "search prefix 'bea'": search_page("bea"),
        "search rare word 'zebrawood'": search_page(RARE_WORD),
        "search no match 'xylophone'": search_page("xylophone"),
        "search disjoint words 'mkufu bangle'": search_page("mkufu bangle"),
        "search page 200 'beads'": search_page("beads", deep_search),
        "search hostile 'AND OR \" NEAR('": search_page('AND OR " NEAR('),
    }
    figures: dict[str, dict[str, float]] = {}
    print(f"load average before timing: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    header = ("p50 ms", "p99 ms", "max ms", "cpu p50", "cpu p99")
    print(f"\n{'query':<40}" + "".join(f"{h:>9}" for h in header))
    for name, call in cases.items():
        f = figures[name] = timed(runs, call)
        values = (f["p50_ms"], f["p99_ms"], f["max_ms"], f["cpu_p50_ms"], f["cpu_p99_ms"])
        print(f"{name:<40}" + "".join(f"{v:>9.3f}" for v in values))
    browse_p99 = max(f["p99_ms"] for n, f in figures.items() if n.startswith("browse"))
    search_p99 = max(f["p99_ms"] for n, f in figures.items() if n.startswith("search"))
    browse_cpu = max(f["cpu_p99_ms"] for n, f in figures.items() if n.startswith("browse"))
    search_cpu = max(f["cpu_p99_ms"] for n, f in figures.items() if n.startswith("search"))
    print(
        f"\nworst browse p99 {browse_p99:.3f} ms wall, {browse_cpu:.3f} ms CPU "
        f"(goal ≤ {BROWSE_GOAL_MS})\n"
        f"worst search p99 {search_p99:.3f} ms wall, {search_cpu:.3f} ms CPU "
        f"(goal ≤ {SEARCH_GOAL_MS})"
    )
    engine.dispose()
    return {
        "products": products,
        "seed_seconds": round(seed_seconds, 1),
        "browse_p99_ms": browse_p99,
        "search_p99_ms": search_p99,
        "browse_cpu_p99_ms": browse_cpu,
        "search_cpu_p99_ms": search_cpu,
        "browse_goal_met": browse_p99 <= BROWSE_GOAL_MS,
        "search_goal_met": search_p99 <= SEARCH_GOAL_MS,
        "queries": figures,
    }


def _paths(keep: str | None) -> Iterator[Path]:
    if keep:
        path = Path(keep)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="soko-bench-") as directory:
        yield Path(directory) / "catalog.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--keep", help="write the database here and keep it")
    args = parser.parse_args()
    for path in _paths(args.keep):
        result = run(args.products, args.runs, path)
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
