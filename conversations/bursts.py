"""One message where a turn says several things: the text-only replies of a turn ("Saved.",
"Next step: …") are joined, a blank line between, into the reply that follows them, which
keeps its picture, choices and links; text-only replies at the end are joined into one.

Only within the channel's limits (`ChannelCapabilities.max_text`, `max_caption`): what would
not fit goes as a message of its own, so nothing is cut. A reply that edits an earlier message
in place (`Outbound.replaces`) or carries an invoice is never joined with another."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from conversations.capabilities import ChannelCapabilities
from conversations.messages import Outbound

GAP = "\n\n"
_NUMBER_WIDTH = len("99. ")  # how a choice's number is shown before its label, at most


def merged(replies: Sequence[Outbound], limits: ChannelCapabilities) -> list[Outbound]:
    """The turn's replies as the messages to send, in the same order."""
    out: list[Outbound] = []
    held: list[str] = []  # text-only replies not sent yet
    for reply in replies:
        if _text_only(reply):
            if held and not _fits(_join([*held, reply.text]), reply, limits):
                out.append(Outbound(text=_join(held)))
                held = []
            held.append(reply.text)
            continue
        if held and _joinable(reply):
            text = _join([*held, reply.text])
            if _fits(text, reply, limits):
                out.append(dataclasses.replace(reply, text=text))
                held = []
                continue
        if held:
            out.append(Outbound(text=_join(held)))
            held = []
        out.append(reply)
    if held:
        out.append(Outbound(text=_join(held)))
    return out


def _text_only(reply: Outbound) -> bool:
    return reply == Outbound(text=reply.text) and bool(reply.text.strip())


def _joinable(reply: Outbound) -> bool:
    return reply.invoice is None and not reply.replaces


def _join(texts: list[str]) -> str:
    return GAP.join(text.strip() for text in texts if text.strip())


def _fits(text: str, reply: Outbound, limits: ChannelCapabilities) -> bool:
    """Whether `text` with `reply`'s choices and links, as a channel writes them out, fits
    one message (a photo's caption when `reply` shows one)."""
    limit = limits.max_caption if reply.image is not None else limits.max_text
    if limit is None:
        return True
    extra = sum(len(c.label) + _NUMBER_WIDTH + 1 for c in reply.choices)
    extra += sum(len(link.label) + len(link.url) + 3 for link in reply.links)
    return len(text) + len(GAP) + extra <= limit
