"""Heartbeats on both databases: a beat replaces the last one of its name, and what did not
beat lately (or never) is stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store.heartbeats import SCHEDULER, beat, delivery, last_beats, stale
from store.uow import UnitOfWorkFactory

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_a_beat_replaces_the_last_and_old_beats_are_stale(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        beat(uow.session, SCHEDULER, T0, holder="host-a:1")
        beat(uow.session, delivery("telegram"), T0)
        uow.commit()
    with uow_factory() as uow:
        beat(uow.session, SCHEDULER, T0 + timedelta(seconds=5), holder="host-b:2")
        uow.commit()
    with uow_factory(read_only=True) as uow:
        beats = last_beats(uow.session)
    assert beats == {SCHEDULER: T0 + timedelta(seconds=5), "delivery:telegram": T0}
    names = [SCHEDULER, "delivery:telegram", "delivery:whatsapp"]
    now = T0 + timedelta(seconds=16)
    assert stale(beats, names, now, timedelta(seconds=15)) == [
        "delivery:telegram",
        "delivery:whatsapp",
    ]
