"""The texts the channel adapters show themselves come from the catalogs, and every locale's
translation of each fits the limit its platform puts on it."""

from __future__ import annotations

import re

import pytest

from conversations import payment_labels
from conversations.i18n import SUPPORTED_LOCALES, Translator
from conversations.notify.templates import UtilityTemplate
from handlers.telegram import commands
from handlers.whatsapp import render as whatsapp
from handlers.whatsapp import templates
from payments import telegram_invoice
from store.services.orders import ORDER_CODE_LENGTH, ORDER_CODE_PREFIX

# Bot API: a command is 1-32 of a-z 0-9 _, its description 1-256 characters.
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
DESCRIPTION_MAX = 256
TEMPLATE_BODY_MAX = 1024  # WhatsApp's limit on a template body, its variables filled in


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_telegram_commands_fit_in_every_language(locale: str) -> None:
    menu = commands.command_menu(locale)
    assert [c.command for c in menu] == ["menu", "help", "language", "phone", "cancel"]
    for command in menu:
        assert COMMAND_NAME.fullmatch(command.command)
        assert 1 <= len(command.description.strip()) <= DESCRIPTION_MAX, command


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_whatsapp_list_button_fits_in_every_language(locale: str) -> None:
    label = Translator(locale)._(whatsapp.LIST_BUTTON)
    assert 1 <= len(label) <= whatsapp.LIST_BUTTON_MAX


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_telegram_invoice_texts_fit_in_every_language(locale: str) -> None:
    code = ORDER_CODE_PREFIX + "X" * ORDER_CODE_LENGTH
    # The title is cut to fit anyway; a translation that needs cutting loses the order code.
    labels = payment_labels.checkout_labels(locale, code)
    assert len(labels.title) <= telegram_invoice.TITLE_MAX
    assert 1 <= len(labels.shipping) <= telegram_invoice.LABEL_MAX


def test_swahili_is_not_english() -> None:
    """A sample: the catalogs, not the English ids, answer for Swahili."""
    sw = Translator("sw")
    assert sw._(whatsapp.LIST_BUTTON) == "Chagua"
    assert [c.description for c in commands.command_menu("sw")] == [
        "Menyu kuu",
        "Msaada",
        "Badilisha lugha",
        "Tuma namba yako ya simu",
        "Ghairi tunachofanya",
    ]


def test_whatsapp_template_bodies_exist_per_language_and_leave_room_for_the_text() -> None:
    """The approved bodies stay in templates.py (see there why), one per template and
    language, each a supported language, with room for the notification's text."""
    assert set(templates.LANGUAGES) <= set(SUPPORTED_LOCALES)
    for template in UtilityTemplate:
        bodies = templates.UTILITY_BODIES[template]
        assert set(bodies) == set(templates.LANGUAGES), template
        for body in bodies.values():
            assert body.count("{{1}}") == 1, body
            room = TEMPLATE_BODY_MAX - (len(body) - len("{{1}}"))
            assert room >= templates.UTILITY_VARIABLE_MAX, body
