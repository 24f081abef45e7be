"""Text shown back to people is tidied and short (`conversations.shorten`)."""

from __future__ import annotations

from conversations.shorten import ECHO_LIMIT, shorten


def test_short_text_is_kept_with_its_spaces_tidied() -> None:
    assert shorten("  Shanga\n za   Mama ") == "Shanga za Mama"
    assert shorten("x" * ECHO_LIMIT) == "x" * ECHO_LIMIT


def test_long_text_is_cut_at_a_word() -> None:
    assert shorten("Beads of glass and brass from Kiambu", 20) == "Beads of glass and…"


def test_one_long_word_is_cut_inside_it() -> None:
    assert shorten("W" * 5000) == "W" * (ECHO_LIMIT - 1) + "…"
    assert shorten("Vito " + "W" * 100, 20) == "Vito " + "W" * 14 + "…"
