"""Exactly one scheduler, with a hot standby, as real processes (`soko web` in webhook mode and
two `soko scheduler`, on SQLite and PostgreSQL, against the fake Telegram): the second
scheduler says it is the standby, naming the holder, and sends nothing; SIGKILL the first and
the second takes over within seconds, and the replies go out, each once. And what a web worker
recorded and did not handle before it was SIGKILLed is answered by the scheduler's sweep
within seconds, with no worker started again."""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from store.db import make_engine
from tests.conftest import new_postgres_database
from tests.e2e.operator_env import OperatorEnv, operator_env
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, wait_until
from tests.e2e.telegram.telegram_support import WEBHOOK_SECRET
from tests.e2e.telegram.test_webhook_durability import post_until_answered
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import FakeTelegram, user
from tests.fakes.telegram_api import text as said

AMINA = user(32_001, "Amina", "en")
ZAWADI = user(32_002, "Zawadi", "sw")
WANJIKU = user(32_003, "Wanjiku", "sw")
TAKEOVER_SECONDS = 30  # a generous bound for a loaded machine; the lock is tried every second


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nobody made yet: an SQLite file not there, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'soko.db'}"
        return
    with new_postgres_database("soko_standby") as url:
        yield url


@pytest.fixture
def database(database_url: str) -> Iterator[ShopDatabase]:
    shop_database = ShopDatabase(database_url)
    yield shop_database
    shop_database.engine.dispose()


def a_host(
    folder: Path, api_url: str, database_url: str, media: Path, port: int | None = None
) -> OperatorEnv:
    """One machine of the shop (its own folder and logs), on the shared database and media."""
    return operator_env(
        folder,
        telegram_url=api_url,
        port=port,
        DATABASE_URL=database_url,
        MEDIA_DIR=str(media),
        MEDIA_DIR_SHARED="true",  # every "machine" here shares the test's folder
        PUBLIC_BASE_URL="http://shop.test",
        ALLOWED_HOSTS="127.0.0.1",  # where the test posts Telegram's updates
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )


def replies_to(fake: FakeTelegram, person: dict[str, object]) -> int:
    return len(fake.sent_to(int(str(person["id"]))))


def test_a_second_scheduler_waits_and_takes_over_when_the_first_is_killed(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    database_url: str,
    database: ShopDatabase,
) -> None:
    _, api_url = telegram_server
    media = tmp_path / "media"
    web_host = a_host(tmp_path / "web", api_url, database_url, media, free_port())
    assert web_host.port is not None
    with SokoProcess(web_host, "web"):
        first = SokoProcess(a_host(tmp_path / "one", api_url, database_url, media), "scheduler")
        second = SokoProcess(a_host(tmp_path / "two", api_url, database_url, media), "scheduler")
        try:
            first.start()
            wait_until(lambda: "scheduler lock taken" in first.logged(), 60, "the first lock")
            second.start()
            wait_until(lambda: "standby" in second.logged(), 60, "the second to stand by")
            assert first.process is not None
            holder = f"{socket.gethostname()}:{first.process.pid}"
            assert f"the scheduler lock is held by {holder}" in second.logged()

            post_until_answered(web_host.port, {"update_id": 1, **said(AMINA, "hi")})
            wait_until(lambda: replies_to(fake_telegram, AMINA) > 0, 60, "Amina answered")
            wait_until(lambda: database.counts()["pending"] == 0, 60, "every reply sent")

            first.kill()  # SIGKILL: no goodbye, the lock goes with the process
            wait_until(
                lambda: "scheduler lock taken" in second.logged(),
                TAKEOVER_SECONDS,
                "the standby to take over",
            )
            post_until_answered(web_host.port, {"update_id": 2, **said(ZAWADI, "habari")})
            wait_until(lambda: replies_to(fake_telegram, ZAWADI) > 0, 60, "Zawadi answered")
            wait_until(lambda: database.counts()["pending"] == 0, 60, "every reply sent")
            stopped = second.stop()
        finally:
            first.kill()
            second.kill()
    assert stopped.status == 0, second.logged()
    counts = database.counts()
    assert counts["sent"] == counts["outbox"]  # each reply sent, and marked sent, once
    sent = [call.params["text"] for call in fake_telegram.calls_of("sendMessage")]
    assert len(sent) == counts["outbox"]
    assert "Traceback" not in first.logged() + second.logged()


def test_a_killed_web_workers_recorded_update_is_answered_by_the_scheduler(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    database_url: str,
    database: ShopDatabase,
) -> None:
    _, api_url = telegram_server
    media = tmp_path / "media"
    web_host = a_host(tmp_path / "web", api_url, database_url, media, free_port())
    assert web_host.port is not None
    scheduler = SokoProcess(a_host(tmp_path / "one", api_url, database_url, media), "scheduler")
    web = SokoProcess(web_host, "web")
    with scheduler:
        wait_until(lambda: "scheduler lock taken" in scheduler.logged(), 60, "the scheduler")
        web.start()
        try:
            # The worker records the update, answers 200, then waits on Telegram (its first
            # getMe) before handling it: killed there, it leaves the update recorded only.
            fake_telegram.hang("getMe")
            post_until_answered(web_host.port, {"update_id": 3, **said(WANJIKU, "habari")})
            wait_until(lambda: database.counts()["inbox"] == 1, 30, "the update recorded")
            wait_until(lambda: fake_telegram.hung_calls("getMe") > 0, 30, "the worker waiting")
        finally:
            web.kill()
            fake_telegram.unhang()
        assert database.counts()["handled"] == 0

        wait_until(lambda: replies_to(fake_telegram, WANJIKU) > 0, 30, "Wanjiku answered")
    assert database.counts()["handled"] == 1
    assert "inbox sweep handled 1 update(s) left over" in scheduler.logged()


def test_a_standby_stops_on_sigterm_and_a_holder_that_loses_its_lock_exits_1(
    tmp_path: Path, telegram_server: tuple[FakeTelegram, str], database_url: str
) -> None:
    _, api_url = telegram_server
    media = tmp_path / "media"
    holder = SokoProcess(a_host(tmp_path / "one", api_url, database_url, media), "scheduler")
    standby = SokoProcess(a_host(tmp_path / "two", api_url, database_url, media), "scheduler")
    with holder:
        wait_until(lambda: "scheduler lock taken" in holder.logged(), 60, "the lock taken")
        standby.start()
        wait_until(lambda: "standby" in standby.logged(), 60, "the standby")

        stopped = standby.stop(signal.SIGTERM)

        assert stopped.status == 0, standby.logged()
        assert "Traceback" not in standby.logged()
        if not database_url.startswith("postgresql"):
            return  # SQLite's lock is the kernel's: only the process's death loses it
        cut = make_engine(database_url)
        with cut.connect() as connection:  # PostgreSQL restarted, a proxy dropped it…
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = 'soko scheduler lock'"
                    # only this shop's: other tests' shops on this server hold theirs
                    " AND datname = current_database()"
                )
            )
            connection.commit()
        cut.dispose()
        assert holder.process is not None
        assert holder.process.wait(timeout=30) == 1
        holder.kill()  # (gone already: tidies the harness)
    assert "scheduler lock lost" in holder.logged()
