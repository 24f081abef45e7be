"""The materials check: no plastic, no pre-made components; upcycled and natural welcome.

Artisans name materials in English, Swahili or a mix ("shanga za plastiki", "brass wire").
Each is read through the vocabulary (store/vocabulary.py) as canonical materials, and each
material falls under a rule of Soko's standards (store/standards.py): ``welcome``, ``refused``
(plastic, nylon, acrylic, resin, ready-made parts: the listing is flagged) or ``check`` (a
community manager looks: "gold", "crystal", a chain). A community manager still has the last
word: the standard flags a listing for attention, it does not reject it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from store.standards import Rule, Verdict
from store.vocabulary import Kind, Term, vocabulary


@dataclass(frozen=True)
class Flag:
    """A canonical material and the rule that flags it."""

    material: Term
    rule: Rule


@dataclass(frozen=True)
class StandardsCheck:
    """A piece's canonical materials that go against the standard, or need a manager's look,
    each with the rule it falls under."""

    refused: tuple[Flag, ...]
    to_check: tuple[Flag, ...]


def _verdicts(material: str) -> set[Verdict]:
    return {term.verdict for term in vocabulary().read_materials(material).materials}


def is_flagged(material: str) -> bool:
    """Whether ``material`` (as she typed it) names a refused material (plastic, nylon, …)."""
    return Verdict.REFUSED in _verdicts(material)


def assess_materials(materials: Iterable[str]) -> list[str]:
    """The materials (as given, in order) that go against the standard."""
    return [material for material in materials if is_flagged(material)]


def refusing_rules(materials: Iterable[str]) -> list[Rule]:
    """The rules that refuse what ``materials`` (as she typed them) name, first named first."""
    rules: dict[str, Rule] = {}
    for material in materials:
        for term in vocabulary().read_materials(material).materials:
            if term.rule is not None and term.rule.verdict is Verdict.REFUSED:
                rules.setdefault(term.rule.code, term.rule)
    return list(rules.values())


def welcomed_materials(materials: Iterable[str]) -> list[str]:
    """The materials the standard welcomes (upcycled metal, glass beads, horn, bone, …)."""
    welcomed = []
    for material in materials:
        verdicts = _verdicts(material)
        if Verdict.WELCOME in verdicts and Verdict.REFUSED not in verdicts:
            welcomed.append(material)
    return welcomed


def check_codes(material_codes: Iterable[str]) -> StandardsCheck:
    """What a manager is told about a piece's canonical materials (codes no longer known
    to the vocabulary are skipped)."""
    flags = [
        Flag(term, term.rule)
        for code in dict.fromkeys(material_codes)
        if (term := vocabulary().term(Kind.MATERIAL, code)) is not None and term.rule is not None
    ]
    return StandardsCheck(
        refused=tuple(flag for flag in flags if flag.rule.verdict is Verdict.REFUSED),
        to_check=tuple(flag for flag in flags if flag.rule.verdict is Verdict.CHECK),
    )
