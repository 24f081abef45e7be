"""The materials standard, in English and Swahili."""

from __future__ import annotations

import pytest

from store.services.materials import assess_materials, is_flagged, welcomed_materials


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
