"""`soko vocabulary check` and the VOCABULARY_FILE setting: a community manager's extra file
is checked, named entry by entry when wrong, and merged over the shipped one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import InvalidSettings, load_settings
from store.vocabulary import Kind, configure, vocabulary

EXTRA = """
[[material]]
code = "brass"
synonyms.sw = ["bras"]

[[material]]
code = "raffia"
en = "raffia"
sw = "ukindu"
rule = "natural_materials"
"""


@pytest.fixture
def extra(tmp_path: Path) -> Path:
    path = tmp_path / "vocabulary.toml"
    path.write_text(EXTRA, encoding="utf-8")
    return path


def test_check_prints_what_a_file_adds(extra: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vocabulary", "check", str(extra)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{extra} is valid. It adds:",
        "  material brass: also read from bras",
        "  material raffia: new — en “raffia”, sw “ukindu” (natural_materials, welcome)",
    ]


def test_check_without_a_file_checks_the_shipped_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vocabulary", "check"]) == 0
    assert capsys.readouterr().out.startswith("The shipped vocabulary is valid: 6 categories, ")


def test_check_names_the_entry_that_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[[material]]\ncode = "brass"\nsynonyms.en = ["copper"]\n', "utf-8")
    assert main(["vocabulary", "check", str(wrong)]) == 1
    assert capsys.readouterr().err == (
        f"soko: 'copper' names two entries: {wrong}: material 'brass' and "
        "store/data/vocabulary.toml: material 'copper'\n"
    )


def test_an_invalid_vocabulary_file_stops_the_start(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[[colour]]\ncode = "teal"\nen = "teal"\n', "utf-8")
    with pytest.raises(InvalidSettings) as invalid:
        load_settings(_env_file=None, vocabulary_file=str(wrong))
    assert invalid.value.problems == [f"VOCABULARY_FILE: {wrong}: colour 'teal': no name in sw"]


def test_the_setting_merges_the_file_over_the_shipped_one(extra: Path) -> None:
    settings = load_settings(_env_file=None, vocabulary_file=str(extra))
    try:
        configure(settings.vocabulary_file)
        assert vocabulary().recognize("bras na ukindu").material_codes == ["brass", "raffia"]
    finally:
        configure(None)
    assert vocabulary().term(Kind.MATERIAL, "raffia") is None


RELAXED = '[[material]]\ncode = "plastic"\nrule = "glass_beads"\n'


def test_check_refuses_a_file_that_relaxes_a_standard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    relaxed = tmp_path / "relaxed.toml"
    relaxed.write_text(RELAXED, "utf-8")
    assert main(["vocabulary", "check", str(relaxed)]) == 1
    assert capsys.readouterr().err == (
        f"soko: {relaxed}: material 'plastic': refused by Soko's standards "
        "(rule no_synthetic); a file may make a material's rule stricter, not welcome "
        "(rule glass_beads)\n"
    )


def test_a_file_that_relaxes_a_standard_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    relaxed = tmp_path / "relaxed.toml"
    relaxed.write_text(RELAXED, "utf-8")
    monkeypatch.chdir(tmp_path)  # no .env here: the environment is the whole configuration
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'soko.db'}")
    monkeypatch.setenv("VOCABULARY_FILE", str(relaxed))
    assert main(["db", "upgrade"]) == 2
    assert capsys.readouterr().err == (
        f"soko: VOCABULARY_FILE: {relaxed}: material 'plastic': refused by Soko's standards "
        "(rule no_synthetic); a file may make a material's rule stricter, not welcome "
        "(rule glass_beads)\n"
    )
    assert not (tmp_path / "soko.db").exists()
