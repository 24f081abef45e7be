"""Soko's vocabulary: categories, materials and colours by canonical code, in every language.

The only reader of ``store/data/vocabulary.toml`` (and of the operator's extra file, the
``VOCABULARY_FILE`` setting, merged over it; docs/vocabulary.md describes the format). It turns
what people type, in English, Swahili or a mix, into canonical codes — "Mkufu wa shaba" is a
necklace of brass, "uzi wa nailoni" is nylon — and codes back into names in a reader's language.

Matching folds case, accents, punctuation and spacing, and takes the longest phrase first:
"shanga za kioo" is glass beads before "shanga" is beads. A phrase naming terms of several kinds
is read as a category before a material, and as a material before a colour ("dhahabu" is gold
the metal; "rangi ya dhahabu" is the colour), while search looks for all of them.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, Final

from store.models import Category
from store.standards_file import (
    Rule,
    Standards,
    StandardsError,
    Verdict,
    language_of,
    standards,
)

LOCALES: Final = ("en", "sw")
DEFAULT_LOCALE: Final = "en"
SHIPPED_FILE: Final = "data/vocabulary.toml"  # inside the ``store`` package

_WORD = re.compile(r"[^\W_]+")
# What separates the materials of one answer: "shanga za kioo na shaba, uzi wa nailoni".
_MATERIAL_SEPARATORS: Final = re.compile(r"[,;/&+\n]|\b(?:and|na|with|pamoja)\b", re.IGNORECASE)


class Kind(StrEnum):
    CATEGORY = "category"
    MATERIAL = "material"
    COLOUR = "colour"


# A phrase naming terms of several kinds is read as the first of them.
_READING_ORDER: Final = (Kind.CATEGORY, Kind.MATERIAL, Kind.COLOUR)


class VocabularyError(ValueError):
    """A vocabulary file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Term:
    """One category, material or colour. Terms are equal when kind and code are."""

    kind: Kind
    code: str
    names: Mapping[str, str] = field(compare=False)  # locale → name
    # The standards rule a material falls under (store/data/standards.toml); None otherwise.
    rule: Rule | None = field(default=None, compare=False)
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    # Descriptive names ("Mkufu wa shaba"): the word joining a category to its materials, by
    # locale (a category with none for a locale puts the materials first: "Brass necklace").
    connector: Mapping[str, str] = field(default_factory=dict, compare=False)
    # The word used in a descriptive name when the name itself reads badly there.
    descriptive: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def verdict(self) -> Verdict:
        """What the standards say of this material (its rule's verdict)."""
        return Verdict.WELCOME if self.rule is None else self.rule.verdict

    def name(self, locale: str) -> str:
        """The name in ``locale`` ("sw", "sw_KE"), else in English."""
        return self.names.get(language_of(locale)) or self.names[DEFAULT_LOCALE]

    def phrases(self) -> tuple[str, ...]:
        """Every name and synonym, in every language."""
        words = [*self.names.values()]
        for synonyms in self.synonyms.values():
            words.extend(synonyms)
        return tuple(dict.fromkeys(words))

    def _descriptive(self, locale: str) -> str:
        return self.descriptive.get(language_of(locale)) or self.name(locale)


@dataclass(frozen=True)
class Recognized:
    """What a text says about a piece, as canonical terms."""

    category: Term | None
    materials: tuple[Term, ...]
    colours: tuple[Term, ...]
    unknown_materials: tuple[str, ...]  # pieces of a materials answer matching no term

    @property
    def material_codes(self) -> list[str]:
        return [term.code for term in self.materials]

    @property
    def colour_codes(self) -> list[str]:
        return [term.code for term in self.colours]


@dataclass(frozen=True)
class QueryPart:
    """Consecutive words of a search query, and the terms they name (none: plain words)."""

    words: tuple[str, ...]
    terms: tuple[Term, ...]


