"""`soko scheduler` next to N web workers in webhook mode: its Telegram sender, a loop of its
own on the event loop that owns python-telegram-bot's Bot, delivers what the workers wrote to
the outbox (no `deliver_outbox` job any more), and beats its heartbeat. On PostgreSQL it
listens for the workers' wake-ups on a connection of its own while it runs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import Engine, select, text

from bot.commands import scheduler as soko_scheduler
from bot.container import Container
from conversations import outbox
from conversations.messages import Outbound
from store.heartbeats import delivery, last_beats
from store.models import Channel, OutboxMessage, OutboxStatus, scheduler_jobs
from store.models.types import utcnow
from tests.e2e.soko_process import wait_until
from tests.e2e.telegram.telegram_support import settings_for
from tests.factories import make_user
from tests.fakes.telegram_api import FakeTelegram

CHAT = 424242


def test_soko_scheduler_delivers_the_outbox_by_itself(
    container: Container, fake_telegram: FakeTelegram
) -> None:
    with container.uow_factory() as uow:
        user = make_user(uow.session, "Amina")
        outbox.enqueue(
            uow.session,
            user.id,
            Channel.TELEGRAM,
            str(CHAT),
            Outbound(text="Your order K7Q-2MX is on its way."),
            now=utcnow(),
        )
        uow.commit()

    async def run_until_sent() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(soko_scheduler.serve(container, stop))
        for _ in range(600):  # at once; allow a loaded machine 60 s
            if fake_telegram.sent_to(CHAT) or task.done():
                break
            await asyncio.sleep(0.1)
        stop.set()
        await task

    asyncio.run(run_until_sent())
    [sent] = fake_telegram.sent_to(CHAT)
    assert sent.params["text"] == "Your order K7Q-2MX is on its way."
    with container.uow_factory(read_only=True) as uow:
        assert uow.session.scalars(select(OutboxMessage.status)).all() == [OutboxStatus.SENT]
        jobs = set(uow.session.scalars(select(scheduler_jobs.c.id)))
        beats = last_beats(uow.session)
    assert {"sweep_inbox", "expire_unpaid_orders"} <= jobs
    assert "deliver_outbox" not in jobs
    assert delivery("telegram") in beats


def test_on_postgresql_soko_scheduler_listens_for_the_workers_wake_ups(
    postgres_engine: Engine,
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
) -> None:
    _, url = telegram_server
    database_url = postgres_engine.url.render_as_string(hide_password=False)
    container = Container(settings_for(database_url, tmp_path / "media", url))

    def listening() -> bool:
        with postgres_engine.connect() as connection:
            return bool(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE application_name = 'soko-listener' AND query LIKE 'LISTEN%'"
                        # other tests' shops on this server listen too
                        " AND datname = current_database()"
                    )
                )
            )

    async def run_until_sent() -> bool:
        stop = asyncio.Event()
        task = asyncio.create_task(soko_scheduler.serve(container, stop))
        heard = False
        for _ in range(600):  # allow a loaded machine 60 s
            heard = await asyncio.to_thread(listening)
            if heard or task.done():
                break
            await asyncio.sleep(0.1)
        # A web worker's reply, committed while the scheduler runs.
        with container.uow_factory() as uow:
            user = make_user(uow.session, "Wanjiru")
            outbox.enqueue(
                uow.session, user.id, Channel.TELEGRAM, str(CHAT), Outbound("Karibu!"), now=utcnow()
            )
            uow.commit()
        for _ in range(600):
            if fake_telegram.sent_to(CHAT) or task.done():
                break
            await asyncio.sleep(0.1)
        stop.set()
        await task
        return heard

    try:
        assert asyncio.run(run_until_sent())  # it listened while it ran
    finally:
        container.close()
    [sent] = fake_telegram.sent_to(CHAT)
    assert sent.params["text"] == "Karibu!"
    wait_until(lambda: not listening(), 30, "the listener to close")  # stopped with it
