"""Turning an answer into one of the offered choices: by tapped payload, number, label or
the word the button says.

The same flow therefore runs on channels without buttons. Typed, a choice is its number ("2",
"#2", "٢": its own where it has one, `Choice.number`, else its place), its label in either
language, case, accents, emoji and punctuation aside ("yes, open my shop" for "Ndiyo, fungua
duka langu"), or a tap word (`TapWord`: "ndiyo", "yes",
"hapana", "tayari", "skip", …) naming the one offered choice of the same meaning: the meaning
the flow declares (`Choice.means`: "ndiyo" for "Use the pin"), else its label's first word
("ndiyo" for "Yes, that's me"). Where no choice means no, a no declines through the one that
means skip. A yes or a no typed where buttons were offered is an answer to the buttons: if it
picks none (`refused_yes_no`) it is refused, never passed on as a free-text answer.

Only an offered payload is resolved here; the dispatcher answers any other before it gets
this far (`dispatch`): a payload is never typed text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from typing import Final

from conversations.i18n import translations_of
from conversations.messages import Choice, Inbound, TapWord, numbered
from store.text import read_int

_NUMBER = re.compile(r"#?\s*(\d{1,3})\s*[.)]?")


# The words, in English and Swahili (as `normalise_label` leaves them), for each meaning.
TAP_WORDS: Final[Mapping[TapWord, frozenset[str]]] = {
    TapWord.YES: frozenset({"yes", "y", "yeah", "yep", "ndiyo", "ndio", "naam"}),
    TapWord.NO: frozenset({"no", "n", "nope", "hapana", "apana", "la"}),
    TapWord.DONE: frozenset({"done", "finished", "tayari", "nimemaliza", "basi"}),
    TapWord.SKIP: frozenset({"skip", "ruka"}),
}
# "Skip", typed where a question may be skipped (a story, a reason), in English and Swahili.
SKIP_WORDS: Final = TAP_WORDS[TapWord.SKIP]
_YES_NO: Final = frozenset({TapWord.YES, TapWord.NO})


def is_choice_number(text: str) -> bool:
    """Whether `text` is a number as a choice is picked by ("2", "#2", "2.")."""
    return _NUMBER.fullmatch(text.strip()) is not None


def is_skip(text: str) -> bool:
    """ "skip", "Ruka.", " SKIP! " → True."""
    return text.strip().casefold().rstrip(".!") in SKIP_WORDS


def normalise_label(text: str) -> str:
    """Case-, accent-, emoji- and punctuation-insensitive form of a label."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch for ch in decomposed if ch.isalnum() or ch.isspace())
    return " ".join(kept.split())


def tap_word(text: str) -> TapWord | None:
    """The meaning of a typed tap word ("Ndiyo!", " YES ", "tayari." ...), or None."""
    typed = normalise_label(text)
    return next((word for word, words in TAP_WORDS.items() if typed in words), None)


def refused_yes_no(inbound: Inbound, offered: tuple[Choice, ...]) -> bool:
    """She typed a yes or a no that named none of the offered choices, where the question
    offered buttons: it answers the buttons, never the question's free-text part (her name
    or her place is not "hapana", nor a rejection reason "yes")."""
    if inbound.payload is not None or inbound.photos or tap_word(inbound.text) not in _YES_NO:
        return False
    return bool(offered)


def meaning_of(choice: Choice) -> TapWord | None:
    """What a choice means: the meaning its flow declares, else its label's first word's."""
    if choice.means is not None:
        return choice.means
    first = normalise_label(choice.label).split()[:1]
    return tap_word(first[0]) if first else None


def _label_forms(label: str) -> frozenset[str]:
    return frozenset(normalise_label(wording) for wording in translations_of(label))


def names_choice(text: str, offered: tuple[Choice, ...]) -> bool:
    """Whether `text` is the label of an offered choice, in either language."""
    wanted = normalise_label(text)
    return bool(wanted) and any(
        normalise_label(choice.label) == wanted or wanted in _label_forms(choice.label)
        for choice in offered
    )


def names_message(text: str, label: str) -> bool:
    """Whether `text` is `label` (an N_() message or its translation) in either language."""
    wanted = normalise_label(text)
    return bool(wanted) and wanted in _label_forms(label)


def is_offered(payload: str, offered: tuple[Choice, ...]) -> bool:
    return any(choice.payload == payload for choice in offered)


def resolve_choice(inbound: Inbound, offered: tuple[Choice, ...]) -> Inbound:
    """The inbound with `payload` set to the chosen choice's payload (a tapped one, or one
    typed by number, label or tap word), or None if none fits. A tapped payload not offered
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
        typed = read_int(number.group(1))
        chosen = next((c for n, c in numbered(offered) if n == typed), None)
        return replace(inbound, payload=chosen.payload) if chosen is not None else inbound
    wanted = normalise_label(text)
    if not wanted:
        return inbound
    # Her own language's label first: another language may word two of them alike.
    for matches in (
        [choice for choice in offered if normalise_label(choice.label) == wanted],
        [choice for choice in offered if wanted in _label_forms(choice.label)],
        _by_word(tap_word(text), offered),
    ):
        if len(matches) == 1:
            return replace(inbound, payload=matches[0].payload)
        if matches:  # more than one fits: none is chosen
            return inbound
    return inbound


def _by_word(word: TapWord | None, offered: tuple[Choice, ...]) -> list[Choice]:
    if word is None:
        return []
    matches = [choice for choice in offered if meaning_of(choice) is word]
    if not matches and word is TapWord.NO:  # "no" to a question she may skip declines it
        matches = [choice for choice in offered if meaning_of(choice) is TapWord.SKIP]
    return matches
