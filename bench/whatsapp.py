"""WhatsApp path: how fast Twilio gets its answer, the delivery rate against the 80/s cap, and
how soon a reply reaches Twilio.

Serves the real web app (uvicorn) on SQLite with a fake Twilio API in this process; posts
signed webhook forms from 20 people, then drains the outbox through the real twilio Client.
Then, with the delivery thread running as in `soko run`, new people write one at a time and
each reply is timed from the signed webhook POST to the fake Twilio receiving it. Prints the
figures, then one line of JSON.

    PYTHONPATH=. .venv/bin/python bench/whatsapp.py [MESSAGES]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and bench/telegram.py would shadow the
# `telegram` package that the app imports: drop the folder.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the fake Twilio is in tests/

import httpx
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot.container import Container
from bot.settings import Settings
from bot.web import create_app
from bot.whatsapp import WhatsAppChannel, build_whatsapp, start_whatsapp_delivery
from bot.wiring import host
from store.migrate import upgrade
from store.models import InboxMessage, InboxStatus
from tests.fakes.twilio_api import FakeTwilio, Served

SID, TOKEN = "AC" + "5" * 32, "bench-token"
WEBHOOK = "https://shop.example/webhooks/twilio/whatsapp"
REPLIES = 40  # people timed one at a time, webhook to Twilio
PAUSE_S = (0.2, 1.2)  # between one reply and the next person's message, as people read first
REPLY_TIMEOUT_S = 10.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def signed_post(
    http: httpx.Client, port: int, validator: RequestValidator, form: dict[str, str]
) -> None:
    signature = validator.compute_signature(WEBHOOK, form)
    response = http.post(
        f"http://127.0.0.1:{port}/webhooks/twilio/whatsapp",
        data=form,
        headers={"X-Twilio-Signature": signature, "Host": "shop.example"},
    )
    assert response.status_code == 200, (response.status_code, response.text)


def reply_latencies(
    fake: FakeTwilio, channel: WhatsAppChannel, http: httpx.Client, port: int
) -> list[float]:
    """Milliseconds from each signed webhook POST to the fake Twilio receiving its first
    reply, with the delivery thread running; new people, one at a time (no bursts), each
    after a pause (so that a message does not merely catch the sender still busy with the
    one before)."""
    validator = RequestValidator(TOKEN)
    pauses = random.Random(20)
    stop = threading.Event()
    thread = start_whatsapp_delivery(channel, stop)
    latencies: list[float] = []
    try:
        for n in range(REPLIES):
            phone = f"2547100000{n:02d}"
            form = {"MessageSid": f"SM{0xBEEF + n:032x}", "WaId": phone, "Body": "menu"}
            time.sleep(pauses.uniform(*PAUSE_S))
            t0 = time.perf_counter()
            signed_post(http, port, validator, form)
            while not (replies := fake.messages_to(f"+{phone}")):
                if time.perf_counter() - t0 > REPLY_TIMEOUT_S:
                    raise TimeoutError(f"no reply to {phone} in {REPLY_TIMEOUT_S} s")
                time.sleep(0.0005)
            latencies.append((replies[0].received_at - t0) * 1000)
    finally:
        stop.set()
        channel.delivery.close(1.0)
        thread.join(2.0)
    return latencies


def main(messages: int = 400) -> dict[str, float]:
    fake = FakeTwilio(SID, TOKEN)
    with tempfile.TemporaryDirectory() as tmp, Served(fake.app()) as fake_port:
        fake.port = fake_port
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite:///{Path(tmp) / 'soko.db'}",
            media_dir=Path(tmp) / "media",
            public_base_url="https://shop.example",
            twilio_account_sid=SID,
            twilio_auth_token=TOKEN,
            twilio_whatsapp_from="whatsapp:+14155238886",
            twilio_api_base_url=fake.base_url,
        )
        container = Container(settings)
        upgrade(container.engine)
        channel = build_whatsapp(host(container))
        app = create_app(container, channel.webhooks.routes())
        validator = RequestValidator(TOKEN)
        acks: list[float] = []
        with Served(app) as port, httpx.Client() as http:
            started = time.perf_counter()
            for n in range(messages):
                form = {
                    "MessageSid": f"SM{n:032x}",
                    "WaId": f"2547000000{n % 20:02d}",
                    "Body": "Hi" if n < 20 else "menu",
                    "NumMedia": "0",
                }
                t0 = time.perf_counter()
                signed_post(http, port, validator, form)
                acks.append((time.perf_counter() - t0) * 1000)
            while True:
                with container.uow_factory(read_only=True) as uow:
                    pending = uow.session.scalar(
                        select(func.count())
                        .select_from(InboxMessage)
                        .where(InboxMessage.status != InboxStatus.HANDLED)
                    )
                if not pending:
                    break
                time.sleep(0.05)
            handled_s = time.perf_counter() - started
            t0 = time.perf_counter()
            sent = 0
            while True:
                report = channel.delivery.deliver_due()
                if not report.outcomes:
                    break
                sent += report.sent
            deliver_s = time.perf_counter() - t0
            replies = reply_latencies(fake, channel, http, port)
        channel.close()
        container.close()
    figures = {
        "messages": messages,
        "ack_p50_ms": round(statistics.median(acks), 2),
        "ack_p99_ms": round(percentile(acks, 0.99), 2),
        "handled_per_s": round(messages / handled_s, 1),
        "sent": sent,
        "delivered_per_s": round(sent / deliver_s, 1),
        "reply_p50_ms": round(statistics.median(replies), 2),
        "reply_p99_ms": round(percentile(replies, 0.99), 2),
    }
    print(
        f"webhook answer to Twilio: p50 {figures['ack_p50_ms']} ms, p99 {figures['ack_p99_ms']} ms"
    )
    print(f"recorded and handled by the engine: {figures['handled_per_s']} messages/s")
    print(f"delivered {sent} messages at {figures['delivered_per_s']}/s (cap: 80/s per sender)")
    print(
        f"webhook to the reply reaching Twilio ({REPLIES} people, one at a time): "
        f"p50 {figures['reply_p50_ms']} ms, p99 {figures['reply_p99_ms']} ms (goal: p50 <= 50 ms)"
    )
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
