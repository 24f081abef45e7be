"""The language of someone's first words, for a newcomer whose app does not tell us hers.

A short list of the words people open a chat with is enough: greetings, "I want", "yes",
"price", the things the shop sells. Matching ignores case, accents, punctuation and letters
held for emphasis ("Habariii?" is "habari"); words with digits are codes or prices, not
language. The language with the most words known decides; a tie, or none known, decides
nothing (the shop's default does). A new language adds its own list to `FIRST_WORDS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Final

from conversations.global_words import parse_global_word

_SWAHILI: Final = """
    habari jambo hujambo sijambo mambo poa sasa niaje vipi shikamoo marahaba salama salamu
    hodi karibu asante ahsante shukrani tafadhali ndiyo ndio hapana sawa sana nzuri mzima
    asubuhi mchana jioni usiku yako yangu wewe gani nini ngapi naweza unaweza
    jiunge kujiunga nataka ninataka tunataka naomba ningependa nauza kuuza uza nunua kununua
    bei pesa mkufu mikufu hereni bangili shanga vito kito duka kazi rafiki kiswahili
    msaada lugha menyu ghairi acha ruka msimbo
"""
_ENGLISH: Final = """
    hi hello hey hiya hallo good morning afternoon evening thanks thank please
    join want would like yes yeah yep price prices cost how much what where which is are the
    my your me do can have need buy buying sell selling necklace necklaces earring earrings
    bracelet bracelets bead beads jewelry jewellery shop order interested help language english
"""


def _squeezed(word: str) -> str:
    """A word without accents, case or held letters: "Habáriii" → "habari", "good" → "god"."""
    plain = unicodedata.normalize("NFKD", word)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    return re.sub(r"(.)\1+", r"\1", plain)


# Each language's words, as they are compared.
FIRST_WORDS: Final = {
    "sw": frozenset(_squeezed(word) for word in _SWAHILI.split()),
    "en": frozenset(_squeezed(word) for word in _ENGLISH.split()),
}
# Words that only greet ("Habari za asubuhi", "Mambo vipi", "Good morning"), in any language.
_GREETINGS: Final = """
    habari jambo hujambo mambo poa sasa niaje vipi shikamoo salama salamu hodi za yako
    asubuhi mchana jioni
    hi hello hey hiya hallo good morning afternoon evening there
"""
GREETINGS: Final = frozenset(_squeezed(word) for word in _GREETINGS.split())
_WORD = re.compile(r"\w+")
_DIGITS_OR_UNDERSCORE = re.compile(r"[\d_]")


def language_of_words(text: str) -> str | None:
    """The locale (a key of `FIRST_WORDS`) `text` is clearly written in, else None."""
    stripped = text.strip()
    if stripped.startswith("/"):  # a bot command (`/start ref-…`): no words of hers
        return None
    if parse_global_word(stripped) is not None:  # "JIUNGE KQ7-M2X": the code is not words
        stripped = stripped.split(maxsplit=1)[0]
    counts: Counter[str] = Counter()
    for token in _WORD.findall(stripped):
        if _DIGITS_OR_UNDERSCORE.search(token):
            continue
        word = _squeezed(token)
        counts.update(locale for locale, words in FIRST_WORDS.items() if word in words)
    ranked = counts.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def is_greeting(text: str) -> bool:
    """Whether `text` only greets: every word of it a greeting ("Habariii!", "mambo vipi")."""
    words = [_squeezed(token) for token in _WORD.findall(text)]
    return bool(words) and all(word in GREETINGS for word in words)
