"""Soko's standards as written down: the only reader of ``store/data/standards.toml``.

The file holds the materials rules (each a code, a verdict — welcome, refused or check — and a
title and an explanation in every language) and the workshop-visit checklist (materials,
tools, working conditions: a title and a question in every language). It is checked whole
when read: a file that cannot be used raises StandardsError naming the file and the entry.

Use it through ``store.standards``, which adds the rule a vocabulary material falls under;
the vocabulary (``store.vocabulary``) reads the rules from here to check each material's.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

LOCALES: Final = ("en", "sw")
DEFAULT_LOCALE: Final = "en"
SHIPPED_FILE: Final = "data/standards.toml"  # inside the ``store`` package
# The checklist a visit goes through has at least these items.
REQUIRED_CHECKLIST: Final = ("materials", "tools", "working_conditions")

_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_RULE_KEYS: Final = {"code", "verdict", "title", "explanation"}
_CHECKLIST_KEYS: Final = {"code", "title", "question"}


class Verdict(StrEnum):
    WELCOME = "welcome"
    REFUSED = "refused"  # against Soko's standards: the listing is flagged, a manager decides
    CHECK = "check"  # not wrong in itself, but a community manager should look


class StandardsError(ValueError):
    """A standards file that cannot be used; the message names the file and the entry."""


def language_of(locale: str) -> str:
    """ "sw_KE" / "sw-KE" / "SW" → "sw"."""
    return re.split(r"[_-]", locale, maxsplit=1)[0].casefold()


def in_language(texts: Mapping[str, str], locale: str) -> str:
    """The text for ``locale`` ("sw", "sw_KE"), else the English one."""
    return texts.get(language_of(locale)) or texts[DEFAULT_LOCALE]


@dataclass(frozen=True)
class Rule:
    """One materials rule: what Soko says about the materials that fall under it."""

    code: str
    verdict: Verdict
    title: Mapping[str, str]  # by locale "en"/"sw"
    explanation: Mapping[str, str]

    def title_in(self, locale: str) -> str:
        return in_language(self.title, locale)

    def explanation_in(self, locale: str) -> str:
        return in_language(self.explanation, locale)


@dataclass(frozen=True)
class ChecklistItem:
    """One thing a community manager looks at when she visits a workshop."""

    code: str
    title: Mapping[str, str]
    question: Mapping[str, str]

    def title_in(self, locale: str) -> str:
        return in_language(self.title, locale)

    def question_in(self, locale: str) -> str:
        return in_language(self.question, locale)


@dataclass(frozen=True)
class Standards:
    rules: tuple[Rule, ...]
    checklist: tuple[ChecklistItem, ...]

    def rule(self, code: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.code == code), None)

    def rules_with(self, verdict: Verdict) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.verdict is verdict)


def parse(document: Mapping[str, Any], source: str) -> Standards:
    """One file's TOML, checked whole."""
    unknown = set(document) - {"rule", "checklist"}
    if unknown:
        raise StandardsError(f"{source}: unknown table(s) {', '.join(sorted(unknown))}")
    rules = tuple(
        _rule(row, f"{source}: rule #{number}")
        for number, row in enumerate(_rows(document, "rule", source), 1)
    )
    checklist = tuple(
        _checklist_item(row, f"{source}: checklist #{number}")
        for number, row in enumerate(_rows(document, "checklist", source), 1)
    )
    if not rules:
        raise StandardsError(f"{source}: no [[rule]]")
    _check_unique([rule.code for rule in rules], f"{source}: rule")
    _check_unique([item.code for item in checklist], f"{source}: checklist")
    missing = [code for code in REQUIRED_CHECKLIST if code not in {i.code for i in checklist}]
    if missing:
        raise StandardsError(f"{source}: the checklist needs {', '.join(missing)}")
    return Standards(rules, checklist)


def _rows(document: Mapping[str, Any], table: str, source: str) -> list[Any]:
    rows = document.get(table, [])
    if not isinstance(rows, list):
        raise StandardsError(f"{source}: {table} must be a list of [[{table}]] entries")
    return rows


def _labelled(row: Any, keys: set[str], where: str) -> tuple[str, str]:
    if not isinstance(row, dict):
        raise StandardsError(f"{where}: not a table")
    code = row.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise StandardsError(f"{where}: code must be lower-case letters, digits or _")
    label = f"{where} ({code!r})"
    unknown = set(row) - keys
    if unknown:
        raise StandardsError(f"{label}: unknown key(s) {', '.join(sorted(unknown))}")
    return code, label


def _rule(row: Any, where: str) -> Rule:
    code, label = _labelled(row, _RULE_KEYS, where)
    try:
        verdict = Verdict(row.get("verdict"))
    except ValueError:
        choices = ", ".join(Verdict)
        raise StandardsError(f"{label}: verdict must be one of {choices}") from None
    return Rule(
        code=code,
        verdict=verdict,
        title=_texts(row.get("title"), f"{label}: title"),
        explanation=_texts(row.get("explanation"), f"{label}: explanation"),
    )


def _checklist_item(row: Any, where: str) -> ChecklistItem:
    code, label = _labelled(row, _CHECKLIST_KEYS, where)
    return ChecklistItem(
        code=code,
        title=_texts(row.get("title"), f"{label}: title"),
        question=_texts(row.get("question"), f"{label}: question"),
    )


def _texts(value: Any, where: str) -> dict[str, str]:
    """A text in every language, and in no other: ``title.en = "…"``, ``title.sw = "…"``."""
    if not isinstance(value, dict) or set(value) != set(LOCALES):
        raise StandardsError(f"{where}: needs a text in each of {', '.join(LOCALES)}")
    texts = {}
    for locale, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise StandardsError(f"{where}.{locale}: needs words, got {text!r}")
        texts[locale] = " ".join(text.split())
    return texts


def _check_unique(codes: list[str], where: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise StandardsError(f"{where} {code!r} is given twice")
        seen.add(code)


def read_file(path: Path) -> Standards:
    """A standards file, parsed and checked."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise StandardsError(f"{path}: cannot be read ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise StandardsError(f"{path}: not valid TOML ({error})") from None
    return parse(document, str(path))


@cache
def standards() -> Standards:
    """Soko's standards, as shipped (they are not a setting). Cached."""
    try:
        text = resources.files("store").joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
        document = tomllib.loads(text)
    except OSError as error:
        raise StandardsError(f"store/{SHIPPED_FILE}: cannot be read ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise StandardsError(f"store/{SHIPPED_FILE}: not valid TOML ({error})") from None
    return parse(document, f"store/{SHIPPED_FILE}")
