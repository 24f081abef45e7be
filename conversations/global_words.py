"""Words that work anywhere in a conversation, in English and Swahili, and `/start`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class GlobalWord(StrEnum):
    MENU = "menu"
    HELP = "help"
    CANCEL = "cancel"
    LANGUAGE = "language"
    START = "start"


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
}


@dataclass(frozen=True)
class Command:
    word: GlobalWord
    arg: str = ""  # `/start`'s payload (a deep link), else ""


def parse_global_word(text: str) -> Command | None:
    """`menu`, `MENYU `, `/help`, `/start@SokoBot ref-K7QX` … → a Command; other text → None.

    Plain `start` (without the slash) is ordinary text: it is too likely to be meant otherwise.
    """
    stripped = text.strip()
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
