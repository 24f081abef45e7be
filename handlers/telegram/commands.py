"""The bot's command menu (`setMyCommands`): one list per supported language, its
descriptions from the translation catalogs (the command names are the same in every language).
"""

from __future__ import annotations

from typing import Final

from telegram import Bot, BotCommand

from conversations.i18n import DEFAULT_LOCALE, N_, SUPPORTED_LOCALES, Translator

COMMANDS: Final = (
    # TRANSLATORS: a command's description in Telegram's command menu (at most 256 characters).
    ("menu", N_("Main menu")),
    ("help", N_("How this works")),
    ("language", N_("Change language")),
    ("phone", N_("Share your phone number")),
    ("cancel", N_("Stop what we are doing")),
)


def command_menu(locale: str) -> list[BotCommand]:
    t = Translator(locale)
    return [BotCommand(name, t._(description)) for name, description in COMMANDS]


async def register_commands(bot: Bot) -> list[str]:
    """The default language's list for every client; each other language's for the clients
    set to it (Telegram picks the list by the client's `language_code`). Returns the
    languages, the default first."""
    locales = [DEFAULT_LOCALE, *(x for x in SUPPORTED_LOCALES if x != DEFAULT_LOCALE)]
    for locale in locales:
        await bot.set_my_commands(
            command_menu(locale),
            language_code=None if locale == DEFAULT_LOCALE else locale,
        )
    return locales
