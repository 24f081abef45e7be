"""The bot's command menu (`setMyCommands`), in English and Swahili."""

from __future__ import annotations

from telegram import Bot, BotCommand

COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("menu", "Main menu"),
        ("help", "How this works"),
        ("language", "Change language"),
        ("cancel", "Stop what we are doing"),
    ),
    "sw": (
        ("menu", "Menyu kuu"),
        ("help", "Msaada"),
        ("language", "Badilisha lugha"),
        ("cancel", "Acha tunachofanya"),
    ),
}


async def register_commands(bot: Bot) -> None:
    """English is the default list; Swahili-speaking clients (language_code "sw") see theirs."""
    for language, commands in COMMANDS.items():
        await bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands],
            language_code=None if language == "en" else language,
        )