def fold(text: str) -> tuple[str, ...]:
    """The words of ``text`` as matching sees them: lower case, no accents or punctuation."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return tuple(_WORD.findall(bare))


class Vocabulary:
    """The terms of one or more vocabulary files, indexed by their folded phrases."""

    def __init__(
        self,
        terms: Iterable[Term],
        *,
        conjunction: Mapping[str, str],
        little_words: Iterable[str] = (),
    ) -> None:
        # Connecting words ("wa", "of") a search skips when the query has other words.
        self.little_words = frozenset(word for phrase in little_words for word in fold(phrase))
        self._terms: dict[tuple[Kind, str], Term] = {}
        for term in terms:
            self._terms[(term.kind, term.code)] = term
        self._conjunction = dict(conjunction)
        self._index: dict[tuple[str, ...], list[Term]] = {}
        for term in self._terms.values():
            for phrase in term.phrases():
                words = fold(phrase)
                found = self._index.setdefault(words, [])
                if term not in found:
                    found.append(term)
        for found in self._index.values():
            found.sort(key=lambda term: _READING_ORDER.index(term.kind))
        self._longest = max((len(words) for words in self._index), default=1)

    # --- looking up ---------------------------------------------------------------------

    def terms(self, kind: Kind) -> tuple[Term, ...]:
        """The terms of one kind, in file order (the shipped file's first)."""
        return tuple(term for term in self._terms.values() if term.kind is kind)

    def term(self, kind: Kind, code: str) -> Term | None:
        return self._terms.get((kind, code))

    def name(self, kind: Kind, code: str, locale: str) -> str:
        """The name of a code in ``locale``; an unknown code (dropped from the file) as is."""
        term = self.term(kind, code)
        return code if term is None else term.name(locale)

    # --- reading what people type -------------------------------------------------------

    def recognize(self, text: str) -> Recognized:
        """The category, materials and colours named anywhere in ``text``.

        "Mkufu wa shaba, Sh. 1,500/=" → category necklace, materials (brass,). A text naming
        two kinds ("Necklace and earrings set") names none: which one it is must be asked.
        """
        categories: list[Term] = []
        materials: list[Term] = []
        colours: list[Term] = []
        for _, found in self._matches(fold(text)):
            chosen = found[0]
            if chosen.kind is Kind.CATEGORY:
                _add(categories, chosen)
            elif chosen.kind is Kind.MATERIAL:
                _add(materials, chosen)
            else:
                _add(colours, chosen)
        category = categories[0] if len(categories) == 1 else None
        return Recognized(category, tuple(materials), tuple(colours), ())

    def read_materials(self, text: str) -> Recognized:
        """An answer to "what is it made of?", piece by piece.

        "shanga za kioo na shaba, uzi wa nailoni" → glass beads, brass, nylon. A piece naming
        no material or colour is kept as typed in ``unknown_materials``.
        """
        category: Term | None = None
        materials: list[Term] = []
        colours: list[Term] = []
        unknown: list[str] = []
        for piece in _MATERIAL_SEPARATORS.split(text):
            typed = " ".join(piece.split())
            if not fold(typed):
                continue
            named = self.recognize(typed)
            category = category or named.category
            for term in named.materials:
                _add(materials, term)
            for term in named.colours:
                _add(colours, term)
            if not named.materials and not named.colours:
                unknown.append(typed)
        return Recognized(category, tuple(materials), tuple(colours), tuple(unknown))

    def piece_codes(self, materials: Sequence[str], title: str) -> tuple[list[str], list[str]]:
        """A piece's material codes (from her materials) and colour codes (also her title)."""
        read = self.read_materials("\n".join(materials))
        colours = list(read.colours)
        for term in self.recognize(title).colours:
            _add(colours, term)
        return read.material_codes, [term.code for term in colours]

    def search_codes(self, query: str) -> set[tuple[Kind, str]]:
        """Every term a query names, of any kind: "brass" and "shaba" → {(MATERIAL, "brass")}."""
        return {(term.kind, term.code) for part in self.read_query(query) for term in part.terms}

    def read_query(self, query: str) -> list[QueryPart]:
        """A search query cut into phrases naming terms and the plain words between them."""
        words = fold(query)
        parts: list[QueryPart] = []
        position = 0
        for (start, end), found in self._matches(words):
            parts.extend(QueryPart((word,), ()) for word in words[position:start])
            parts.append(QueryPart(words[start:end], tuple(found)))
            position = end
        parts.extend(QueryPart((word,), ()) for word in words[position:])
        return parts

    # --- writing -------------------------------------------------------------------------

    def describe(
        self, category: str | None, material_codes: Sequence[str], locale: str
    ) -> str | None:
        """A plain name for a piece in ``locale``: "Brass necklace", "Mkufu wa shaba".

        At most two known materials are named; without a category the piece is an "other"
        piece ("Kipande cha shaba"). None when there is nothing to say (no known material,
        and no category but "other").
        """
        materials = [
            term
            for code in dict.fromkeys(material_codes)
            if (term := self.term(Kind.MATERIAL, code)) is not None
        ][:2]
        kind = self.term(Kind.CATEGORY, category or Category.OTHER)
        if kind is None or (not materials and kind.code == Category.OTHER):
            return None  # "Piece" says nothing
        noun = kind._descriptive(locale)
        if not materials:
            return _capitalised(noun)
        and_ = self._conjunction.get(language_of(locale)) or self._conjunction[DEFAULT_LOCALE]
        made_of = f" {and_} ".join(term._descriptive(locale) for term in materials)
        connector = kind.connector.get(language_of(locale))
        if connector is None:
            return _capitalised(f"{made_of} {noun}")
        return _capitalised(f"{noun} {connector} {made_of}")

    def readable_materials(
        self, materials: Sequence[str], material_codes: Sequence[str], locale: str
    ) -> list[str]:
        """A piece's materials for a reader: known ones by name in ``locale``, then the words
        of hers that name none, as she typed them."""
        names = [self.name(Kind.MATERIAL, code, locale) for code in dict.fromkeys(material_codes)]
        unknown = self.read_materials("\n".join(materials)).unknown_materials
        return [*names, *unknown]

    def plain_name(
        self, title: str, category: str | None, material_codes: Sequence[str], locale: str
    ) -> str | None:
        """The descriptive name to show beside her title, unless it says the same."""
        described = self.describe(category, material_codes, locale)
        return None if described is None or fold(described) == fold(title) else described

    def _matches(self, words: tuple[str, ...]) -> Iterable[tuple[tuple[int, int], list[Term]]]:
        """Left to right, the longest phrase starting at each word that names a term."""
        position = 0
        while position < len(words):
            for size in range(min(self._longest, len(words) - position), 0, -1):
                found = self._index.get(words[position : position + size])
                if found is None and size == 1:
                    found = self._index.get(_singular(words[position]))
                if found is not None:
                    yield (position, position + size), found
                    position += size
                    break
            else:
                position += 1


def _add(terms: list[Term], term: Term) -> None:
    if term not in terms:
        terms.append(term)


def _singular(word: str) -> tuple[str, ...]:
    """An English plural's singular, tried when the word itself names nothing ("horns")."""
    return (word[:-1],) if len(word) > 3 and word.endswith("s") else ()


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- files ------------------------------------------------------------------------------

_TABLES: Final = {"category": Kind.CATEGORY, "material": Kind.MATERIAL, "colour": Kind.COLOUR}
_ENTRY_KEYS: Final = {"code", *LOCALES, "synonyms", "rule", "of", "piece", "describe"}
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass
class _Entry:
    """One entry while files are merged, with where it was last changed."""

    kind: Kind
    code: str
    source: str
    names: dict[str, str] = field(default_factory=dict)
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    rule: Rule | None = None
    connector: dict[str, str] = field(default_factory=dict)
    descriptive: dict[str, str] = field(default_factory=dict)

    def label(self) -> str:
        return f"{self.source}: {self.kind} {self.code!r}"


@dataclass
class _Layer:
    """One file's entries and words, checked but not yet merged with the others."""

    entries: list[_Entry]
    conjunction: dict[str, str]
    little_words: list[str]


def parse(document: Mapping[str, Any], source: str) -> _Layer:
    """One file's TOML, checked entry by entry."""
    unknown = set(document) - {*_TABLES, "and", "little_words"}
    if unknown:
        raise VocabularyError(f"{source}: unknown table(s) {', '.join(sorted(unknown))}")
    conjunction = _locale_strings(document.get("and", {}), f"{source}: and")
    little_words = document.get("little_words", {})
    if not isinstance(little_words, dict) or not set(little_words) <= set(LOCALES):
        raise VocabularyError(f"{source}: little_words must be lists by language")
    little: list[str] = []
    for locale, words in little_words.items():
        if not isinstance(words, list):
            raise VocabularyError(f"{source}: little_words.{locale} must be a list")
        little.extend(_text(word, f"{source}: little_words.{locale}") for word in words)
    entries: list[_Entry] = []
    for table, kind in _TABLES.items():
        rows = document.get(table, [])
        if not isinstance(rows, list):
            raise VocabularyError(f"{source}: {table} must be a list of [[{table}]] entries")
        for number, row in enumerate(rows, 1):
            entries.append(_entry(row, kind, f"{source}: {table} #{number}"))
    for entry in entries:
        entry.source = source
    return _Layer(entries, conjunction, little)


def _entry(row: Any, kind: Kind, where: str) -> _Entry:
    if not isinstance(row, dict):
        raise VocabularyError(f"{where}: not a table")
    code = row.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise VocabularyError(f"{where}: code must be lower-case letters, digits or _")
    label = f"{where} ({code!r})"
    if "standard" in row:  # the format before Soko's standards had their own file
        raise VocabularyError(
            f"{label}: 'standard' is now said by a rule: write rule = one of {_rule_codes()}"
        )
    unknown = set(row) - _ENTRY_KEYS
    if unknown:
        raise VocabularyError(f"{label}: unknown key(s) {', '.join(sorted(unknown))}")
    entry = _Entry(kind, code, where)
    for locale in LOCALES:
        if locale in row:
            entry.names[locale] = _text(row[locale], f"{label}: {locale}")
    synonyms = row.get("synonyms", {})
    if not isinstance(synonyms, dict):
        raise VocabularyError(f"{label}: synonyms must be a table of lists by language")
    for locale, words in synonyms.items():
        if locale not in LOCALES or not isinstance(words, list):
            raise VocabularyError(f"{label}: synonyms.{locale} must be a list ({LOCALES})")
        entry.synonyms[locale] = [_text(word, f"{label}: synonyms.{locale}") for word in words]
    if "rule" in row:
        if kind is not Kind.MATERIAL:
            raise VocabularyError(f"{label}: only materials have a rule")
        code = row["rule"]
        entry.rule = _standards().rule(code) if isinstance(code, str) else None
        if entry.rule is None:
            raise VocabularyError(
                f"{label}: unknown rule {code!r}; the rules (store/data/standards.toml) "
                f"are {_rule_codes()}"
            )
    if ("of" in row or "piece" in row) and kind is not Kind.CATEGORY:
        raise VocabularyError(f"{label}: only categories have 'of' and 'piece'")
    entry.connector = _locale_strings(row.get("of", {}), f"{label}: of")
    entry.descriptive = _locale_strings(row.get("piece", row.get("describe", {})), label)
    return entry


def _rule_codes() -> str:
    return ", ".join(rule.code for rule in _standards().rules)


def _standards() -> Standards:
    """The rules materials name; a standards file that cannot be used is told as the
    vocabulary's error, so `soko vocabulary check` and the start name it the same way."""
    try:
        return standards()
    except StandardsError as invalid:
        raise VocabularyError(f"Soko's standards: {invalid}") from None


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not fold(value):
        raise VocabularyError(f"{where}: needs a word, got {value!r}")
    return " ".join(value.split())


def _locale_strings(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not set(value) <= set(LOCALES):
        raise VocabularyError(f"{where}: must be a table by language ({', '.join(LOCALES)})")
    return {locale: _text(text, f"{where}.{locale}") for locale, text in value.items()}


def merge(layers: Sequence[_Layer]) -> Vocabulary:
    """Files in order, each over the ones before: names and rules replaced (a replaced
    name is kept as a synonym; a refused material stays refused), synonyms added.

    Checks the result: every entry has a name in every language, category codes are
    ``Category``'s, and no phrase names two entries of the same kind.
    """
    # Soko's own words (the first file's), which may contain a refused material's: "ivory white"
    # is a colour. Taken before merging, which changes the first file's entries in place.
    trusted = _refused_within(layers[0].entries if layers else [])
    merged: dict[tuple[Kind, str], _Entry] = {}
    conjunction: dict[str, str] = {}
    little_words: list[str] = []
    for layer in layers:
        conjunction.update(layer.conjunction)
        little_words.extend(layer.little_words)
        for entry in layer.entries:
            key = (entry.kind, entry.code)
            if key not in merged:
                merged[key] = entry
                continue
            base = merged[key]
            base.source = entry.source
            for locale, name in entry.names.items():
                # A name replaced stays a synonym: what was read before still is.
                if locale in base.names and base.names[locale] != name:
                    base.synonyms.setdefault(locale, []).append(base.names[locale])
            base.names.update(entry.names)
            for locale, words in entry.synonyms.items():
                base.synonyms.setdefault(locale, []).extend(words)
            if (
                base.rule is not None
                and base.rule.verdict is Verdict.REFUSED
                and entry.rule is not None
                and entry.rule.verdict is not Verdict.REFUSED
            ):
                # Soko's standards are not a setting: a file may only make them stricter.
                raise VocabularyError(
                    f"{entry.label()}: refused by Soko's standards (rule {base.rule.code}); "
                    f"a file may make a material's rule stricter, not {entry.rule.verdict} "
                    f"(rule {entry.rule.code})"
                )
            base.rule = entry.rule or base.rule
            base.connector.update(entry.connector)
            base.descriptive.update(entry.descriptive)
    if set(conjunction) != set(LOCALES):
        raise VocabularyError(f"'and' needs a word in each of {', '.join(LOCALES)}")
    terms = [_term(entry) for entry in merged.values()]
    labels = {(entry.kind, entry.code): entry.label() for entry in merged.values()}
    _check_phrases(terms, labels)
    _check_nothing_hides_refused(terms, labels, trusted)
    return Vocabulary(terms, conjunction=conjunction, little_words=little_words)


def _term(entry: _Entry) -> Term:
    missing = [locale for locale in LOCALES if locale not in entry.names]
    if missing:
        raise VocabularyError(f"{entry.label()}: no name in {', '.join(missing)}")
    if entry.kind is Kind.CATEGORY and entry.code not in set(Category):
        codes = ", ".join(Category)
        raise VocabularyError(f"{entry.label()}: a category's code is one of {codes}")
    if entry.kind is Kind.MATERIAL and entry.rule is None:
        raise VocabularyError(f"{entry.label()}: needs a rule (one of {_rule_codes()})")
    return Term(
        kind=entry.kind,
        code=entry.code,
        names=dict(entry.names),
        rule=entry.rule,
        synonyms={locale: tuple(dict.fromkeys(words)) for locale, words in entry.synonyms.items()},
        connector=dict(entry.connector),
        descriptive=dict(entry.descriptive),
    )


def _check_phrases(terms: Sequence[Term], labels: Mapping[tuple[Kind, str], str]) -> None:
    owners: dict[tuple[Kind, tuple[str, ...]], Term] = {}
    for term in terms:
        # A phrase naming a category is read as the category: naming a material too, it would
        # hide that material (and its rule) in her answer. A colour's may be a material's.
        kind = Kind.MATERIAL if term.kind is Kind.CATEGORY else term.kind
        for phrase in term.phrases():
            key = (kind, fold(phrase))
            other = owners.setdefault(key, term)
            if other != term:
                first, second = labels[(other.kind, other.code)], labels[(term.kind, term.code)]
                raise VocabularyError(f"{phrase!r} names two entries: {first} and {second}")


# (entry's kind, code and phrase, the refused material's code and phrase), folded.
_Hiding = tuple[Kind, str, tuple[str, ...], str, tuple[str, ...]]


def _check_nothing_hides_refused(
    terms: Sequence[Term], labels: Mapping[tuple[Kind, str], str], trusted: set[_Hiding]
) -> None:
    """No phrase of another entry takes in a refused material's phrase: read longest first,
    left to right, "white plastic beads" would be a white bead and "big fishing line" "big
    fishing", the plastic or nylon in them unflagged. Soko's own file is trusted."""
    for term, phrase, refused, said in _hidings(terms):
        if (term.kind, term.code, fold(phrase), refused.code, fold(said)) in trusted:
            continue
        rule = refused.rule.code if refused.rule else ""
        raise VocabularyError(
            f"{labels[(term.kind, term.code)]}: {phrase!r} would hide {said!r}, refused by "
            f"Soko's standards ({refused.kind} {refused.code!r}, rule {rule}): leave it out"
        )


def _refused_within(entries: Sequence[_Entry]) -> set[_Hiding]:
    terms = [
        Term(entry.kind, entry.code, entry.names, rule=entry.rule, synonyms=_frozen(entry.synonyms))
        for entry in entries
    ]
    return {
        (term.kind, term.code, fold(phrase), refused.code, fold(said))
        for term, phrase, refused, said in _hidings(terms)
    }


def _frozen(synonyms: Mapping[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {locale: tuple(words) for locale, words in synonyms.items()}


def _hidings(terms: Sequence[Term]) -> Iterable[tuple[Term, str, Term, str]]:
    """(entry, its phrase, refused material, its phrase) where the first phrase, longer,
    contains the second or runs into its first words."""
    refused = [
        (term, said, fold(said))
        for term in terms
        if term.kind is Kind.MATERIAL and term.verdict is Verdict.REFUSED
        for said in term.phrases()
    ]
    for term in terms:
        if term.kind is Kind.MATERIAL and term.verdict is Verdict.REFUSED:
            continue
        for phrase in term.phrases():
            words = fold(phrase)
            for material, said, hidden in refused:
                if _takes_in(words, hidden):
                    yield term, phrase, material, said


def _takes_in(words: tuple[str, ...], hidden: tuple[str, ...]) -> bool:
    """Whether reading ``words`` first would swallow some of ``hidden``: it contains it and
    is longer, ends with its first words ("big fishing" and "fishing line"), or is its
    plural ("nylons", read as nylon only while nothing names it)."""
    if len(words) == 1 and _singular(words[0]) == hidden:
        return True
    contains = len(words) > len(hidden) and any(
        words[i : i + len(hidden)] == hidden for i in range(len(words) - len(hidden) + 1)
    )
    runs_into = any(
        words[i:] == hidden[: len(words) - i]
        for i in range(1, len(words))
        if len(words) - i < len(hidden)
    )
    return contains or runs_into


def read_file(path: Path) -> _Layer:
    """One vocabulary file, parsed and checked entry by entry (not yet merged)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise VocabularyError(f"{path}: cannot be read ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise VocabularyError(f"{path}: not valid TOML ({error})") from None
    return parse(document, str(path))


def shipped_layer() -> _Layer:
    text = resources.files("store").joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
    return parse(tomllib.loads(text), f"store/{SHIPPED_FILE}")


def load(extra_file: Path | None = None) -> Vocabulary:
    """The shipped vocabulary, with ``extra_file`` merged over it; VocabularyError if invalid."""
    layers = [shipped_layer()]
    if extra_file is not None:
        layers.append(read_file(extra_file))
    return merge(layers)


_current: Vocabulary | None = None
_current_file: Path | None = None


def configure(extra_file: Path | None) -> Vocabulary:
    """The vocabulary in use from now on: the shipped file with ``extra_file`` (the
    ``VOCABULARY_FILE`` setting) merged over it. Raises VocabularyError if invalid."""
    global _current, _current_file
    if _current is None or extra_file != _current_file:
        _current, _current_file = load(extra_file), extra_file
    return _current


def vocabulary() -> Vocabulary:
    """The vocabulary in use: as configured at startup, else the shipped file alone."""
    global _current
    if _current is None:
        _current = load()
    return _current
