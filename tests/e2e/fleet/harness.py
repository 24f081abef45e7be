"""A fleet as its operator deploys it, for the end-to-end tests: one PostgreSQL database
migrated once (`soko db upgrade`, the deploy's migration job), N `soko web` workers in
Telegram webhook mode (each on its own port, all with the same settings), and M `soko
scheduler` processes (the first to start is the active one, the others its standbys), photos
on S3 (moto's server), the fake Bot API; and Telegram's side of it: updates posted to the
workers' webhook with the secret header, again (to the next worker, as a load balancer
would) until one answers 200.

Each process runs in a folder of its own under the test's (what it logs in
`soko-<command>.log` there)."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer
from mypy_boto3_s3 import S3Client

from tests.e2e.operator_env import DOCUMENTED, OperatorEnv, operator_env
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, soko, wait_until
from tests.e2e.telegram.telegram_support import WEBHOOK_SECRET
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import Call, FakeTelegram, serve

BUCKET = "soko-media"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What Telegram counts against a bot's limits: every message sent or edited.
SENDING = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendMediaGroup",
        "sendInvoice",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
    }
)
# The messages that reach a chat as new ones (what the outbox records as sent).
NEW_MESSAGES = frozenset({"sendMessage", "sendPhoto", "sendInvoice"})


@dataclass
class Fleet:
    telegram: FakeTelegram
    database_url: str
    database: ShopDatabase
    s3: S3Client
    webs: list[SokoProcess]
    schedulers: list[SokoProcess]
    folder: Path
    update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(500_000))

    def port(self, web: SokoProcess) -> int:
        assert web.shop.port is not None
        return web.shop.port

    @property
    def ports(self) -> list[int]:
        return [self.port(web) for web in self.webs]

    def update(self, content: dict[str, Any]) -> dict[str, Any]:
        """An update as Telegram numbers it (content as `telegram_api.text` and the like
        make it)."""
        return {"update_id": next(self.update_ids), **content}

    def accepted(self, since: float = 0.0) -> list[Call]:
        """The new messages Telegram accepted (answered OK), in the order they arrived."""
        return [
            call
            for call in list(self.telegram.calls)
            if call.method in NEW_MESSAGES and call.params.get("_ok") and call.arrived >= since
        ]

    def sends(self) -> list[Call]:
        """Every call Telegram counts against the limits, accepted or not."""
        return [call for call in list(self.telegram.calls) if call.method in SENDING]

    def recorded_parts(self) -> int:
        """The message ids the outbox records as delivered (a reply of several parts, a
        photo and its text, records each)."""
        rows = self.database.query(
            "SELECT platform_message_id FROM outbox WHERE platform_message_id IS NOT NULL"
        )
        return sum(len(ids.split(",")) for (ids,) in rows)

    def handled(self, updates: int) -> bool:
        """`updates` recorded, each handled (or parked as failed)."""
        counts = self.database.counts()
        return counts["inbox"] == counts["handled"] == updates

    def settled(self, updates: int) -> bool:
        """`updates` recorded, each handled, every reply sent."""
        counts = self.database.counts()
        return (
            counts["inbox"] == updates and counts["handled"] == updates and counts["pending"] == 0
        )

    def wait(self, condition: Callable[[], object], timeout: float, what: str) -> None:
        """`wait_until`; on a timeout, what each process logged goes with the failure."""
        try:
            wait_until(condition, timeout, what)
        except AssertionError as late:
            raise AssertionError(f"{late}\n{self.logs()}") from None

    def logs(self) -> str:
        return "\n".join(
            f"--- {process} ({process.log}):\n{process.log_tail()}"
            for process in [*self.schedulers, *self.webs]
        )


@contextlib.contextmanager
def running_fleet(
    folder: Path,
    database_url: str,
    *,
    webs: int = 2,
    schedulers: int = 2,
    waits_for: Sequence[str] = (),
    single: bool = False,
    **settings: str,
) -> Iterator[Fleet]:
    """The fleet on a fresh database, stopped (SIGTERM) at the end, or killed if the block
    failed. The schedulers start one after the other, each once the one before it logged
    `waits_for[n]` (the first: that it holds the lock, so it is the active one; the next:
    that it waits as the standby). `single`: one `soko run` instead (webhook mode; it runs the
    scheduler itself), as a shop on SQLite is deployed. `settings` go to every process."""
    telegram = FakeTelegram()
    with serve(telegram) as telegram_url, moto_s3() as s3, contextlib.ExitStack() as running:
        fleet_settings = {
            "DATABASE_URL": database_url,
            "MEDIA_STORE": "s3",
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": s3.meta.endpoint_url,
            "S3_ACCESS_KEY_ID": "test",
            "S3_SECRET_ACCESS_KEY": "test",  # moto takes any
            "PUBLIC_BASE_URL": "http://shop.test",
            "ALLOWED_HOSTS": "127.0.0.1",  # where Telegram's updates are posted
            "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            # People here write several messages at once: floods, whose held answers the
            # next update replaces by design. Every update must be answered here.
            "FLOOD_MESSAGES": "1000000",
        } | settings
        assert set(fleet_settings) <= DOCUMENTED, set(fleet_settings) - DOCUMENTED

        def shop(name: str, port: int | None = None) -> OperatorEnv:
            env = operator_env(folder / name, port=port, telegram_url=telegram_url)
            return OperatorEnv(env.folder, env.variables | fleet_settings, env.port)

        migrated = soko(shop("migrate"), "db", "upgrade")
        assert migrated.returncode == 0, migrated.stderr
        fleet = Fleet(
            telegram,
            database_url,
            ShopDatabase(database_url),
            s3,
            webs=(
                [SokoProcess(shop("run", free_port()), "run")]
                if single
                else [SokoProcess(shop(f"web-{n}", free_port()), "web") for n in range(1, webs + 1)]
            ),
            schedulers=[
                SokoProcess(shop(f"scheduler-{n}"), "scheduler")
                for n in range(1, (0 if single else schedulers) + 1)
            ],
            folder=folder,
        )
        running.callback(fleet.database.engine.dispose)  # last, once every process stopped
        for process in [*fleet.schedulers, *fleet.webs]:
            running.push(process.__exit__)  # stopped at the end, killed if the block failed
        said = [*waits_for, *[""] * len(fleet.schedulers)]
        for scheduler, says in zip(fleet.schedulers, said, strict=False):
            scheduler.start()
            if says:
                wait_until(partial(logs, scheduler, says), 60, f"{scheduler} to say {says!r}")
        with ThreadPoolExecutor(max_workers=len(fleet.webs)) as starting:
            list(starting.map(SokoProcess.start, fleet.webs))  # each waits until it serves
        yield fleet


def logs(process: SokoProcess, words: str) -> bool:
    return words in process.logged()


@contextlib.contextmanager
def moto_s3() -> Iterator[S3Client]:
    """moto's S3 server on 127.0.0.1 with the shop's bucket; a client of it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        client: S3Client = boto3.client(
            "s3",
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",  # moto takes any
        )
        client.create_bucket(Bucket=BUCKET)
        yield client
    finally:
        server.stop()


