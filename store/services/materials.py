"""The materials standard: no plastic, no pre-made components; upcycled and natural welcome.

Artisans name materials in English, Swahili or a mix ("shanga za plastiki", "brass wire").
Each is read through the vocabulary (store/vocabulary.py) as canonical materials, and the
standard is the vocabulary's: a material is ``welcome``, ``refused`` (plastic, nylon, acrylic,
resin, ready-made parts: the listing is flagged) or ``check`` (a community manager looks:
"gold", "crystal", a chain). A community manager still has the last word: the standard flags
a listing for attention, it does not reject it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from store.vocabulary import Kind, Standard, Term, vocabulary


@dataclass(frozen=True)
class StandardsCheck:
    """A piece's canonical materials that go against the standard, or need a manager's look."""

    refused: tuple[Term, ...]
    to_check: tuple[Term, ...]


def _standards(material: str) -> set[Standard]:
    return {term.standard for term in vocabulary().read_materials(material).materials}


def is_flagged(material: str) -> bool:
    """Whether ``material`` (as she typed it) names a refused material (plastic, nylon, …)."""
    return Standard.REFUSED in _standards(material)


def assess_materials(materials: Iterable[str]) -> list[str]:
    """The materials (as given, in order) that go against the standard."""
    return [material for material in materials if is_flagged(material)]


def welcomed_materials(materials: Iterable[str]) -> list[str]:
    """The materials the standard welcomes (upcycled metal, glass beads, horn, bone, …)."""
    welcomed = []
    for material in materials:
        standards = _standards(material)
        if Standard.WELCOME in standards and Standard.REFUSED not in standards:
            welcomed.append(material)
    return welcomed


def check_codes(material_codes: Iterable[str]) -> StandardsCheck:
    """What a manager is told about a piece's canonical materials (codes no longer known
    to the vocabulary are skipped)."""
    terms = [
        term
        for code in dict.fromkeys(material_codes)
        if (term := vocabulary().term(Kind.MATERIAL, code)) is not None
    ]
    return StandardsCheck(
        refused=tuple(term for term in terms if term.standard is Standard.REFUSED),
        to_check=tuple(term for term in terms if term.standard is Standard.CHECK),
    )
