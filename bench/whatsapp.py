"""WhatsApp path: how fast Twilio gets its answer, and the delivery rate against the 80/s cap.

Serves the real web app (uvicorn) on SQLite with a fake Twilio API in this process; posts
signed webhook forms from 20 people, then drains the outbox through the real twilio Client.
Prints the figures, then one line of JSON.

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
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the fake Twilio is in tests/

import httpx
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot.container import Container
from bot.settings import Settings
from bot.web import create_app
from bot.whatsapp import build_whatsapp
from bot.wiring import host
from store.migrate import upgrade
from store.models import InboxMessage, InboxStatus
from tests.fakes.twilio_api import FakeTwilio, Served

SID, TOKEN = "AC" + "5" * 32, "bench-token"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


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
                signature = validator.compute_signature(
                    "https://shop.example/webhooks/twilio/whatsapp", form
                )
                t0 = time.perf_counter()
                response = http.post(
                    f"http://127.0.0.1:{port}/webhooks/twilio/whatsapp",
                    data=form,
                    headers={"X-Twilio-Signature": signature},
                )
                acks.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
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
        channel.close()
        container.close()
    figures = {
        "messages": messages,
        "ack_p50_ms": round(statistics.median(acks), 2),
        "ack_p99_ms": round(percentile(acks, 0.99), 2),
        "handled_per_s": round(messages / handled_s, 1),
        "sent": sent,
        "delivered_per_s": round(sent / deliver_s, 1),
    }
    print(
        f"webhook answer to Twilio: p50 {figures['ack_p50_ms']} ms, p99 {figures['ack_p99_ms']} ms"
    )
    print(f"recorded and handled by the engine: {figures['handled_per_s']} messages/s")
    print(f"delivered {sent} messages at {figures['delivered_per_s']}/s (cap: 80/s per sender)")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
