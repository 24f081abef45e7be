"""Soko's standards file: complete in both languages, shared by the vocabulary, and a file
that cannot be used is named entry by entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.standards import (
    ChecklistItem,
    Rule,
    StandardsError,
    Verdict,
    rule_for_material,
    standards,
)
from store.standards_file import LOCALES, read_file
from store.vocabulary import Kind, vocabulary

# --- the shipped file ------------------------------------------------------------------------


def test_every_rule_and_checklist_item_speaks_english_and_swahili() -> None:
    for rule in standards().rules:
        for locale in LOCALES:
            assert rule.title[locale].strip(), (rule.code, locale)
            assert rule.explanation[locale].strip(), (rule.code, locale)
        assert rule.title["en"] != rule.title["sw"], rule.code
    for item in standards().checklist:
        for locale in LOCALES:
            assert item.title[locale].strip(), (item.code, locale)
            assert item.question[locale].strip(), (item.code, locale)


def test_the_rules_say_what_is_welcome_refused_and_needs_a_look() -> None:
    verdicts = {rule.code: rule.verdict for rule in standards().rules}
    assert verdicts["no_synthetic"] is Verdict.REFUSED
    assert verdicts["no_ready_made"] is Verdict.REFUSED
    assert verdicts["upcycled_metal"] is Verdict.WELCOME
    assert verdicts["glass_beads"] is Verdict.WELCOME
    assert verdicts["horn_and_bone"] is Verdict.WELCOME
    assert verdicts["precious_metals"] is Verdict.CHECK
    assert verdicts["crystals_and_pearls"] is Verdict.CHECK


def test_the_checklist_covers_materials_tools_and_working_conditions() -> None:
    codes = [item.code for item in standards().checklist]
    assert codes[:3] == ["materials", "tools", "working_conditions"]
    assert all(isinstance(item, ChecklistItem) for item in standards().checklist)


def test_every_rule_is_used_by_a_material_or_left_for_operators() -> None:
    used = {term.rule.code for term in vocabulary().terms(Kind.MATERIAL) if term.rule}
    # a_closer_look is for an operator's vocabulary file: "have every brass piece looked at".
    assert {rule.code for rule in standards().rules} - used == {"a_closer_look"}


@pytest.mark.parametrize(
    ("material", "rule"),
    [
        ("plastic", "no_synthetic"),
        ("nylon", "no_synthetic"),
        ("ready_made", "no_ready_made"),
        ("brass", "upcycled_metal"),
        ("glass_beads", "glass_beads"),
        ("bone", "horn_and_bone"),
        ("gold", "precious_metals"),
        ("chain", "chains"),
    ],
)
def test_rule_for_material(material: str, rule: str) -> None:
    found = rule_for_material(material)
    assert isinstance(found, Rule)
    assert found.code == rule


def test_a_material_the_vocabulary_does_not_know_has_no_rule() -> None:
    assert rule_for_material("no_longer_known") is None


def test_titles_in_a_reader_language() -> None:
    rule = rule_for_material("plastic")
    assert rule is not None
    assert rule.title_in("en") == "No plastic or synthetic materials"
    assert rule.title_in("sw_KE") == "Hakuna plastiki wala malighafi za kiwandani"
    assert rule.title_in("fr") == "No plastic or synthetic materials"  # English otherwise


def test_standards_are_read_once() -> None:
    assert standards() is standards()


# --- a file that cannot be used --------------------------------------------------------------

RULE = """
[[rule]]
code = "no_synthetic"
verdict = "refused"
title.en = "No plastic"
title.sw = "Hakuna plastiki"
explanation.en = "Plastic is not handmade."
explanation.sw = "Plastiki si kazi ya mkono."
"""
CHECKLIST = "".join(
    f'\n[[checklist]]\ncode = "{code}"\ntitle.en = "T"\ntitle.sw = "T"\n'
    'question.en = "Q?"\nquestion.sw = "Q?"\n'
    for code in ("materials", "tools", "working_conditions")
)


def test_a_small_complete_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "standards.toml"
    path.write_text(RULE + CHECKLIST, encoding="utf-8")
    read = read_file(path)
    assert read.rules == (
        Rule(
            "no_synthetic",
            Verdict.REFUSED,
            {"en": "No plastic", "sw": "Hakuna plastiki"},
            {"en": "Plastic is not handmade.", "sw": "Plastiki si kazi ya mkono."},
        ),
    )
    assert [item.code for item in read.checklist] == ["materials", "tools", "working_conditions"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (RULE.replace('"refused"', '"maybe"') + CHECKLIST, "verdict must be one of"),
        (RULE.replace('title.sw = "Hakuna plastiki"\n', "") + CHECKLIST, "title: needs a text"),
        (RULE.replace('"Plastiki si kazi ya mkono."', '"  "') + CHECKLIST, "explanation.sw"),
        (RULE.replace('code = "no_synthetic"', 'code = "No Plastic"') + CHECKLIST, "code must"),
        (RULE + RULE + CHECKLIST, "rule 'no_synthetic' is given twice"),
        (RULE + 'colour = "red"\n' + CHECKLIST, "unknown key"),
        (RULE, "the checklist needs materials, tools, working_conditions"),
        (CHECKLIST, r"no \[\[rule\]\]"),
        (RULE + CHECKLIST + "[[extra]]\n", "unknown table"),
        ("[[rule]\n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_named_with_its_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "standards.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StandardsError, match=message) as bad:
        read_file(path)
    assert str(bad.value).startswith(str(path))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(StandardsError, match="cannot be read"):
        read_file(tmp_path / "nowhere.toml")
