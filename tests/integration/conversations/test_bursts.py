"""A turn that says several things reaches her as one message, on both databases, within her
channel's length limit (WhatsApp 1,600 characters, Telegram 4,096): the engine joins the
turn's replies once, for every flow (`conversations.bursts`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conversations.flow import END, Flow, FlowRegistry, StepContext, StepResult
from store.models import Channel
from tests.integration.conversations.conftest import Bugs, Chat, build_registry

LIMITS = {Channel.WHATSAPP: 1600, Channel.TELEGRAM: 4096}
STORY = [f"Part {n}: " + "shanga " * 100 for n in range(8)]  # 8 × 709 characters


def chatty_start(ctx: StepContext, arg: str) -> StepResult:
    for part in STORY:
        ctx.say(part.strip())
    return StepResult(END)


@pytest.fixture
def registry(bugs: Bugs) -> FlowRegistry:
    registry = build_registry(bugs)
    registry.add(Flow("chatty", {}, chatty_start))
    registry.add_start_route("chatty", "chatty")
    return registry


@pytest.mark.parametrize("channel", [Channel.TELEGRAM, Channel.WHATSAPP])
def test_said_then_the_menu_is_one_message(new_chat: Callable[..., Chat], channel: Channel) -> None:
    chat = new_chat("amina", channel=channel)
    chat.send("Hi")
    assert chat.send_for_messages("1") == [
        "OK, we'll chat in English.\n\nWhat would you like to do?\n1. Colours\n9. More"
    ]


@pytest.mark.parametrize("channel", [Channel.TELEGRAM, Channel.WHATSAPP])
def test_a_long_turn_is_split_only_where_the_channel_needs_it(
    new_chat: Callable[..., Chat], channel: Channel
) -> None:
    chat = new_chat("amina", channel=channel)
    chat.send("Hi")
    chat.send("1")
    sent = chat.send_for_messages("/start chatty")
    limit = LIMITS[channel]
    assert all(len(message) <= limit for message in sent)
    assert len(sent) == -(-sum(len(p.strip()) + 2 for p in STORY) // limit)  # as few as fit
    assert "\n\n".join(sent) == "\n\n".join(part.strip() for part in STORY)  # all, in order
