"""A written WhatsApp reply wakes the sender: it goes out at once, not at the sender's next look
(here an hour away), as Telegram's replies do."""

from __future__ import annotations

import threading

import pytest

from bot.whatsapp import start_whatsapp_delivery
from handlers.whatsapp.delivery import DeliveryReport
from tests.e2e.soko_process import wait_until
from tests.e2e.whatsapp.harness import WhatsApp, new_phone, rendered

AN_HOUR = 3600.0


def test_her_reply_goes_out_without_waiting_for_the_senders_next_look(
    whatsapp: WhatsApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivery = whatsapp.channel.delivery
    looked_and_found_nothing = threading.Event()
    deliver_due = delivery.deliver_due

    def watched() -> DeliveryReport:
        report = deliver_due()
        if not report.outcomes:
            looked_and_found_nothing.set()
        return report

    monkeypatch.setattr(delivery, "deliver_due", watched)
    stop = threading.Event()
    thread = start_whatsapp_delivery(whatsapp.channel, stop, idle_seconds=AN_HOUR)
    try:
        # Its first look found nothing: the next one is an hour away.
        assert looked_and_found_nothing.wait(20)
        phone = new_phone()
        response = whatsapp.post(whatsapp.form(phone, "Habari"))
        assert response.status_code == 200

        wait_until(lambda: whatsapp.fake.messages_to(phone), what="her reply at Twilio")
        first = rendered(whatsapp.fake.messages_to(phone)[0])
        assert "Soko" in first
    finally:
        stop.set()
        delivery.close(1.0)
        thread.join(5)
    assert not thread.is_alive()
