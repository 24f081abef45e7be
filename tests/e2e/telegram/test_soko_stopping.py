"""`soko run`, `soko web` and `soko scheduler` as real processes against the fake Telegram:
started on a database nobody migrated, they create it and answer; stopped by SIGTERM or
SIGINT while Telegram does not answer a reply, they exit 0 within 10 s, leave no outbox row
claimed and lose nothing; started again, they deliver that reply at once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.e2e.operator_env import OperatorEnv, operator_env
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, Stopped, wait_until
from tests.e2e.telegram.telegram_support import WEBHOOK_SECRET
from tests.e2e.telegram.test_webhook_durability import post_until_answered
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram, text, user

AMINA = user(31_001, "Amina", "en")
ZAWADI = user(31_002, "Zawadi", "sw")


def the_shop(folder: Path, api_url: str, port: int, mode: str = "polling") -> OperatorEnv:
    """Only what an operator sets; the database file does not exist yet."""
    return operator_env(
        folder,
        telegram_url=api_url,
        port=port,
        PUBLIC_BASE_URL="http://shop.test",
        ALLOWED_HOSTS="127.0.0.1",  # where the test posts Telegram's updates
        TELEGRAM_MODE=mode,
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )


def replies_to(fake: FakeTelegram, person: dict[str, object]) -> int:
    return len(fake.sent_to(int(str(person["id"]))))


def assert_stopped_cleanly(stopped: Stopped, process: SokoProcess) -> None:
    assert stopped.status == 0, process.logged()
    assert "Traceback" not in process.logged()
    assert TOKEN not in process.logged()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_soko_run_from_a_database_never_migrated_stopped_mid_reply_loses_nothing(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    signum: int,
) -> None:
    _, api_url = telegram_server
    shop = the_shop(tmp_path / "shop", api_url, free_port())
    database = ShopDatabase(shop.database_url)
    with SokoProcess(shop, "run") as run:
        fake_telegram.feed(text(AMINA, "hi"))
        wait_until(lambda: replies_to(fake_telegram, AMINA) > 0, 60, "Amina answered")

        fake_telegram.hang("sendMessage")  # Telegram stops answering
        fake_telegram.feed(text(ZAWADI, "habari"))
        wait_until(lambda: fake_telegram.hung_calls("sendMessage") > 0, 30, "a reply in flight")
        stopped = run.stop(signum)
    assert_stopped_cleanly(stopped, run)
    left = database.counts()
    assert left["claimed"] == 0  # handed back: nothing waits for a lease
    assert left["pending"] >= 1  # Zawadi's reply, waiting
    assert left["handled"] == left["inbox"] == 2
    assert replies_to(fake_telegram, ZAWADI) == 0

    fake_telegram.unhang()
    with run:
        wait_until(lambda: replies_to(fake_telegram, ZAWADI) > 0, 60, "Zawadi answered")
        first_reply = time.monotonic() - run.started_at
        wait_until(lambda: database.counts()["pending"] == 0, 30, "all sent")
        assert_stopped_cleanly(run.stop(signum), run)
    done = database.counts()
    # Every reply went out once: none lost, none repeated.
    assert done["sent"] == replies_to(fake_telegram, AMINA) + replies_to(fake_telegram, ZAWADI)
    print(
        f"\nsoko run: stopped mid-reply in {stopped.seconds:.2f}s; restart to the waiting reply"
        f" {first_reply:.2f}s (process start included)"
    )


def test_soko_web_and_soko_scheduler_stop_mid_reply_and_deliver_it_after_a_restart(
    tmp_path: Path, fake_telegram: FakeTelegram, telegram_server: tuple[FakeTelegram, str]
) -> None:
    """The deployment with N web workers: `soko web` (webhook mode) records and answers, and
    `soko scheduler` delivers — both started on a database nobody migrated, at once."""
    _, api_url = telegram_server
    port = free_port()
    shop = the_shop(tmp_path / "shop", api_url, port, mode="webhook")
    database = ShopDatabase(shop.database_url)
    scheduler = SokoProcess(shop, "scheduler")
    fake_telegram.hang("sendMessage")
    with scheduler, SokoProcess(shop, "web") as web:  # started one right after the other
        update = {"update_id": 950_001, **text(AMINA, "hi")}
        post_until_answered(port, update)
        wait_until(lambda: fake_telegram.hung_calls("sendMessage") > 0, 60, "a reply in flight")
        stopped = scheduler.stop(signal.SIGTERM)
        assert_stopped_cleanly(stopped, scheduler)
        assert_stopped_cleanly(web.stop(signal.SIGTERM), web)
    left = database.counts()
    assert left["claimed"] == 0
    assert left["pending"] >= 1
    assert not fake_telegram.calls_of("setWebhook")  # `soko telegram register` does, once

    fake_telegram.unhang()
    with scheduler:
        wait_until(lambda: replies_to(fake_telegram, AMINA) > 0, 60, "Amina answered")
        first_reply = time.monotonic() - scheduler.started_at
        assert_stopped_cleanly(scheduler.stop(signal.SIGINT), scheduler)
    print(
        f"\nsoko scheduler: stopped mid-reply in {stopped.seconds:.2f}s; restart to the waiting"
        f" reply {first_reply:.2f}s (process start included)"
    )
