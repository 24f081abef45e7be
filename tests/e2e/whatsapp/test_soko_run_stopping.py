"""`soko run` with WhatsApp as a real process against the fake Twilio: started on a database
nobody migrated, it creates it and answers; stopped (SIGINT or SIGTERM) while Twilio does not
answer a reply, it exits 0 within 10 s with no outbox row left claimed; started again, it
sends that reply at once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.e2e.chat_people import WhatsAppPerson
from tests.e2e.operator_env import operator_env
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, wait_until
from tests.e2e.whatsapp.harness import AUTH_TOKEN
from tests.fakes.serving import free_port
from tests.fakes.twilio_api import FakeTwilio

AMINA = "+254700111222"
ZAWADI = "+254700333444"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_soko_run_stopped_while_twilio_hangs_sends_the_reply_after_a_restart(
    tmp_path: Path, fake_twilio: FakeTwilio, signum: int
) -> None:
    # No `soko db upgrade`: the file is not there.
    shop = operator_env(tmp_path, twilio=fake_twilio, port=free_port())
    database = ShopDatabase(shop.database_url)
    amina = WhatsAppPerson("Amina", AMINA, fake_twilio, database, shop.url)
    zawadi = WhatsAppPerson("Zawadi", ZAWADI, fake_twilio, database, shop.url)
    with SokoProcess(shop, "run") as run:
        assert amina.say("Hi")

        fake_twilio.hang()
        zawadi.say_and_go("Habari")
        wait_until(lambda: fake_twilio.hung > 0, 30, "a reply in flight")
        stopped = run.stop(signum)
    assert stopped.status == 0, run.logged()
    assert "Traceback" not in run.logged()
    left = database.counts()
    assert left["claimed"] == 0
    assert left["pending"] >= 1
    assert left["handled"] == left["inbox"] == 2

    fake_twilio.unhang()
    with run:
        wait_until(lambda: bool(fake_twilio.messages_to(ZAWADI)), 60, "Zawadi answered")
        first_reply = time.monotonic() - run.started_at
        wait_until(lambda: database.counts()["pending"] == 0, 30, "all sent")
        status = run.stop(signum).status
    assert status == 0, run.logged()
    assert AUTH_TOKEN not in run.logged()
    sent = len(fake_twilio.messages_to(AMINA)) + len(fake_twilio.messages_to(ZAWADI))
    assert database.counts()["sent"] == sent  # none lost, none repeated
    print(
        f"\nsoko run (WhatsApp): stopped mid-reply in {stopped.seconds:.2f}s; restart to the"
        f" waiting reply {first_reply:.2f}s (process start included)"
    )


def test_soko_scheduler_stuck_on_twilio_stops_in_time_and_hands_the_reply_back(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    """With N web workers, `soko scheduler` sends from a job thread; a Twilio call that never
    answers cannot be cancelled there, so the reply is handed back after the grace period
    and the process exits anyway, within the time allowed."""
    shop = operator_env(tmp_path, twilio=fake_twilio, port=free_port())
    database = ShopDatabase(shop.database_url)
    amina = WhatsAppPerson("Amina", AMINA, fake_twilio, database, shop.url)
    scheduler = SokoProcess(shop, "scheduler")
    fake_twilio.hang()
    with scheduler, SokoProcess(shop, "web") as web:  # started one right after the other
        amina.say_and_go("Hi")
        wait_until(lambda: fake_twilio.hung > 0, 60, "a reply in flight")
        stopped = scheduler.stop(signal.SIGTERM)
        print(f"\nsoko scheduler stuck on Twilio: stopped in {stopped.seconds:.2f}s")
        assert stopped.status == 0, scheduler.logged()
        assert "Traceback" not in scheduler.logged()
        assert database.counts()["claimed"] == 0
        fake_twilio.unhang()
        scheduler.start()
        wait_until(lambda: bool(fake_twilio.messages_to(AMINA)), 60, "Amina answered")
        assert scheduler.stop(signal.SIGINT).status == 0, scheduler.logged()
        assert web.stop(signal.SIGINT).status == 0, web.logged()
    assert "Traceback" not in scheduler.logged() + web.logged()
