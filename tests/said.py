"""A chat's replies as the things said, for transcripts that read one reply at a time.

The engine joins a turn's text-only replies into the message that follows them, a blank line
between (`conversations.bursts`); no message of the shop's has a blank line of its own. Tests
that read what was said, in order, split a message back at those blank lines: its earlier
parts as plain text, the last with the message's photo, choices and links. Tests of how many
messages she gets count the messages themselves (`tests/integration/conversations/
test_bursts.py`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from conversations.bursts import GAP
from conversations.messages import Outbound
from conversations.plain_text import render


def things_said(outbounds: Iterable[Outbound]) -> list[str]:
    return [render(part) for outbound in outbounds for part in parts(outbound)]


def parts(outbound: Outbound) -> list[Outbound]:
    *earlier, last = outbound.text.split(GAP)
    return [*(Outbound(text=text) for text in earlier), dataclasses.replace(outbound, text=last)]