# --- Telegram's side -------------------------------------------------------------------------


def post_once(port: int, update: dict[str, Any]) -> bool:
    """POST one update to a worker's webhook as Telegram does; whether it answered 200."""
    body = json.dumps(update).encode()
    headers = {"Content-Type": "application/json", HEADER: WEBHOOK_SECRET}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/webhooks/telegram", body, headers)
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except (OSError, http.client.HTTPException):  # the worker died, or is not up
        return False
    finally:
        connection.close()


def post(ports: Sequence[int], update: dict[str, Any]) -> int:
    """Post until a worker answers 200: to the first of `ports`, then to the next, after a
    growing pause (a load balancer in front of the workers, Telegram redelivering). Returns
    the port of the worker that took it."""
    pause = 0.05
    for port in itertools.cycle(ports):
        if post_once(port, update):
            return port
        time.sleep(pause)
        pause = min(pause * 2, 0.4)
    raise AssertionError("unreachable")


def post_twice(ports: Sequence[int], update: dict[str, Any]) -> None:
    """The same update to two workers at once (Telegram redelivering while the first post is
    still being answered), each until answered."""
    with ThreadPoolExecutor(max_workers=2) as both:
        list(both.map(post, [ports, list(reversed(ports))], [update, update]))


# --- what the fake saw ----------------------------------------------------------------------


def most_within(times: Sequence[float], seconds: float) -> int:
    """The most of `times` within any window [t, t + seconds)."""
    ordered = sorted(times)
    most = 0
    first = 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


def busiest(calls: Sequence[Call], seconds: float) -> str:
    """The calls of the busiest window [t, t + seconds), one a line (for a failure)."""
    ordered = sorted(calls, key=lambda call: call.arrived)
    best = (0, 0)
    first = 0
    for last, call in enumerate(ordered):
        while call.arrived - ordered[first].arrived >= seconds:
            first += 1
        best = max(best, (last - first + 1, first))
    count, start = best
    window = ordered[start : start + count]
    return "\n".join(
        f"{call.arrived:.3f} +{call.arrived - window[0].arrived:.3f}s {call.method}"
        f" chat {call.params.get('chat_id')} {'ok' if call.params.get('_ok') else 'refused'}"
        for call in window
    )


def most_within_per_chat(calls: Sequence[Call], seconds: float) -> dict[str, int]:
    by_chat: dict[str, list[float]] = defaultdict(list)
    for call in calls:
        by_chat[str(call.params.get("chat_id"))].append(call.arrived)
    return {chat: most_within(times, seconds) for chat, times in by_chat.items()}


def accepted_ids_by_chat(calls: Sequence[Call]) -> dict[str, list[int]]:
    """The message ids of accepted sends, by chat, in the order they arrived."""
    by_chat: dict[str, list[int]] = defaultdict(list)
    for call in sorted(calls, key=lambda call: call.arrived):
        assert call.message_id is not None
        by_chat[str(call.params["chat_id"])].append(call.message_id)
    return dict(by_chat)


def recorded_ids_by_chat(database: ShopDatabase) -> dict[str, list[int]]:
    """The message ids the outbox records for each Telegram chat, its rows in the order they
    were queued (each row's parts in the order they went)."""
    rows = database.query(
        "SELECT platform_user_id, platform_message_id FROM outbox"
        " WHERE channel = 'telegram' ORDER BY id"
    )
    by_chat: dict[str, list[int]] = defaultdict(list)
    for chat, ids in rows:
        by_chat[chat].extend(int(part) for part in (ids or "").split(",") if part)
    return dict(by_chat)
