"""The materials standard, in English and Swahili."""

from __future__ import annotations

import pytest

from store.services.materials import (
    assess_materials,
    check_codes,
    is_flagged,
    welcomed_materials,
)


@pytest.mark.parametrize(
    "material",
    [
        "plastic beads",
        "Plastics",
        "shanga za plastiki",
        "PLASTIKI",
        "acrylic",
        "akriliki",
        "epoxy resin",
        "nylon thread",
        "pre-made pendant",
        "Premade charms",
        "pre made clasp",
        "ready-made chain",
        "readymade earring hooks",
        "recycled plastic",
        "polymer clay",
    ],
)
def test_flags_plastic_and_pre_made(material: str) -> None:
    assert is_flagged(material)


@pytest.mark.parametrize(
    "material",
    [
        "upcycled brass",
        "copper wire",
        "glass beads",
        "recycled glass",
        "horn",
        "bone",
        "wood",
        "seeds",
        "leather",
        "shanga za kioo",
        "pembe",
        "mfupa",
        "shaba",
        "mbao",
        "ngozi",
        "glasi",
        "handmade clasp",
    ],
)
def test_welcome_materials_are_not_flagged(material: str) -> None:
    assert not is_flagged(material)


def test_assess_returns_flagged_in_given_order() -> None:
    materials = ["glass beads", "Plastiki", "brass", "ready made chain", "ngozi"]
    assert assess_materials(materials) == ["Plastiki", "ready made chain"]


def test_assess_empty_list() -> None:
    assert assess_materials([]) == []


def test_welcomed_materials() -> None:
    materials = ["shanga za kioo", "plastic beads", "pembe", "mystery stuff", "upcycled brass"]
    assert welcomed_materials(materials) == ["shanga za kioo", "pembe", "upcycled brass"]


def test_nylon_thread_in_swahili_is_flagged() -> None:
    assert is_flagged("uzi wa nailoni")
    assert assess_materials(["shanga za kioo", "uzi wa nailoni"]) == ["uzi wa nailoni"]


def test_ivory_is_flagged_though_horn_is_welcome() -> None:
    assert is_flagged("pembe ya ndovu")
    assert not is_flagged("pembe")


def test_check_codes_tells_refused_from_needing_a_look() -> None:
    checked = check_codes(["brass", "nylon", "gold", "no_longer_known", "nylon"])
    assert [(flag.material.code, flag.rule.code) for flag in checked.refused] == [
        ("nylon", "no_synthetic")
    ]
    assert [(flag.material.code, flag.rule.code) for flag in checked.to_check] == [
        ("gold", "precious_metals")
    ]
