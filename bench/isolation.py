"""Isolation benchmark: other people's chats while buyers check out and an artisan sends
photos — first with healthy providers, then with Stripe hanging and the photos hostile.

    .venv/bin/python bench/isolation.py [--others N] [--rounds N] [--buyers N] [--hang-seconds S]

A fresh demo shop on SQLite takes card payments through Stripe (the fake Stripe API of the
tests, over HTTP, with the real stripe library), and the effect runner of `soko run` runs in
the background. In each phase `--buyers` people check out (on the console channel: the
piece's link, "Buy now", name, address, country, "Place order"), one person sends five photos
in one message, and `--others` people chat (menu, help, browsing), every message the whole way
(inbox, engine, outbox). Phase one, healthy: Stripe answers and the photos are ordinary
phone photos. Phase two, troubled: Stripe accepts connections and holds every Checkout
Session request for `--hang-seconds` (then answers), and the five photos are hostile
(decompression bombs, huge dimensions in a few KB, many frames). Only the others' messages
are timed.

Goals, the others' figures against the healthy phase of the same run: their p99 while
troubled is within 100 ms of their p99 while healthy (issue 19) and at most 1.5 times it
(issue 18); no errors anywhere. Prints the figures, then one line of JSON.
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
import asyncio
import io
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from PIL import Image
from pydantic import SecretStr
from sqlalchemy import select

from bot.commands.demo import build_demo, demo_settings
from bot.container import Container
from bot.effects import effect_runner
from bot.intake import photo_intake
from bot.wiring import build_engine
from conversations.engine import ChatEngine
from handlers.console.channel import ConsoleChannel
from store.models import Product, ProductStatus
from tests.fakes.stripe_api import API_KEY, FakeStripe, serve

GOAL_RATIO = 1.5
GOAL_DELTA_MS = 100.0
GOAL_DELTA_MS = 100.0
OTHERS_SAY = ("menu", "help", "menu", "1", "1", "menu")


class Chatter:
    """One console person; times each message she sends."""

    def __init__(self, key: str, engine: ChatEngine, container: Container) -> None:
        self.blocks: list[str] = []
        self.channel = ConsoleChannel(
            engine,
            container.uow_factory,
            photo_intake(container),
            person=key,
            write=self.blocks.append,
            locale_hint="en",
        )
        self.timings: list[float] = []
        self.errors = 0

    def send(self, text: str, photos: tuple[bytes, ...] = ()) -> None:
        self.blocks.clear()
        started = time.perf_counter()
        try:
            result = self.channel.send(text, photos)
        except Exception:  # never expected: counted, and the run goes on
            self.errors += 1
            return
        self.timings.append(time.perf_counter() - started)
        if not result.handled_now:
            self.errors += 1


def pieces_for_sale(container: Container) -> list[int]:
    with container.uow_factory(read_only=True) as uow:
        return list(
            uow.session.scalars(
                select(Product.id)
                .where(Product.status == ProductStatus.ACTIVE, Product.stock_on_hand > 0)
                .order_by(Product.id)
            )
        )


def check_out(buyer: Chatter, piece: int) -> None:
    for text in ("hi", "1", f"/start p-{piece}", "Buy now"):  # "1": English
        buyer.send(text)
    if any(block.startswith("How many") for block in buyer.blocks):
        buyer.send("1")
    for text in (
        "Anna Schmidt",
        "Hauptstr. 1, 10115 Berlin",
        "DE",
        "Place order",
    ):
        buyer.send(text)


def ordinary_photos() -> tuple[bytes, ...]:
    """Five phone photos: 12 MP JPEGs of a noisy scene."""
    return tuple(
        _saved(Image.effect_noise((4000, 3000), 40 + n).convert("RGB"), "JPEG", quality=85)
        for n in range(5)
    )


def hostile_photos() -> tuple[bytes, ...]:
    """Five photos made to hurt: huge dimensions in a few KB (lossless WebP, PNG), a
    decompression bomb, a GIF of many large frames, a JPEG with a huge canvas."""
    frames = [Image.new("P", (2000, 2000), n) for n in range(60)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=10)
    return (
        _saved(Image.new("L", (16383, 2441), 0), "WEBP", lossless=True),
        _saved(Image.new("RGB", (6324, 6324), (200, 120, 40)), "PNG"),
        _saved(Image.new("1", (40000, 40000), 0), "PNG"),
        gif.getvalue(),
        _saved(Image.new("RGB", (16000, 12000), (90, 60, 30)), "JPEG", quality=50),
    )


def _saved(image: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def phase(
    name: str,
    engine: ChatEngine,
    container: Container,
    pieces: list[int],
    photos: tuple[bytes, ...],
    *,
    others: int,
    rounds: int,
    buyers: int,
) -> dict[str, object]:
    people = [Chatter(f"{name}-other-{n}", engine, container) for n in range(others)]
    shoppers = [Chatter(f"{name}-buyer-{n}", engine, container) for n in range(buyers)]
    artisan = Chatter(f"{name}-photos", engine, container)

    def chat(person: Chatter) -> None:
        for n in range(rounds):
            person.send(OTHERS_SAY[n % len(OTHERS_SAY)])

    threads = [threading.Thread(target=chat, args=(p,)) for p in people]
    threads += [threading.Thread(target=check_out, args=(b, pieces.pop(0))) for b in shoppers]
    threads.append(threading.Thread(target=artisan.send, args=("", photos)))
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    timings = sorted(t for p in people for t in p.timings)
    return {
        "updates": len(timings),
        "seconds": round(seconds, 2),
        "p50_ms": round(statistics.median(timings) * 1000, 2),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1] * 1000, 2),
        "max_ms": round(timings[-1] * 1000, 2),
        "errors": sum(p.errors for p in [*people, *shoppers, artisan]),
        "photos_seconds": round(sum(artisan.timings), 2),
    }


def run_effects_in_background(container: Container) -> Callable[[], None]:
    """The effect runner of `soko run`, in a thread of its own; returns what stops it."""
    runner = effect_runner(container)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def main() -> None:
        loop.run_until_complete(runner.run(stop))

    thread = threading.Thread(target=main, name="effects", daemon=True)
    thread.start()

    def stopping() -> None:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)

    return stopping


def run(args: argparse.Namespace, directory: Path) -> dict[str, object]:
    ordinary, hostile = ordinary_photos(), hostile_photos()
    fake = FakeStripe()
    with serve(fake) as stripe_url:
        settings = demo_settings(directory).model_copy(
            update={
                "stripe_secret_key": SecretStr(API_KEY),
                "stripe_api_base_url": stripe_url,
                "payments_demo": False,
            }
        )
        container, _ = build_demo(directory, now=datetime.now(UTC), settings=settings)
        try:
            engine = build_engine(container)
            pieces = pieces_for_sale(container)
            stop_effects = run_effects_in_background(container)
            kwargs = {"others": args.others, "rounds": args.rounds, "buyers": args.buyers}
            try:
                healthy = phase("healthy", engine, container, pieces, ordinary, **kwargs)
                fake.hang("/v1/checkout/sessions")
                releasing = threading.Timer(args.hang_seconds, fake.release)
                releasing.start()
                troubled = phase("troubled", engine, container, pieces, hostile, **kwargs)
                releasing.join()
            finally:
                fake.release()
                stop_effects()
            sessions = len(fake.sessions)
        finally:
            container.close()
    p99_healthy, p99_troubled = float(healthy["p99_ms"]), float(troubled["p99_ms"])  # type: ignore[arg-type]
    ratio = p99_troubled / max(p99_healthy, 0.001)
    delta = p99_troubled - p99_healthy
    return {
        "bench": "isolation",
        "healthy": healthy,
        "troubled": troubled,
        "hang_seconds": args.hang_seconds,
        "p99_delta_ms": round(delta, 2),
        "p99_ratio": round(ratio, 2),
        "goal_delta_ms": GOAL_DELTA_MS,
        "goal_ratio": GOAL_RATIO,
        "met": delta <= GOAL_DELTA_MS
        and ratio <= GOAL_RATIO
        and healthy["errors"] == troubled["errors"] == 0,
        "checkout_sessions": sessions,
        "buyers": 2 * args.buyers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=50, help="messages per other person")
    parser.add_argument("--buyers", type=int, default=4, help="checkouts per phase")
    parser.add_argument("--hang-seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soko-bench-") as tmp:
        result = run(args, Path(tmp) / "shop")
    for name in ("healthy", "troubled"):
        figures = result[name]
        print(
            f"{name:<8}: {figures['updates']} messages from {args.others} others in"  # type: ignore[index]
            f" {figures['seconds']} s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms,"  # type: ignore[index]
            f" max {figures['max_ms']} ms, errors {figures['errors']};"  # type: ignore[index]
            f" five photos took {figures['photos_seconds']} s"  # type: ignore[index]
        )
    print(
        f"others' p99 troubled - healthy: {result['p99_delta_ms']} ms (goal ≤ {GOAL_DELTA_MS:g}),"
        f" ratio {result['p99_ratio']} (goal ≤ {GOAL_RATIO});"
        f" {result['checkout_sessions']} Checkout Sessions for {result['buyers']} buyers"
    )
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
