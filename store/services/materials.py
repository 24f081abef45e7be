"""The materials standard: no plastic, no pre-made components; upcycled and natural welcome.

Artisans name materials in English, Swahili or a mix ("shanga za plastiki", "brass wire").
Matching is on words after case- and accent-folding: a word starting with a flagged stem
("Plastiki", "resins") or a flagged phrase ("PRE-MADE", "ready made") is caught, never a stem
hidden inside another word. A community manager still has the last word: these lists flag a
listing for attention, they do not reject it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Final

# Word stems: a material word starting with one of these is flagged ("plastics", "resins").
_FLAGGED_STEMS: Final = (
    "plastic",
    "plastik",  # Swahili: plastiki
    "acrylic",
    "akriliki",
    "resin",
    "nylon",
    "polyester",
    "polymer",
    "vinyl",
    "pvc",
    "perspex",
    "lucite",
    "styrofoam",
)
# Whole phrases (as word sequences): pre-made and ready-made components.
_FLAGGED_PHRASES: Final = (
    ("premade",),
    ("pre", "made"),
    ("readymade",),
    ("ready", "made"),
    ("store", "bought"),
    ("factory", "made"),
    ("mass", "produced"),
)

_WELCOME_WORDS: Final = frozenset(
    {
        # English
        "upcycled",
        "recycled",
        "reclaimed",
        "brass",
        "copper",
        "bronze",
        "silver",
        "aluminium",
        "aluminum",
        "metal",
        "glass",
        "bead",
        "beads",
        "horn",
        "bone",
        "wood",
        "wooden",
        "seed",
        "seeds",
        "leather",
        "cowrie",
        "shell",
        "shells",
        "soapstone",
        "sisal",
        "cotton",
        "kitenge",
        "kanga",
        # Swahili
        "shanga",  # beads
        "pembe",  # horn
        "mfupa",  # bone
        "mifupa",  # bones
        "shaba",  # copper / brass
        "mbao",  # wood
        "ngozi",  # leather
        "glasi",  # glass
        "kioo",  # glass
        "vioo",  # glass (plural)
        "mbegu",  # seeds
        "chuma",  # metal / iron
        "fedha",  # silver
        "uzi",  # thread
        "kauri",  # cowrie
        "jiwe",  # stone
        "mawe",  # stones
    }
)

_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    return _WORD.findall(ascii_only)


def _contains_phrase(words: Sequence[str], phrase: Sequence[str]) -> bool:
    size = len(phrase)
    return any(tuple(words[i : i + size]) == tuple(phrase) for i in range(len(words) - size + 1))


def is_flagged(material: str) -> bool:
    """Whether ``material`` goes against the standard (plastic, resin, pre-made, …)."""
    words = _words(material)
    if any(word.startswith(_FLAGGED_STEMS) for word in words):
        return True
    return any(_contains_phrase(words, phrase) for phrase in _FLAGGED_PHRASES)


def assess_materials(materials: Iterable[str]) -> list[str]:
    """The materials (as given, in order) that go against the standard."""
    return [material for material in materials if is_flagged(material)]


def welcomed_materials(materials: Iterable[str]) -> list[str]:
    """The materials the standard welcomes (upcycled metal, glass beads, horn, bone, …)."""
    return [
        material
        for material in materials
        if not is_flagged(material) and any(w in _WELCOME_WORDS for w in _words(material))
    ]
