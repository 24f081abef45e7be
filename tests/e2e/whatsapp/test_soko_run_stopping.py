"""`soko run` with WhatsApp as a real process against the fake Twilio: started on a database
nobody migrated, it creates it and answers; stopped (SIGINT or SIGTERM) while Twilio does not
answer a reply, it exits 0 within 10 s with no outbox row left claimed; started again, it
sends that reply at once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.e2e.soko_process import SokoProcess, outbox_counts
from tests.e2e.telegram.telegram_support import wait_until
from tests.e2e.whatsapp.harness import AUTH_TOKEN, message_sid
from tests.e2e.whatsapp.test_soko_run_whatsapp import env_for
from tests.fakes.serving import free_port
from tests.fakes.twilio_api import FakeTwilio

AMINA = "+254700111222"
ZAWADI = "+254700333444"


def say(public: str, phone: str, body: str) -> None:
    """Post a message from `phone` as Twilio does, until the web app is up to take it."""
    form = {
        "MessageSid": message_sid(),
        "WaId": phone.removeprefix("+"),
        "From": f"whatsapp:{phone}",
        "Body": body,
        "NumMedia": "0",
    }
    url = f"{public}/webhooks/twilio/whatsapp"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)

    def posted() -> bool:
        try:
            response = httpx.post(url, data=form, headers={"X-Twilio-Signature": signature})
        except httpx.TransportError:
            return False
        assert response.status_code == 200
        return True

    wait_until(posted, 60, "soko run to take a message")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_soko_run_stopped_while_twilio_hangs_sends_the_reply_after_a_restart(
    tmp_path: Path, fake_twilio: FakeTwilio, signum: int
) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = env_for(tmp_path, fake_twilio, public)  # no `soko db upgrade`: the file is not there
    soko = SokoProcess(["run", "--port", str(port)], env, tmp_path)
    try:
        soko.start()
        say(public, AMINA, "Hi")
        wait_until(lambda: bool(fake_twilio.messages_to(AMINA)), 60, "Amina answered")

        fake_twilio.hang()
        say(public, ZAWADI, "Habari")
        wait_until(lambda: fake_twilio.hung > 0, 30, "a reply in flight")
        status = soko.stop(signum)
    finally:
        soko.kill()
    assert status == 0, soko.errors()
    assert "Traceback" not in soko.errors()
    stopped_in = soko.stopped_in
    left = outbox_counts(env["DATABASE_URL"])
    assert left["claimed"] == 0
    assert left["pending"] >= 1
    assert left["handled"] == left["inbox"] == 2

    fake_twilio.unhang()
    soko.start()
    try:
        wait_until(lambda: bool(fake_twilio.messages_to(ZAWADI)), 60, "Zawadi answered")
        first_reply = time.monotonic() - soko.started_at
        wait_until(lambda: outbox_counts(env["DATABASE_URL"])["pending"] == 0, 30, "all sent")
        status = soko.stop(signum)
    finally:
        soko.kill()
    assert status == 0, soko.errors()
    assert AUTH_TOKEN not in soko.errors()
    sent = len(fake_twilio.messages_to(AMINA)) + len(fake_twilio.messages_to(ZAWADI))
    assert outbox_counts(env["DATABASE_URL"])["sent"] == sent  # none lost, none repeated
    print(
        f"\nsoko run (WhatsApp): stopped mid-reply in {stopped_in:.2f}s; restart to the"
        f" waiting reply {first_reply:.2f}s (process start included)"
    )


def test_soko_scheduler_stuck_on_twilio_stops_in_time_and_hands_the_reply_back(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    """With N web workers, `soko scheduler` sends from a job thread; a Twilio call that never
    answers cannot be cancelled there, so the reply is handed back after the grace period
    and the process exits anyway, within the time allowed."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = env_for(tmp_path, fake_twilio, public)
    web = SokoProcess(["web", "--port", str(port)], env, tmp_path)
    scheduler = SokoProcess(["scheduler"], env, tmp_path)
    fake_twilio.hang()
    try:
        web.start()
        scheduler.start()
        say(public, AMINA, "Hi")
        wait_until(lambda: fake_twilio.hung > 0, 60, "a reply in flight")
        status = scheduler.stop(signal.SIGTERM)
        print(f"\nsoko scheduler stuck on Twilio: stopped in {scheduler.stopped_in:.2f}s")
        assert status == 0, scheduler.errors()
        assert "Traceback" not in scheduler.errors()
        assert outbox_counts(env["DATABASE_URL"])["claimed"] == 0
        fake_twilio.unhang()
        scheduler.start()
        wait_until(lambda: bool(fake_twilio.messages_to(AMINA)), 60, "Amina answered")
        assert scheduler.stop(signal.SIGINT) == 0, scheduler.errors()
        assert web.stop(signal.SIGINT) == 0, web.errors()
    finally:
        scheduler.kill()
        web.kill()
    assert "Traceback" not in scheduler.errors() + web.errors()
