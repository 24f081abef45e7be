"""`soko run`, `soko web` and `soko scheduler` as real processes against the fake Telegram:
started on a database nobody migrated, they create it and answer; stopped by SIGTERM or
SIGINT while Telegram does not answer a reply, they exit 0 within 10 s, leave no outbox row
claimed and lose nothing; started again, they deliver that reply at once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from handlers.telegram.webhook import WEBHOOK_PATH
from tests.e2e.soko_process import SokoProcess, outbox_counts
from tests.e2e.telegram.telegram_support import WEBHOOK_SECRET, wait_until
from tests.e2e.telegram.test_webhook_durability import post_until_answered
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN, FakeTelegram, text, user

AMINA = user(31_001, "Amina", "en")
ZAWADI = user(31_002, "Zawadi", "sw")


def shop_env(tmp_path: Path, api_url: str, mode: str = "polling") -> dict[str, str]:
    """Only what an operator sets; the database file does not exist yet."""
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop' / 'soko.db'}",
        "MEDIA_DIR": str(tmp_path / "shop" / "media"),
        "PUBLIC_BASE_URL": "http://shop.test",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api_url,
        "TELEGRAM_MODE": mode,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


def replies_to(fake: FakeTelegram, person: dict[str, object]) -> int:
    return len(fake.sent_to(int(str(person["id"]))))


def assert_stopped_cleanly(status: int, process: SokoProcess) -> None:
    assert status == 0, process.errors()
    assert "Traceback" not in process.errors()
    assert TOKEN not in process.errors()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_soko_run_from_a_database_never_migrated_stopped_mid_reply_loses_nothing(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    signum: int,
) -> None:
    _, api_url = telegram_server
    env = shop_env(tmp_path, api_url)
    soko = SokoProcess(["run", "--port", str(free_port())], env, tmp_path)
    try:
        soko.start()
        fake_telegram.feed(text(AMINA, "hi"))
        wait_until(lambda: replies_to(fake_telegram, AMINA) > 0, 60, "Amina answered")

        fake_telegram.hang("sendMessage")  # Telegram stops answering
        fake_telegram.feed(text(ZAWADI, "habari"))
        wait_until(lambda: fake_telegram.hung_calls("sendMessage") > 0, 30, "a reply in flight")
        assert_stopped_cleanly(soko.stop(signum), soko)
    finally:
        soko.kill()
    stopped_in = soko.stopped_in
    left = outbox_counts(env["DATABASE_URL"])
    assert left["claimed"] == 0  # handed back: nothing waits for a lease
    assert left["pending"] >= 1  # Zawadi's reply, waiting
    assert left["handled"] == left["inbox"] == 2
    assert replies_to(fake_telegram, ZAWADI) == 0

    fake_telegram.unhang()
    soko.start()
    try:
        wait_until(lambda: replies_to(fake_telegram, ZAWADI) > 0, 60, "Zawadi answered")
        first_reply = time.monotonic() - soko.started_at
        wait_until(lambda: outbox_counts(env["DATABASE_URL"])["pending"] == 0, 30, "all sent")
        assert_stopped_cleanly(soko.stop(signum), soko)
    finally:
        soko.kill()
    done = outbox_counts(env["DATABASE_URL"])
    # Every reply went out once: none lost, none repeated.
    assert done["sent"] == replies_to(fake_telegram, AMINA) + replies_to(fake_telegram, ZAWADI)
    print(
        f"\nsoko run: stopped mid-reply in {stopped_in:.2f}s; restart to the waiting reply"
        f" {first_reply:.2f}s (process start included)"
    )


def test_soko_web_and_soko_scheduler_stop_mid_reply_and_deliver_it_after_a_restart(
    tmp_path: Path, fake_telegram: FakeTelegram, telegram_server: tuple[FakeTelegram, str]
) -> None:
    """The deployment with N web workers: `soko web` (webhook mode) records and answers, and
    `soko scheduler` delivers — both started on a database nobody migrated, at once."""
    _, api_url = telegram_server
    env = shop_env(tmp_path, api_url, mode="webhook")
    port = free_port()
    web = SokoProcess(["web", "--port", str(port)], env, tmp_path)
    scheduler = SokoProcess(["scheduler"], env, tmp_path)
    fake_telegram.hang("sendMessage")
    try:
        web.start()
        scheduler.start()
        update = {"update_id": 950_001, **text(AMINA, "hi")}
        post_until_answered(port, update)
        wait_until(lambda: fake_telegram.hung_calls("sendMessage") > 0, 60, "a reply in flight")
        assert_stopped_cleanly(scheduler.stop(signal.SIGTERM), scheduler)
        stopped_in = scheduler.stopped_in
        assert_stopped_cleanly(web.stop(signal.SIGTERM), web)
    finally:
        scheduler.kill()
        web.kill()
    left = outbox_counts(env["DATABASE_URL"])
    assert left["claimed"] == 0
    assert left["pending"] >= 1
    assert fake_telegram.webhook["url"] == f"http://shop.test{WEBHOOK_PATH}"

    fake_telegram.unhang()
    scheduler.start()
    try:
        wait_until(lambda: replies_to(fake_telegram, AMINA) > 0, 60, "Amina answered")
        first_reply = time.monotonic() - scheduler.started_at
        assert_stopped_cleanly(scheduler.stop(signal.SIGINT), scheduler)
    finally:
        scheduler.kill()
    print(
        f"\nsoko scheduler: stopped mid-reply in {stopped_in:.2f}s; restart to the waiting"
        f" reply {first_reply:.2f}s (process start included)"
    )
