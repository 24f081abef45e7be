"""Every message in conversations/, the web pages and the channel adapters has a Swahili
translation, and the catalogs are current.

When this fails after changing a message: run `make messages`, then translate what is new or
fuzzy in conversations/locales/sw/LC_MESSAGES/*.po.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg

from conversations.i18n import SUPPORTED_LOCALES, Translator, catalog_files, read_catalog

ROOT = Path(__file__).resolve().parents[3]
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")

MessageId = str | tuple[str, str]


def make_variable(name: str) -> tuple[str, ...]:
    """A `NAME := a b c` line of the Makefile: what `make messages` extracts from."""
    found = re.search(rf"^{name}\s*:=(.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert found is not None, f"no {name} in the Makefile"
    return tuple(found.group(1).split())


SOURCES = make_variable("MESSAGES_SOURCES") + make_variable("CHANNELS_SOURCES")


def extracted() -> set[MessageId]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[MessageId] = set()
    for source in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / source), method_map=method_map, options_map=options_map
        ):
            found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def test_every_file_with_marked_messages_is_extracted() -> None:
    """A message marked outside the directories `make messages` reads would never reach
    a translator, and the completeness test would not see it."""
    sources = [ROOT / source for source in SOURCES]
    unread = []
    for package in ("bot", "conversations", "handlers", "payments", "store"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if any(path.is_relative_to(source) for source in sources):
                continue
            if list(extract_from_file("python", str(path))):
                unread.append(str(path.relative_to(ROOT)))
    assert unread == []


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_each_locale_has_every_catalog(locale: str) -> None:
    names = sorted(path.stem for path in (ROOT / "conversations" / "locales").glob("*.pot"))
    assert names == ["channels", "messages"]
    assert [path.stem for path in catalog_files(locale)] == names


def catalog(locale: str) -> Catalog:
    return read_catalog(locale)


def key(message_id: object) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]  # type: ignore[index,return-value]


@pytest.fixture(scope="module")
def messages() -> set[MessageId]:
    found = extracted()
    assert len(found) > 10, "extraction found (almost) nothing: is babel.cfg right?"
    return found


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalogs_hold_every_message_in_the_code(locale: str, messages: set[MessageId]) -> None:
    held = {key(m.id) for m in catalog(locale) if m.id}
    stale = sorted(key(m) for m in messages if key(m) not in held)
    assert stale == [], f"{locale} catalog is stale, run `make messages`: {stale}"


def test_every_message_has_a_swahili_translation(messages: set[MessageId]) -> None:
    sw = catalog("sw")
    missing, fuzzy = [], []
    for message_id in messages:
        entry = sw.get(message_id if isinstance(message_id, str) else message_id[0])
        if entry is None:
            continue  # reported by the staleness test
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(s.strip() for s in strings):
            missing.append(key(message_id))
        if entry.fuzzy:
            fuzzy.append(key(message_id))
    assert missing == [], f"untranslated in Swahili: {missing}"
    assert fuzzy == [], f"fuzzy (needs review) in Swahili: {fuzzy}"


def test_translations_keep_the_placeholders() -> None:
    for entry in catalog("sw"):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, entry.id


def test_a_module_level_message_is_translated_where_it_is_shown() -> None:
    from conversations import replies

    assert Translator("sw")._(replies.CANCELLED) == "Imeghairiwa."
    assert Translator("en")._(replies.CANCELLED) == "Cancelled."
    assert Translator("fr").locale == "en"
