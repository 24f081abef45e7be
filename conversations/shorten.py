"""Text shown in a message that someone typed or wrote elsewhere (a search, a description):
spaces tidied and cut to a few words, so that a pasted page is never sent back in full."""

from __future__ import annotations

from typing import Final

# What a reply repeats of what she typed ("No shop’s name has “…” in it").
ECHO_LIMIT: Final = 60


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """`text` on one line, at most `limit` characters: cut at a word when that keeps most of
    it, else in the word, and "…" says so."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    words = cut.rsplit(" ", 1)[0]
    return (words if len(words) > limit // 2 else cut).rstrip() + "…"
