"""The vocabulary: the shipped file is complete, and text reads as canonical codes."""

from __future__ import annotations

import tomllib
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from store.models import Category
from store.standards import Verdict, standards
from store.vocabulary import (
    LOCALES,
    SHIPPED_FILE,
    Kind,
    VocabularyError,
    fold,
    load,
    vocabulary,
)


def _shipped() -> dict[str, list[dict[str, object]]]:
    text = resources.files("store").joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


# --- the shipped file ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
def test_every_shipped_entry_has_an_english_and_a_swahili_name(kind: Kind) -> None:
    entries = _shipped()[str(kind)]
    assert entries
    for entry in entries:
        for locale in LOCALES:
            name = entry.get(locale)
            assert isinstance(name, str), (entry["code"], locale)
            assert fold(name), (entry["code"], locale)


@pytest.mark.parametrize("kind", list(Kind))
def test_shipped_codes_are_unique(kind: Kind) -> None:
    codes = Counter(entry["code"] for entry in _shipped()[str(kind)])
    assert [code for code, count in codes.items() if count > 1] == []


@pytest.mark.parametrize("kind", list(Kind))
def test_no_synonym_names_two_entries_of_the_same_kind(kind: Kind) -> None:
    owners: dict[tuple[str, ...], set[object]] = {}
    for entry in _shipped()[str(kind)]:
        words = [entry["en"], entry["sw"]]
        for synonyms in dict(entry.get("synonyms", {})).values():  # type: ignore[call-overload]
            words.extend(synonyms)
        for word in words:
            owners.setdefault(fold(str(word)), set()).add(entry["code"])
    assert {phrase: codes for phrase, codes in owners.items() if len(codes) > 1} == {}


def test_categories_are_exactly_the_store_categories() -> None:
    assert {entry["code"] for entry in _shipped()["category"]} == {str(c) for c in Category}


def test_every_material_names_a_rule_of_the_standards() -> None:
    codes = {rule.code for rule in standards().rules}
    for entry in _shipped()["material"]:
        assert entry.get("rule") in codes, entry["code"]
        assert "standard" not in entry, entry["code"]  # the verdict is the rule's, said once


# --- reading what artisans type -------------------------------------------------------------


def test_a_caption_names_the_category_and_material() -> None:
    named = vocabulary().recognize("Mkufu wa shaba, Sh. 1,500/=")
    assert named.category is not None
    assert named.category.code == "necklace"
    assert named.material_codes == ["brass"]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("shanga za kioo", ["glass_beads"]),
        ("SHANGA", ["beads"]),
        ("shaba  nyekundu", ["copper"]),
        ("shaba", ["brass"]),
        ("pembe ya ndovu", ["ivory"]),
        ("pembe", ["horn"]),
        ("Ngozi", ["leather"]),
        ("glass beads", ["glass_beads"]),
        ("cow horns", ["horn"]),
        ("horns", ["horn"]),
        ("kitenge", ["fabric"]),
        ("ganda la bahari", ["seashell"]),
    ],
)
def test_longest_phrase_first_any_case_and_spacing(text: str, codes: list[str]) -> None:
    assert vocabulary().recognize(text).material_codes == codes


def test_a_materials_answer_piece_by_piece() -> None:
    read = vocabulary().read_materials("shanga za kioo na shaba, uzi wa nailoni, mystery  stuff")
    assert read.material_codes == ["glass_beads", "brass", "nylon"]
    assert read.unknown_materials == ("mystery stuff",)


def test_a_colour_in_a_materials_answer_is_a_colour() -> None:
    read = vocabulary().read_materials("shanga nyekundu na bluu")
    assert read.material_codes == ["beads"]
    assert read.colour_codes == ["red", "blue"]
    assert read.unknown_materials == ()


def test_a_word_naming_a_material_and_a_colour_is_the_material() -> None:
    assert vocabulary().recognize("mkufu wa dhahabu").material_codes == ["gold"]
    assert vocabulary().recognize("mkufu wa dhahabu").colour_codes == []
    assert vocabulary().recognize("shanga rangi ya dhahabu").colour_codes == ["gold"]


