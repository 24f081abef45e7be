"""Turning an answer into one of the offered choices: by tapped payload, number, or label.

The same flow therefore runs on channels without buttons. A payload that was not offered is
untrusted: it is handed on as plain text and never as a choice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Final

from conversations.messages import Choice, Inbound

_NUMBER = re.compile(r"#?\s*(\d{1,3})\s*[.)]?")
# "Skip", typed where a question may be skipped (a story, a reason), in English and Swahili.
SKIP_WORDS: Final = frozenset({"skip", "ruka"})


def is_skip(text: str) -> bool:
    """ "skip", "Ruka.", " SKIP! " → True."""
    return text.strip().casefold().rstrip(".!") in SKIP_WORDS


def normalise_label(text: str) -> str:
    """Case-, accent-, emoji- and punctuation-insensitive form of a label."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch for ch in decomposed if ch.isalnum() or ch.isspace())
    return " ".join(kept.split())


def resolve_choice(inbound: Inbound, offered: tuple[Choice, ...]) -> Inbound:
    """The inbound with `payload` set to the chosen choice's payload, or None if none fits."""
    if inbound.payload is not None:
        if any(choice.payload == inbound.payload for choice in offered):
            return inbound
        inbound = replace(inbound, payload=None, text=inbound.text or inbound.payload)
    text = inbound.text.strip()
    if not offered or not text:
        return inbound
    number = _NUMBER.fullmatch(text)
    if number:
        index = int(number.group(1))
        if 1 <= index <= len(offered):
            return replace(inbound, payload=offered[index - 1].payload)
        return inbound
    wanted = normalise_label(text)
    matches = [choice for choice in offered if normalise_label(choice.label) == wanted]
    if wanted and len(matches) == 1:
        return replace(inbound, payload=matches[0].payload)
    return inbound
