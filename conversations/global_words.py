"""Words that work anywhere in a conversation, in English and Swahili, and `/start`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from conversations.payloads import Payload

# `/start` payload prefix of a mentor's referral deep link; the onboarding flow routes it.
REFERRAL_START_PREFIX = "ref-"
# "JOIN KQ7-M2X": the text a WhatsApp referral link (wa.me/…?text=) prefills, and a code as
# heard: "jiunge kqm xab", "JIUNGE KQMXAB", "Jiunge: k q m x a b." Codes are six letters or
# digits, any separators between them; three to ten are read, so that a code mistyped ("jiunge
# 8dj-5x") still starts her shop (onboarding says it could not be read). A code of letters
# only, not grouped with a hyphen, counts only when it is an active code (`parse_global_word`'s
# `active_code`), so that a shop called "Jiunge Shanga" typed mid-conversation stays text.
_JOIN = re.compile(
    r"(?:join|jiunge)(?:\s*:\s*|\s+)((?:[a-z0-9][\s\-_.]*){2,9}[a-z0-9])[.!]?", re.IGNORECASE
)
_CODE_SEPARATORS = re.compile(r"[\s\-_.]+")


class GlobalWord(StrEnum):
    MENU = "menu"
    HELP = "help"
    CANCEL = "cancel"
    LANGUAGE = "language"
    START = "start"
    STOP = "stop"  # no more reminders nobody asked for (abandoned-cart nudges)
    PHONE = "phone"  # share her number (`share_number`)
    RECEIVED = "received"  # her parcel arrived (`flows/delivery.py`)
    NOT_ARRIVED = "not_arrived"  # her parcel has not come: a case (`flows/cases.py`)
    DAMAGED = "damaged"  # her parcel came damaged: a case (`flows/cases.py`)


# The flow a typed "received" starts (registered by `conversations/flows/delivery.py`).
RECEIVED_FLOW = "delivery"
# The flow a typed "damaged" or "not arrived" starts (`conversations/flows/cases.py`), its
# argument the kind of case (a `store.models.CaseKind` value).
REPORT_FLOW = "report"


_WORDS = {
    "menu": GlobalWord.MENU,
    "menyu": GlobalWord.MENU,
    "help": GlobalWord.HELP,
    "msaada": GlobalWord.HELP,
    "cancel": GlobalWord.CANCEL,
    "ghairi": GlobalWord.CANCEL,
    "language": GlobalWord.LANGUAGE,
    "lugha": GlobalWord.LANGUAGE,
    "start": GlobalWord.START,
    "stop": GlobalWord.STOP,
    "acha": GlobalWord.STOP,
    "phone": GlobalWord.PHONE,
    "received": GlobalWord.RECEIVED,
    "nimepokea": GlobalWord.RECEIVED,
    "imefika": GlobalWord.RECEIVED,
    "damaged": GlobalWord.DAMAGED,
    "broken": GlobalWord.DAMAGED,
    "imeharibika": GlobalWord.DAMAGED,
    "imevunjika": GlobalWord.DAMAGED,
    "haijafika": GlobalWord.NOT_ARRIVED,
}
# Said as a whole message, words separated by any spaces.
_PHRASES = {
    "my number": GlobalWord.PHONE,
    "my phone": GlobalWord.PHONE,
    "namba yangu": GlobalWord.PHONE,
    "simu yangu": GlobalWord.PHONE,
    "it arrived": GlobalWord.RECEIVED,
    "it has arrived": GlobalWord.RECEIVED,
    "imefika salama": GlobalWord.RECEIVED,
    "not arrived": GlobalWord.NOT_ARRIVED,
    "it has not arrived": GlobalWord.NOT_ARRIVED,
    "it hasn't arrived": GlobalWord.NOT_ARRIVED,
    "bado haijafika": GlobalWord.NOT_ARRIVED,
    "it arrived damaged": GlobalWord.DAMAGED,
    "imefika imeharibika": GlobalWord.DAMAGED,
}


@dataclass(frozen=True)
class SayWord(Payload, tag="w"):
    """A button that says a global word: obeyed from any message, offered or not, as the
    typed word is (only the words in `BUTTON_WORDS`)."""

    word: GlobalWord


BUTTON_WORDS = frozenset({GlobalWord.MENU, GlobalWord.HELP, GlobalWord.CANCEL, GlobalWord.LANGUAGE})


def word_button(word: GlobalWord) -> str:
    """The payload of a button that says `word` (one of `BUTTON_WORDS`)."""
    if word not in BUTTON_WORDS:
        raise ValueError(f"{word} is not a word a button says")
    return SayWord(word).encode()


def tapped_word(payload: str | None) -> Command | None:
    """The global word a tapped button says, if it says one."""
    tapped = SayWord.read(payload)
    return Command(tapped.word) if tapped is not None and tapped.word in BUTTON_WORDS else None


@dataclass(frozen=True)
class Command:
    word: GlobalWord
    arg: str = ""  # `/start`'s payload (a deep link), else ""


def parse_global_word(
    text: str, active_code: Callable[[str], str | None] = lambda typed: None
) -> Command | None:
    """`menu`, `MENYU `, `/help`, `/start@SokoBot ref-K7QX` … → a Command; other text → None.

    Plain `start` (without the slash) is ordinary text: it is too likely to be meant otherwise.
    "JOIN <code>" (Swahili "JIUNGE <code>") is `/start ref-<code>`: a referral link's text, or
    a code as heard. A code with a digit or a hyphen is one as typed (onboarding finds which
    code she meant, or tells her it could not be read: "jiunge 8dj-5x"); letters alone are a
    code only when `active_code` names the active code they are (the stored form), else they
    are text ("Jiunge Shanga").
    """
    stripped = text.strip()
    join = _JOIN.fullmatch(stripped)
    if join:
        typed = _CODE_SEPARATORS.sub("", join.group(1)).upper()
        grouped = "-" in join.group(1) or any(ch.isdigit() for ch in typed)
        code = typed if grouped else active_code(typed)
        if code:
            return Command(GlobalWord.START, REFERRAL_START_PREFIX + code)
    phrase = _PHRASES.get(" ".join(stripped.casefold().rstrip(".!?").split()))
    if phrase is not None:
        return Command(phrase)
    is_command = stripped.startswith("/")
    head, _, rest = stripped.lstrip("/").partition(" ")
    head = head.split("@", 1)[0].casefold().rstrip(".!?")
    word = _WORDS.get(head)
    if word is None or (word is GlobalWord.START and not is_command):
        return None
    if word is GlobalWord.START:
        return Command(word, rest.strip())
    if rest.strip():
        return None  # "menu of the day" is a sentence, not the word
    return Command(word)