@pytest.mark.parametrize(
    ("text", "rule", "verdict"),
    [
        ("uzi wa nailoni", "no_synthetic", Verdict.REFUSED),
        ("plastiki", "no_synthetic", Verdict.REFUSED),
        ("akriliki", "no_synthetic", Verdict.REFUSED),
        ("resin", "no_synthetic", Verdict.REFUSED),
        ("ready-made chain", "no_ready_made", Verdict.REFUSED),
        ("pembe ya ndovu", "no_ivory", Verdict.REFUSED),
        ("shaba", "upcycled_metal", Verdict.WELCOME),
        ("shanga za kioo", "glass_beads", Verdict.WELCOME),
        ("pembe", "horn_and_bone", Verdict.WELCOME),
        ("crystal", "crystals_and_pearls", Verdict.CHECK),
        ("dhahabu", "precious_metals", Verdict.CHECK),
    ],
)
def test_materials_fall_under_their_rule(text: str, rule: str, verdict: Verdict) -> None:
    materials = vocabulary().recognize(text).materials
    assert materials[0].rule is not None
    assert materials[0].rule.code == rule
    assert materials[0].verdict is verdict


# --- names, search and descriptive names ----------------------------------------------------


def test_names_in_the_readers_language() -> None:
    assert vocabulary().name(Kind.MATERIAL, "brass", "en") == "brass"
    assert vocabulary().name(Kind.MATERIAL, "brass", "sw_KE") == "shaba"
    assert vocabulary().name(Kind.MATERIAL, "no_such_code", "en") == "no_such_code"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("brass", {(Kind.MATERIAL, "brass")}),
        ("Shaba", {(Kind.MATERIAL, "brass")}),
        ("mkufu", {(Kind.CATEGORY, "necklace")}),
        ("gold", {(Kind.MATERIAL, "gold"), (Kind.COLOUR, "gold")}),
        ("blue necklace", {(Kind.COLOUR, "blue"), (Kind.CATEGORY, "necklace")}),
        ("zzz", set()),
    ],
)
def test_search_codes_across_languages(query: str, expected: set[tuple[Kind, str]]) -> None:
    assert vocabulary().search_codes(query) == expected


@pytest.mark.parametrize(
    ("category", "materials", "locale", "name"),
    [
        ("necklace", ["brass"], "en", "Brass necklace"),
        ("necklace", ["brass"], "sw", "Mkufu wa shaba"),
        ("earrings", ["glass_beads", "brass"], "en", "Glass bead and brass earrings"),
        ("earrings", ["glass_beads", "brass"], "sw", "Hereni za shanga za kioo na shaba"),
        ("anklet", ["horn"], "sw", "Kikuku cha pembe"),
        ("bracelet", ["beads"], "en", "Beaded bracelet"),
        (None, ["wood"], "en", "Wooden piece"),
        (None, ["wood"], "sw", "Kipande cha mbao"),
        ("ring", ["unknown_code"], "sw", "Pete"),
        (None, [], "en", None),
        ("other", [], "sw", None),
    ],
)
def test_descriptive_name(
    category: str | None, materials: list[str], locale: str, name: str | None
) -> None:
    assert vocabulary().describe(category, materials, locale) == name


# --- an operator's extra file ---------------------------------------------------------------


