"""What scheduled jobs write, delivered through the real twilio client to the fake Twilio API:
a morning reminder after the 24-hour window goes out as its approved template; an abandoned-cart
nudge goes out only inside the window, as plain text."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.jobs import scheduled_jobs
from bot.plugins import channel_capabilities
from bot.whatsapp import run_whatsapp, whatsapp_passes
from conversations.jobs.nudges import nudge_abandoned_carts
from conversations.jobs.reminders import remind_artisans
from handlers.whatsapp.inbound import parse_update
from handlers.whatsapp.processing import record_update
from handlers.whatsapp.templates import TemplateSids, sync, utility_name
from store.models import (
    Cart,
    CartItem,
    Channel,
    Identity,
    InboxMessage,
    InboxStatus,
    OutboxMessage,
    OutboxStatus,
)
from store.models.types import utcnow
from tests.e2e.whatsapp.harness import WhatsApp, new_phone
from tests.factories import make_artisan, make_paid_order, make_product, make_user
from tests.fakes.twilio_api import FakeTwilio
from tests.said import things_in_all

CHANNELS = channel_capabilities()  # what the registered channel plug-ins can do

NAIROBI = ZoneInfo("Africa/Nairobi")


def on_whatsapp(whatsapp: WhatsApp, user_id: int, phone: str, last_wrote: datetime) -> None:
    with whatsapp.uow_factory() as uow:
        uow.session.add(
            Identity(
                user_id=user_id,
                channel=Channel.WHATSAPP,
                platform_user_id=phone,
                last_inbound_at=last_wrote,
            )
        )
        uow.commit()


def test_the_morning_reminder_after_the_window_goes_out_as_its_template(
    whatsapp_on_both: WhatsApp, fake_twilio: FakeTwilio
) -> None:
    whatsapp = whatsapp_on_both
    path = whatsapp.container.settings.twilio_templates_file
    sync(whatsapp.channel.client, path)
    now = datetime.now(UTC)
    phone = new_phone()
    with whatsapp.uow_factory() as uow:
        artisan = make_artisan(uow.session, "Neema", locale="sw")
        order = make_paid_order(
            uow.session, make_user(uow.session), [(make_product(uow.session, artisan), 1)]
        )
        order.paid_at = now - timedelta(days=1)
        uow.commit()
        user_id, code = artisan.user_id, order.code
    on_whatsapp(whatsapp, user_id, phone, last_wrote=now - timedelta(days=3))

    remind_artisans(whatsapp.uow_factory, now, NAIROBI)
    assert whatsapp.deliver().sent == 1
    [reminder] = whatsapp.new_messages(phone)
    sids = TemplateSids.load(path)
    assert reminder.content_sid == sids.get(utility_name("orders_waiting", "sw"))
    assert reminder.content_variables["1"].startswith("Habari za asubuhi, Neema!")
    assert code in reminder.content_variables["1"]


def test_a_cart_nudge_goes_out_inside_the_window_and_not_after_it(
    whatsapp_on_both: WhatsApp,
) -> None:
    whatsapp = whatsapp_on_both
    now = datetime.now(UTC)
    people = {}
    with whatsapp.uow_factory() as uow:
        product = make_product(uow.session, make_artisan(uow.session), title="Kazuri bangle")
        for name, wrote in (("inside", timedelta(hours=5)), ("outside", timedelta(hours=30))):
            buyer = make_user(uow.session, name)
            cart = Cart(user_id=buyer.id, updated_at=now - wrote)
            cart.items.append(CartItem(product_id=product.id, quantity=1))
            uow.session.add(cart)
            people[name] = (buyer.id, new_phone(), now - wrote)
        uow.commit()
    for user_id, phone, wrote_at in people.values():
        on_whatsapp(whatsapp, user_id, phone, last_wrote=wrote_at)

    nudged = nudge_abandoned_carts(whatsapp.uow_factory, now, CHANNELS)
    assert nudged == [people["inside"][0]]
    assert whatsapp.deliver().sent == 1
    [nudge] = whatsapp.new_messages(people["inside"][1])
    assert nudge.content_sid in ("", None)
    assert nudge.body.startswith("You left Kazuri bangle in your cart.")
    assert whatsapp.new_messages(people["outside"][1]) == []
    with whatsapp.uow_factory(read_only=True) as uow:
        rows = uow.session.scalars(select(OutboxMessage)).all()
        assert len(rows) == 1


def test_soko_scheduler_sweeps_and_delivers_for_whatsapp(whatsapp_on_both: WhatsApp) -> None:
    """What `soko scheduler` runs for WhatsApp: the sweep job handles a message a crashed web
    worker recorded (photos still to fetch included), and the sender — a loop, woken by the
    sweep's commits — sends the answers."""
    whatsapp = whatsapp_on_both
    phone = new_phone()
    with whatsapp.uow_factory() as uow:
        for text in ("Hi", "menu"):
            record_update(uow.session, parse_update(whatsapp.form(phone, text)), utcnow())
        uow.commit()  # … and the worker died before handling either

    jobs = {
        job.id: job for job in scheduled_jobs(whatsapp.container, whatsapp_passes(whatsapp.channel))
    }
    assert "deliver_outbox" not in jobs  # the sender is a loop, not a job

    async def scheduler() -> None:
        stop = asyncio.Event()
        sender = asyncio.create_task(run_whatsapp(whatsapp.channel, stop, sweep_first=False))
        await asyncio.to_thread(jobs["sweep_inbox"].run)
        await asyncio.to_thread(jobs["sweep_inbox"].run)  # twice = once
        for _ in range(600):  # a loaded machine: up to a minute
            if not pending(whatsapp) or sender.done():
                break
            await asyncio.sleep(0.1)
        stop.set()
        await sender

    asyncio.run(scheduler())
    answers = things_in_all(m.body for m in whatsapp.new_messages(phone))
    assert answers[0] == "Welcome to Soko! Buy and sell handmade jewelry."  # "Hi"
    assert answers[-1].startswith("What would you like to do?\n\n1. Shop jewelry")  # "menu"
    assert len(answers) == 3
    with whatsapp.uow_factory(read_only=True) as uow:
        statuses = uow.session.scalars(select(InboxMessage.status)).all()
        assert statuses == [InboxStatus.HANDLED, InboxStatus.HANDLED]
        unsent = uow.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status != OutboxStatus.SENT)
        ).all()
        assert unsent == []


def pending(whatsapp: WhatsApp) -> list[int]:
    with whatsapp.uow_factory(read_only=True) as uow:
        return list(
            uow.session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING)
            )
        )
