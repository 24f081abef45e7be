"""Delivery through the real twilio Client to the fake API: long messages in parts, 429 and
63018 answered with a later retry, held messages released when the person writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.health import health
from conversations import outbox
from conversations.messages import Outbound
from handlers.whatsapp.delivery import MAX_ATTEMPTS
from store.models import Channel, Identity, OutboxMessage, OutboxStatus
from tests.e2e.whatsapp.harness import ACCOUNT_SID, WhatsApp
from tests.fakes.twilio_api import FakeTwilio

PHONE = "+254700123456"
OTHER_PHONE = "+254700654321"


def queue(
    whatsapp: WhatsApp,
    outbound: Outbound,
    *,
    last_wrote: datetime | None = None,
    phone: str = PHONE,
    greet: bool = True,
) -> int:
    """A person who wrote to us (just now unless said otherwise) and a message for her."""
    if greet:
        whatsapp.send(phone, "Hi")
    with whatsapp.uow_factory() as uow:
        identity = uow.session.scalars(
            select(Identity).where(Identity.platform_user_id == phone)
        ).one()
        if last_wrote is not None:
            identity.last_inbound_at = last_wrote
        outbox_id = outbox.enqueue(
            uow.session,
            identity.user_id,
            Channel.WHATSAPP,
            phone,
            outbound,
            now=datetime.now(UTC),
        )
        uow.commit()
    return outbox_id


def row(whatsapp: WhatsApp, outbox_id: int) -> OutboxMessage:
    with whatsapp.uow_factory(read_only=True) as uow:
        found = uow.session.get(OutboxMessage, outbox_id)
        assert found is not None
        return found


def make_due(whatsapp: WhatsApp) -> None:
    with whatsapp.uow_factory() as uow:
        uow.session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC)))
        uow.commit()


def test_a_long_message_goes_in_parts_and_a_429_resumes_where_it_stopped(
    whatsapp: WhatsApp, fake_twilio: FakeTwilio
) -> None:
    text = "\n".join([("Shanga " * 200).strip()] * 3)  # 4,199 characters: three parts
    outbox_id = queue(whatsapp, Outbound(text))
    fake_twilio.script(None, (429, 20429))  # part one goes, part two is refused
    report = whatsapp.deliver()
    assert report.outcomes == {outbox_id: "retried"}
    first = row(whatsapp, outbox_id)
    assert (first.status, first.attempts, first.error) == (
        OutboxStatus.PENDING,
        1,
        "twilio 429/20429",
    )
    assert first.next_attempt_at > datetime.now(UTC)
    assert whatsapp.deliver().outcomes == {}  # not due yet

    make_due(whatsapp)
    assert whatsapp.deliver().outcomes == {outbox_id: "sent"}
    parts = [m.body for m in whatsapp.new_messages(PHONE)]
    assert len(parts) == 3  # part one once, then parts two and three
    assert all(len(p) <= 1600 for p in parts)
    assert "\n".join(parts) == text.strip()
    assert row(whatsapp, outbox_id).status is OutboxStatus.SENT


def test_a_permanent_refusal_is_failed_and_reported(
    whatsapp: WhatsApp, fake_twilio: FakeTwilio, caplog
) -> None:  # type: ignore[no-untyped-def]
    outbox_id = queue(whatsapp, Outbound("Hello"))
    fake_twilio.fail_next(400, 21211)  # invalid "To"
    assert whatsapp.deliver().outcomes == {outbox_id: "failed"}
    assert row(whatsapp, outbox_id).status is OutboxStatus.FAILED
    assert f"outbox row {outbox_id}: whatsapp message NOT delivered" in caplog.text


def test_outside_the_window_a_message_without_template_is_held_until_she_writes(
    whatsapp: WhatsApp,
) -> None:
    outbox_id = queue(
        whatsapp,
        Outbound("Your piece is approved"),
        last_wrote=datetime.now(UTC) - timedelta(days=1),
    )
    assert whatsapp.deliver().outcomes == {outbox_id: "held"}
    assert row(whatsapp, outbox_id).status is OutboxStatus.HELD
    answers = whatsapp.send(PHONE, "menu")
    assert answers[0] == "Your piece is approved"
    assert row(whatsapp, outbox_id).status is OutboxStatus.SENT


def test_a_failed_earlier_part_of_a_long_message_is_not_lost(whatsapp: WhatsApp, caplog) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join([("Shanga " * 200).strip()] * 3)  # three parts
    outbox_id = queue(whatsapp, Outbound(text))
    assert whatsapp.deliver().outcomes == {outbox_id: "sent"}
    first_part = whatsapp.new_messages(PHONE)[0]
    # Twilio calls back at the address it was given, query and all (signed with it).
    path = first_part.status_callback.removeprefix("https://shop.example")
    form = {"MessageSid": first_part.sid, "MessageStatus": "undelivered", "ErrorCode": "30008"}
    form["AccountSid"] = ACCOUNT_SID
    response = whatsapp.post(form, path=path)
    assert response.status_code == 204
    failed = row(whatsapp, outbox_id)
    assert (failed.status, failed.error) == (
        OutboxStatus.FAILED,
        "twilio 30008: part 1 not delivered",
    )
    assert f"outbox row {outbox_id}: part 1 of a whatsapp message NOT delivered" in caplog.text


def test_an_unreadable_answer_counts_as_an_attempt_and_holds_up_nobody_else(
    whatsapp: WhatsApp, fake_twilio: FakeTwilio
) -> None:
    whatsapp.send(OTHER_PHONE, "Hi")
    first = queue(whatsapp, Outbound("Your order is confirmed"))
    other = queue(whatsapp, Outbound("Your piece is approved"), phone=OTHER_PHONE, greet=False)
    fake_twilio.garble_next()  # Twilio took it, but its answer cannot be read
    assert whatsapp.deliver().outcomes == {first: "retried", other: "sent"}
    retried = row(whatsapp, first)
    assert (retried.status, retried.attempts) == (OutboxStatus.PENDING, 1)
    assert retried.error == "unexpected: JSONDecodeError"
    assert retried.next_attempt_at > datetime.now(UTC)  # backoff, not the claim's lease

    for _ in range(MAX_ATTEMPTS - 1):
        make_due(whatsapp)
        fake_twilio.garble_next()
        whatsapp.deliver()
    given_up = row(whatsapp, first)
    assert (given_up.status, given_up.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert health(whatsapp.uow_factory, datetime.now(UTC))["outbox_failed"] == 1
