"""What a notification's payload wakes: the senders of the channel it names (and only those);
a payload nobody here knows is ignored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conversations import outbox
from store.models import Channel
from store.wakeups import dispatch


@pytest.fixture
def woken() -> Iterator[list[Channel]]:
    calls: list[Channel] = []
    forgets = [
        outbox.on_queued(channel, lambda channel=channel: calls.append(channel))
        for channel in (Channel.TELEGRAM, Channel.WHATSAPP)
    ]
    yield calls
    for forget in forgets:
        forget()


def test_a_payload_wakes_the_sender_of_the_channel_it_names(woken: list[Channel]) -> None:
    assert dispatch("outbox:whatsapp")
    assert woken == [Channel.WHATSAPP]


@pytest.mark.parametrize("payload", ["", "outbox", "outbox:fax", "ghosts:telegram", ":telegram"])
def test_a_payload_nobody_knows_wakes_nobody(payload: str, woken: list[Channel]) -> None:
    assert not dispatch(payload)
    assert woken == []
