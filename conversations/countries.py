"""Countries as buyers type them ("Germany", "Ujerumani", "de") and as people read them."""

from __future__ import annotations

from functools import cache

from babel import Locale

from conversations.choices import normalise_label
from conversations.i18n import SUPPORTED_LOCALES
from store.money import babel_locale
from store.services.shipping import country_codes

# What people type that CLDR does not list as a name.
_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "britain": "GB",
    "great britain": "GB",
    "usa": "US",
    "america": "US",
    "uingereza": "GB",
}


def resolve_country(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code for a typed code or an English / Swahili country name."""
    wanted = normalise_label(text)
    if not wanted:
        return None
    if len(wanted) == 2 and wanted.upper() in country_codes():
        return wanted.upper()
    return _ALIASES.get(wanted) or _codes_by_name().get(wanted)


def country_name(code: str, locale: str) -> str:
    """The country's name in the reader's language ("DE", "sw" → "Ujerumani")."""
    name = Locale.parse(babel_locale(locale)).territories.get(code)
    return str(name) if name else code


@cache
def _codes_by_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for language in SUPPORTED_LOCALES:
        territories = Locale.parse(language).territories
        for code in sorted(country_codes()):
            name = territories.get(code)
            if name:
                names.setdefault(normalise_label(str(name)), code)
    return names
