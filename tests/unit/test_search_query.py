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
    assert fts5_query(["zebra", "bea"]) == '"zebra" AND "bea"*'
    assert fts5_query(["zebra", "be"]) == '"zebra" AND "be"'  # too short to be a prefix


def test_postgres_query_quotes_and_prefixes_the_last_word() -> None:
    assert postgres_tsquery(["zebra", "bea"]) == "'zebra' & 'bea':*"
    assert postgres_tsquery(["be"]) == "'be'"


def test_a_word_naming_a_term_matches_it_in_every_language() -> None:
    assert fts5_query(["shaba", "zebra"]) == '("shaba" OR "brass") AND "zebra"*'
    assert postgres_tsquery(["shaba", "zebra"]) == "( 'shaba' | 'brass' ) & 'zebra':*"


def test_a_phrase_is_one_group_and_phrases_holding_a_shorter_one_are_left_out() -> None:
    query = fts5_query(search_tokens("shanga za kioo"))
    assert query.startswith('("shanga za kioo"* OR "glass beads" OR ')
    assert '"recycled glass beads"' not in query  # "glass beads" matches all it would
    tsquery = postgres_tsquery(search_tokens("glass beads"))
    assert tsquery.startswith("( 'glass' <-> 'beads':* | ")
    assert "'shanga' <-> 'za' <-> 'kioo'" in tsquery


def test_little_words_are_skipped_when_a_query_has_others() -> None:
    assert fts5_query(search_tokens("mkufu wa zebra")).endswith(') AND "zebra"*')
    assert fts5_query(["wa"]) == '"wa"'
    assert postgres_tsquery(["of"]) == "'of'"


@given(st.text())
def test_queries_only_ever_hold_quoted_words(text: str) -> None:
    tokens = search_tokens(text)
    assert all(re.fullmatch(r"[^\W_]+", token) for token in tokens)
    if tokens:
        phrase = r'"[^\W_]+(?: [^\W_]+)*"\*?'
        group = rf"(?:{phrase}|\({phrase}(?: OR {phrase})+\))"
        assert re.fullmatch(rf"{group}(?: AND {group})*", fts5_query(tokens))
        lexemes = r"'[^\W_]+'(?: <-> '[^\W_]+')*(?::\*)?"
        alternatives = rf"(?:{lexemes}|\( {lexemes}(?: \| {lexemes})+ \))"
        assert re.fullmatch(rf"{alternatives}(?: & {alternatives})*", postgres_tsquery(tokens))
