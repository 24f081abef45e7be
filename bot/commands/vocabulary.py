"""`soko vocabulary check [FILE]`: validate a vocabulary file and print what it adds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from store.vocabulary import Kind, Term, Vocabulary, VocabularyError, load

_PLURALS = {Kind.CATEGORY: "categories", Kind.MATERIAL: "materials", Kind.COLOUR: "colours"}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "vocabulary", help="the categories, materials and colours pieces are read by"
    )
    actions = parser.add_subparsers(dest="vocabulary_action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="check a vocabulary file and show what it adds",
        description=(
            "Merge FILE over the shipped vocabulary (store/data/vocabulary.toml), as the "
            "VOCABULARY_FILE setting would, and print what it adds or changes. Without FILE, "
            "check the shipped file alone. Exits 1, naming the file and entry, if it is "
            "invalid (docs/vocabulary.md describes the format)."
        ),
    )
    check.add_argument("file", nargs="?", type=Path, metavar="FILE")
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    try:
        shipped = load()
        merged = load(args.file) if args.file is not None else shipped
    except VocabularyError as invalid:
        print(f"soko: {invalid}", file=sys.stderr)
        return 1
    changes = additions(shipped, merged)
    if args.file is None:
        counts = ", ".join(f"{len(merged.terms(kind))} {_PLURALS[kind]}" for kind in Kind)
        print(f"The shipped vocabulary is valid: {counts}.")
    elif not changes:
        print(f"{args.file} is valid and adds nothing.")
    else:
        print(f"{args.file} is valid. It adds:")
        for line in changes:
            print(f"  {line}")
    return 0


def additions(base: Vocabulary, merged: Vocabulary) -> list[str]:
    """What ``merged`` has that ``base`` has not, one line each."""
    lines: list[str] = []
    for kind in Kind:
        for term in merged.terms(kind):
            before = base.term(kind, term.code)
            if before is None:
                lines.append(f"{kind} {term.code}: new — {_names(term)}{_standard(term)}")
                continue
            if dict(before.names) != dict(term.names):
                lines.append(f"{kind} {term.code}: names now {_names(term)}")
            new = [phrase for phrase in term.phrases() if phrase not in before.phrases()]
            if new:
                lines.append(f"{kind} {term.code}: also read from {', '.join(new)}")
            if before.rule != term.rule:
                lines.append(f"{kind} {term.code}: rule {_rule(before)} → {_rule(term)}")
    return lines


def _names(term: Term) -> str:
    return ", ".join(f"{locale} “{name}”" for locale, name in term.names.items())


def _standard(term: Term) -> str:
    return f" ({_rule(term)})" if term.kind is Kind.MATERIAL else ""


def _rule(term: Term) -> str:
    return "none" if term.rule is None else f"{term.rule.code}, {term.rule.verdict}"
