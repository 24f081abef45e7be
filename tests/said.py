"""A chat's replies as the things said, for transcripts that read one reply at a time.

The engine joins a turn's text-only replies into the message that follows them, a blank line
between (`conversations.bursts`); no message of the shop's has a blank line of its own. Tests
that read what was said, in order, split a message back at those blank lines: its earlier
parts as plain text, the last with the message's photo, choices and links. Tests of how many
messages she gets count the messages themselves (`tests/integration/conversations/
test_bursts.py`)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from conversations.bursts import GAP
from conversations.messages import Outbound
from conversations.plain_text import render


def things_said(outbounds: Iterable[Outbound]) -> list[str]:
    return [render(part) for outbound in outbounds for part in parts(outbound)]


def parts(outbound: Outbound) -> list[Outbound]:
    *earlier, last = outbound.text.split(GAP)
    return [*(Outbound(text=text) for text in earlier), dataclasses.replace(outbound, text=last)]


# A WhatsApp numbered menu ("1. Necklaces"), which the renderer puts a blank line before.
_MENU_LINE = re.compile(r"\d+[.)] .+")


def things_in(message: str) -> list[str]:
    """A message as a channel showed it (end-to-end tests), split at the blank lines that
    joined a turn's replies; a numbered menu stays with the text above it, and a photo
    ("[photo] " first) with the last thing, whose caption it carried before."""
    photo = "[photo] "
    if message.startswith(photo) and GAP in message:
        *said, captioned = things_in(message.removeprefix(photo))
        return [*said, photo + captioned]
    things: list[str] = []
    for part in message.split(GAP):
        menu = part.splitlines() and all(_MENU_LINE.fullmatch(line) for line in part.splitlines())
        if menu and things:
            things[-1] += GAP + part
        else:
            things.append(part)
    return things


def things_in_all(messages: Iterable[str]) -> list[str]:
    return [thing for message in messages for thing in things_in(message)]
