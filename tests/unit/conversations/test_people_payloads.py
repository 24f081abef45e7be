"""The People menu's payloads: what a choice carries, and what an answer is read as. A
payload is only what someone sent: anything not exactly ours is not an action."""

from __future__ import annotations

import pytest

from conversations.flows.people_card import Action, Tapped, tapped
from conversations.messages import MAX_PAYLOAD_BYTES, Inbound
from store.models import Channel


def answer(text: str = "", payload: str | None = None) -> Inbound:
    return Inbound(Channel.TELEGRAM, "7001", "m1", text=text, payload=payload)


@pytest.mark.parametrize(
    "sent",
    [
        Tapped(Action.MAKE_MENTOR, user_id=12),
        Tapped(Action.REMOVE_MANAGER, user_id=999_999_999_999_999_999),
        Tapped(Action.PROMISE_MANAGER, phone="+254733111222"),
        Tapped(Action.AGAIN),
        Tapped(Action.MENU),
    ],
)
def test_a_choice_tapped_now_or_on_an_old_message_reads_back_as_sent(sent: Tapped) -> None:
    assert len(sent.payload().encode()) <= MAX_PAYLOAD_BYTES
    assert tapped(answer(payload=sent.payload())) == sent
    # Typed, the same characters are words, never an action.
    assert tapped(answer(text=sent.payload())) is None


@pytest.mark.parametrize(
    "text",
    [
        "Make mentor",
        "pp:",
        "pp:mentor",  # whom?
        "pp:mentor:+254733111222",  # a person's action with a number
        "pn:mentor:+254733111222",
        "pp:pmentor:12",  # a number's action with a person
        "pn:pmentor:12",
        "pn:pmentor:+12",
        "pp:menu:12",
        "pa:mentor",
        "pa:menu:12",
        "pp:becomeowner:12",
        "pp:mentor:12; DROP TABLE users",
        "pp:mentor:-1",
        "xpp:mentor:12",
    ],
)
def test_anything_else_is_not_an_action(text: str) -> None:
    assert tapped(answer(text=text)) is None
    assert tapped(answer(payload=text)) is None
