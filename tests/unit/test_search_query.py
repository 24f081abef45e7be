"""User text becomes a safe full-text query: words only, quoted, the last one a prefix."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from store.services.browse import fts5_query, postgres_tsquery, search_tokens


def test_tokens_are_lower_case_words() -> None:
    assert search_tokens("Blue  GLASS-beads, shanga!") == ["blue", "glass", "beads", "shanga"]


def test_search_syntax_is_reduced_to_words() -> None:
    assert search_tokens('AND OR " NEAR( title:x* -y ^z') == [
        "and",
        "or",
        "near",
        "title",
        "x",
        "y",
        "z",
    ]
    assert search_tokens('"" * : ! & | ( ) \' \\') == []


def test_token_count_and_length_are_capped() -> None:
    tokens = search_tokens(" ".join(["a" * 100] * 20))
    assert len(tokens) == 8
    assert all(len(token) == 40 for token in tokens)


def test_fts5_query_quotes_and_prefixes_the_last_word() -> None:
    assert fts5_query(["blue", "bea"]) == '"blue" "bea"*'
    assert fts5_query(["blue", "be"]) == '"blue" "be"'  # too short to be a prefix


def test_postgres_query_quotes_and_prefixes_the_last_word() -> None:
    assert postgres_tsquery(["blue", "bea"]) == "'blue' & 'bea':*"
    assert postgres_tsquery(["be"]) == "'be'"


@given(st.text())
def test_queries_only_ever_hold_quoted_words(text: str) -> None:
    tokens = search_tokens(text)
    assert all(re.fullmatch(r"[^\W_]+", token) for token in tokens)
    if tokens:
        assert re.fullmatch(r'("[^\W_]+"\*? ?)+', fts5_query(tokens))
        assert re.fullmatch(r"('[^\W_]+'(:\*)?( & )?)+", postgres_tsquery(tokens))
