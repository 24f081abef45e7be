"""Turning an answer into one of the offered choices: by tapped payload, number, or label.

The same flow therefore runs on channels without buttons. Only an offered payload is resolved
here; the dispatcher answers any other before it gets this far (`dispatch`): a payload is
never typed text.
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


def is_offered(payload: str, offered: tuple[Choice, ...]) -> bool:
    return any(choice.payload == payload for choice in offered)


def resolve_choice(inbound: Inbound, offered: tuple[Choice, ...]) -> Inbound:
    """The inbound with `payload` set to the chosen choice's payload (a tapped one, or one
    typed by number or label), or None if none fits. A tapped payload that was not offered
    is dropped, never read as text (the dispatcher answers those before they get here)."""
    if inbound.payload is not None:
        if is_offered(inbound.payload, offered):
            return inbound
        return replace(inbound, payload=None)
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