def test_an_extra_file_adds_synonyms_and_entries(tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text(
        '[[material]]\ncode = "brass"\nsynonyms.sw = ["bras"]\n\n'
        '[[material]]\ncode = "raffia"\nen = "raffia"\nsw = "ukindu"\nrule = "natural_materials"\n',
        encoding="utf-8",
    )
    merged = load(extra)
    assert merged.recognize("bras na ukindu").material_codes == ["brass", "raffia"]
    assert merged.name(Kind.MATERIAL, "brass", "sw") == "shaba"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[material]]\ncode = "raffia"\nen = "raffia"\nrule = "natural_materials"\n', "raffia"),
        # A new material says which rule it falls under.
        ('[[material]]\ncode = "raffia"\nen = "raffia"\nsw = "ukindu"\n', "needs a rule"),
        ('[[material]]\ncode = "brass"\nsynonyms.en = ["copper"]\n', "'copper'"),
        ('[[category]]\ncode = "crown"\nen = "crown"\nsw = "taji"\n', "crown"),
        ('[[material]]\ncode = "brass"\nrule = "lovely"\n', "unknown rule 'lovely'"),
        ('[[colour]]\ncode = "red"\nrule = "glass_beads"\n', "only materials have a rule"),
        # The verdict is the rule's: a file saying it again is told what to write instead.
        ('[[material]]\ncode = "brass"\nstandard = "check"\n', "write rule = one of"),
        ("[[material]\n", "TOML"),
        # A category's word would hide the material: "plastic" read as a necklace, unflagged.
        ('[[category]]\ncode = "necklace"\nsynonyms.en = ["plastic"]\n', "'plastic'"),
    ],
)
def test_an_invalid_extra_file_names_the_entry(tmp_path: Path, text: str, message: str) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text(text, encoding="utf-8")
    with pytest.raises(VocabularyError, match=message):
        load(extra)


def test_a_renamed_entry_is_still_read_from_its_old_names(tmp_path: Path) -> None:
    # Renaming plastic must not let "plastic" or "plastiki" pass the standard unread.
    extra = tmp_path / "extra.toml"
    extra.write_text('[[material]]\ncode = "plastic"\nen = "polymer"\nsw = "polima"\n')
    merged = load(extra)
    assert merged.read_materials("plastic, plastiki").material_codes == ["plastic"]
    assert merged.name(Kind.MATERIAL, "plastic", "sw") == "polima"


@pytest.mark.parametrize(("laxer", "verdict"), [("glass_beads", "welcome"), ("chains", "check")])
def test_an_extra_file_cannot_relax_a_refused_material(
    tmp_path: Path, laxer: str, verdict: str
) -> None:
    # Plastic listed as welcome would pass unflagged: Soko's standards are not a setting.
    extra = tmp_path / "extra.toml"
    extra.write_text(f'[[material]]\ncode = "plastic"\nrule = "{laxer}"\n', encoding="utf-8")
    with pytest.raises(VocabularyError) as refused:
        load(extra)
    assert str(refused.value) == (
        f"{extra}: material 'plastic': refused by Soko's standards (rule no_synthetic); "
        f"a file may make a material's rule stricter, not {verdict} (rule {laxer})"
    )


def test_an_extra_file_may_make_a_material_stricter(tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text(
        '[[material]]\ncode = "brass"\nrule = "a_closer_look"\n\n'
        '[[material]]\ncode = "bone"\nrule = "no_ivory"\n\n'
        '[[material]]\ncode = "plastic"\nrule = "no_ready_made"\n',
        encoding="utf-8",
    )
    merged = load(extra)
    rules = {
        code: (term.rule.code if term.rule else None, term.verdict)
        for code in ("brass", "bone", "plastic")
        if (term := merged.term(Kind.MATERIAL, code)) is not None
    }
    assert rules == {
        "brass": ("a_closer_look", Verdict.CHECK),
        "bone": ("no_ivory", Verdict.REFUSED),
        "plastic": ("no_ready_made", Verdict.REFUSED),
    }


@pytest.mark.parametrize(
    "title", ["Mkufu na hereni", "Necklace and earrings set", "Brass ring earrings"]
)
def test_a_title_naming_two_kinds_names_none_so_she_is_asked(title: str) -> None:
    assert vocabulary().recognize(title).category is None


def test_a_kind_named_twice_is_still_that_kind() -> None:
    assert vocabulary().recognize("Mkufu, mikufu ya shaba").category.code == "necklace"  # type: ignore[union-attr]
