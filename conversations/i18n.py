"""Everything the person reads goes through gettext catalogs (Babel-managed, English + Swahili).

Sources live in ``conversations/locales/<locale>/LC_MESSAGES/*.po`` (``messages.po`` plus any
per-area catalog, merged) and are compiled in memory on first use. Strings defined at module
level are wrapped in `N_` so ``pybabel extract`` finds them, and translated where they are
shown: ``ctx._(GREETING)``. Placeholders use ``str.format`` names:
``_("Hello {name}").format(name=...)``. Refresh the catalogs with ``make messages``.
"""

from __future__ import annotations

import functools
import gettext
from io import BytesIO
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from conversations.first_words import language_of_words

LOCALES_DIR = Path(__file__).parent / "locales"
# Each language named in itself, so anyone can find theirs (the chat's and the pages' menus).
LANGUAGE_NAMES: Final = {"en": "English", "sw": "Kiswahili"}
SUPPORTED_LOCALES = tuple(LANGUAGE_NAMES)
DEFAULT_LOCALE = "en"


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark a string for extraction; translate it later, where it is shown."""
    return message


def choose_locale(hint: str | None, first_words: str = "", default: str = DEFAULT_LOCALE) -> str:
    """The language to speak: the app's (a platform's hint, "sw-KE" → "sw") when we have it,
    else the language of her first words, else `default` (itself a tag), else English. The one
    rule for a newcomer, and for any tag that must become a locale."""
    words = language_of_words(first_words) if first_words else None
    for tag in (hint, words, default):
        language = supported_language(tag)
        if language is not None:
            return language
    return DEFAULT_LOCALE


def language_told(hint: str | None, first_words: str = "") -> bool:
    """Her app's language or her first words name a language we speak (`choose_locale` took
    it): no need to ask her which."""
    words = language_of_words(first_words) if first_words else None
    return supported_language(hint) is not None or supported_language(words) is not None


def supported_language(tag: str | None) -> str | None:
    """The supported locale a language tag names ("sw-KE", "SW_tz", "sw" → "sw"), or None."""
    language = (tag or "").strip().lower().replace("_", "-").split("-")[0]
    return language if language in SUPPORTED_LOCALES else None


def catalog_files(locale: str) -> list[Path]:
    return sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po"))


def read_catalog(locale: str) -> Catalog:
    """Every catalog of a locale merged into one; a message translated two ways is an error."""
    merged = Catalog(locale=locale)
    for path in catalog_files(locale):
        with path.open("rb") as source:
            part = read_po(source, locale=locale)
        for message in part:
            if not message.id:
                continue
            known = merged.get(message.id)
            if known is None:
                merged[message.id] = message
            elif known.string != message.string:
                raise DuplicateMessage(message.id, path.name)
    return merged


def translations_of(text: str) -> frozenset[str]:
    """Every language's wording of the message `text` is a wording of (itself included):
    "Ndiyo, ni mimi" → {"Yes, that's me", "Ndiyo, ni mimi"}. Only whole messages are known;
    one with its placeholders filled in is only itself."""
    return _wordings().get(text, frozenset({text}))


@functools.cache
def _wordings() -> dict[str, frozenset[str]]:
    forms: dict[str, set[str]] = {}
    for locale in SUPPORTED_LOCALES:
        for message in read_catalog(locale):
            if isinstance(message.id, str) and message.id and isinstance(message.string, str):
                forms.setdefault(message.id, {message.id}).add(message.string or message.id)
    wordings: dict[str, set[str]] = {}
    for same in forms.values():
        for wording in same:
            wordings.setdefault(wording, set()).update(same)
    return {wording: frozenset(same) for wording, same in wordings.items()}


class DuplicateMessage(Exception):
    def __init__(self, message_id: object, file: str) -> None:
        super().__init__(f"{message_id!r} is translated differently in {file}")


@functools.cache
def _translations(locale: str) -> gettext.GNUTranslations:
    catalog = read_catalog(locale)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


class Translator:
    """Translations for one locale; unsupported locales fall back to English."""

    def __init__(self, locale: str) -> None:
        self.locale = choose_locale(locale)
        self._translations = _translations(self.locale)

    def _(self, message: str) -> str:
        return self._translations.gettext(message)

    gettext = _

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)
