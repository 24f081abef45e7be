"""Soko's standards in one place: the materials rules and the workshop-visit checklist.

The rules (what is welcome, what is refused, what needs a look) and the checklist are read
from ``store/data/standards.toml`` (by ``store.standards_file``); every vocabulary material
names its rule, so the listing check, the review card and the visit checklist all say the
same, in English and Swahili. A rule flags a listing for attention; a community manager
decides.
"""

from __future__ import annotations

from store.standards_file import (
    ChecklistItem,
    Rule,
    Standards,
    StandardsError,
    Verdict,
    in_language,
    standards,
)
from store.vocabulary import Kind, vocabulary

__all__ = [
    "ChecklistItem",
    "Rule",
    "Standards",
    "StandardsError",
    "Verdict",
    "in_language",
    "rule_for_material",
    "standards",
]


def rule_for_material(material_code: str) -> Rule | None:
    """The rule a vocabulary material falls under; None for a code the vocabulary does not
    know (a material since removed from it)."""
    term = vocabulary().term(Kind.MATERIAL, material_code)
    return None if term is None else term.rule
