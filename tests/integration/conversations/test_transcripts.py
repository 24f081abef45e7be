"""Transcripts through the real engine on both databases: what the person sends, what the bot
answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from conversations.engine import Outcome
from store.models import ConversationState, Identity, User
from tests.integration.conversations.conftest import Chat
from tests.market_support import make_market

WELCOME_EN = [
    "Welcome to Soko! Buy and sell handmade jewelry.",
    "We'll chat in English. Or choose a language:\n1. English\n2. Kiswahili",
]
WELCOME_SW = [
    "Karibu Soko! Nunua na uuze vito vilivyotengenezwa kwa mikono.",
    "Tutaongea kwa Kiswahili. Au chagua lugha:\n1. English\n2. Kiswahili",
]
MENU_EN = "What would you like to do?\n1. Colours\n9. More"
MENU_SW = "Ungependa kufanya nini?\n1. Colours\n9. Zaidi"
MORE_EN = "More choices:\n98. Language\n99. Help"
HELP_EN = (
    "Reply with a number, or choose an answer.\nAnytime you can send: menu, help, cancel, language."
)
NOT_UNDERSTOOD = "Choose from the menu above, or send “menu”."
LANGUAGES_EN = "Choose your language:\n1. English\n2. Kiswahili"
LANGUAGES_SW = "Chagua lugha yako:\n1. English\n2. Kiswahili"
PICK = "Pick a colour\n1. Red\n2. Blue\n3. Grün"


def user_of(chat: Chat) -> User:
    with chat.uow_factory() as uow:
        identity = uow.session.execute(
            select(Identity).where(Identity.platform_user_id == chat.platform_user_id)
        ).scalar_one()
        user = identity.user
        uow.session.expunge_all()
        return user


def test_first_contact_in_english_then_keep_it(chat: Chat) -> None:
    assert chat.send("Hi") == WELCOME_EN
    assert chat.send("1") == ["OK, we'll chat in English.", MENU_EN]
    user = user_of(chat)
    assert (user.locale, user.display_name) == ("en", "Wanjiku")


def test_first_contact_in_swahili_from_the_locale_hint(new_chat: Callable[..., Chat]) -> None:
    chat = new_chat("baraka", locale_hint="sw-KE")
    assert chat.send("Habari") == WELCOME_SW
    # Anything but a language choice keeps the guessed language and goes on to the menu.
    assert chat.send("sawa") == [MENU_SW]
    assert user_of(chat).locale == "sw"


def test_first_contact_with_start_payload_goes_on_to_that_flow(chat: Chat) -> None:
    # Her app told the language: not asked, straight on where the link leads.
    assert chat.send("/start colours") == [WELCOME_EN[0], PICK]


def test_first_contact_with_start_payload_and_no_language_told_asks_it(
    new_chat: Callable[..., Chat],
) -> None:
    chat = new_chat("baraka", locale_hint=None)
    assert chat.send("/start colours") == WELCOME_EN
    assert chat.send("English") == ["OK, we'll chat in English.", PICK]


def test_switch_language_with_lugha_and_a_typed_number(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    assert chat.send("lugha") == [LANGUAGES_EN]
    assert chat.send("2") == ["Sawa, tutaongea kwa Kiswahili.", MENU_SW]
    assert user_of(chat).locale == "sw"
    assert chat.send("  LANGUAGE ") == [LANGUAGES_SW]
    assert chat.tap("lang:en") == ["OK, we'll chat in English.", MENU_EN]
    assert user_of(chat).locale == "en"


def test_switch_language_by_tapping_and_by_label(chat: Chat) -> None:
    chat.send("Hi")
    assert chat.tap("lang:sw") == ["Sawa, tutaongea kwa Kiswahili.", MENU_SW]
    assert chat.send("Lugha") == [LANGUAGES_SW]
    assert chat.send("english") == ["OK, we'll chat in English.", MENU_EN]


def test_language_step_asks_again_for_anything_else(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    chat.send("language")
    assert chat.send("French") == ["Please pick one of the options.\n1. English\n2. Kiswahili"]


def test_menu_and_menyu_work_anywhere(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    assert chat.send("1") == [PICK]
    assert chat.send("Menu") == [MENU_EN]
    assert chat.send("9") == [MORE_EN]
    assert chat.send("99") == [HELP_EN]
    # After help no flow is active, and 2 is none of her menu's numbers: the menu again.
    assert chat.send("2") == [MENU_EN]
    assert chat.send("98") == [LANGUAGES_EN]  # a More page number, typed at the first page
    assert chat.send("2") == ["Sawa, tutaongea kwa Kiswahili.", MENU_SW]
    assert chat.send("1") == [PICK]
    assert chat.send("menyu!") == [MENU_SW]


def test_text_outside_any_flow_shows_the_menu(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    chat.send("help")  # help at the menu keeps the menu's choices open
    assert chat.send("1") == [PICK]
    assert chat.send("cancel") == ["Cancelled.", MENU_EN]
    # At the menu: one short line, and the menu's numbers still work.
    assert chat.send("what is this?") == [NOT_UNDERSTOOD]
    assert chat.send("hmm") == [NOT_UNDERSTOOD]
    # A greeting at the menu: the menu again, not "choose from the menu above".
    assert chat.send("Habari za asubuhi!") == [MENU_EN]
    assert chat.send("hello there") == [MENU_EN]
    chat.send("99")  # help from the menu ends there: no flow is active
    assert chat.send("what is this?") == [MENU_EN]
    chat.send("99")
    # A menu entry from an earlier menu works from any message (visible to her: re-checked).
    assert chat.tap("menu:col") == ["Pick a colour\n1. Red\n2. Blue\n3. Grün"]


def test_a_menu_choice_typed_by_label_accent_insensitively(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    chat.send("colours")
    assert chat.send("grun") == ["You chose c:green"]


def test_cancel_mid_flow_leaves_it_and_keeps_the_draft(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    chat.send("1")
    chat.send("2")  # blue
    assert chat.send("bead") == ["bead #1"]
    assert chat.send("bead") == ["bead #2"]
    assert chat.send("Ghairi") == ["Cancelled.", MENU_EN]
    assert chat.send("cancel") == ["Nothing to cancel.", MENU_EN]
    # The draft comes back when the flow starts again.
    assert chat.send("/start colours") == ["Welcome back at 2"]
    assert chat.send("bead") == ["bead #3"]


def test_help_keeps_the_question_open(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    chat.send("1")
    assert chat.send("msaada") == [HELP_EN]
    assert chat.send("2") == ["You chose c:blue"]


def test_the_same_update_delivered_twice_has_one_effect(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    update = chat.inbound("1", message_id="tg-777")
    assert chat.deliver(update) == [PICK]
    assert chat.deliver(update) == []
    assert chat.results[-1].outcome is Outcome.ALREADY_HANDLED
    assert chat.send("3") == ["You chose c:green"]  # still at the same step, not one further


def test_a_restart_between_two_messages_continues_at_the_same_step(
    chat: Chat, registry: object, tmp_path: Path
) -> None:
    from sqlalchemy import Engine as SAEngine

    from conversations.engine import ChatEngine
    from store.db import make_engine
    from store.uow import UnitOfWorkFactory
    from tests.integration.conversations.conftest import Clock

    chat.send("Hi")
    chat.send("1")
    chat.send("/start colours")
    old_engine: SAEngine = chat.uow_factory.engine
    url = old_engine.url.render_as_string(hide_password=False)
    old_engine.dispose()
    fresh = make_engine(url)
    try:
        chat.uow_factory = UnitOfWorkFactory(fresh)
        shop = make_market(tmp_path / "media")
        chat.engine = ChatEngine(chat.uow_factory, registry, shop, Clock())  # type: ignore[arg-type]
        assert chat.send("blue") == ["You chose c:blue"]
        assert chat.send("x") == ["x #1"]
    finally:
        fresh.dispose()


def test_a_forged_payload_not_offered_is_not_obeyed(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    # At the menu, a client sends a review decision it was never offered: answered kindly,
    # and the menu stays offered.
    assert chat.tap("rv:ok:1") == ["That button is from an earlier message.", NOT_UNDERSTOOD]
    chat.send("1")
    # A flow that declares no prompt for its step: its choices are offered again.
    assert chat.tap("c:purple") == [
        "That button is from an earlier message.",
        "Please choose one of these:\n1. Red\n2. Blue\n3. Grün",
    ]
    assert chat.send("2") == ["You chose c:blue"]
    # A language from an earlier message switches from anywhere, as "lugha" would.
    assert chat.tap("lang:sw")[0] == "Sawa, tutaongea kwa Kiswahili."
    assert user_of(chat).locale == "sw"


def test_state_is_stored_per_person(chat: Chat, new_chat: Callable[..., Chat]) -> None:
    other = new_chat("otieno")
    chat.send("Hi")
    other.send("Hi")
    chat.send("1")
    other.send("1")
    chat.send("1")
    assert other.send("98") == [LANGUAGES_EN]
    assert chat.send("2") == ["You chose c:blue"]
    with chat.uow_factory() as uow:
        flows = sorted(uow.session.execute(select(ConversationState.flow)).scalars())
    assert flows == ["colours", "language"]


def test_notification_reaches_the_other_person_in_their_language(
    chat: Chat, new_chat: Callable[..., Chat]
) -> None:
    artisan = new_chat("mama-beads", locale_hint="sw")
    artisan.send("Habari")
    artisan_id = user_of(artisan).id
    chat.send("Hi")
    chat.send("1")
    before = artisan.last_outbox_id()
    assert chat.send(f"/start tell{artisan_id}") == ["told", MENU_EN]
    assert artisan.answers_since(before) == ["Msaada"]


def test_a_voice_note_gets_a_kind_answer_and_the_question_stays_open(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("1")
    assert chat.send("1") == [PICK]
    assert chat.deliver(replace(chat.inbound(), unsupported_media=True)) == [
        "Sorry, I can only read text and photos. Please type your answer or send a picture."
    ]
    assert chat.send("2") == ["You chose c:blue"]  # the colour question still resolves


def test_a_voice_note_is_answered_in_swahili(chat: Chat) -> None:
    chat.send("Hi")
    chat.send("2")
    assert chat.deliver(replace(chat.inbound(), unsupported_media=True)) == [
        "Samahani, ninaweza kusoma maandishi na picha tu. Tafadhali andika jibu lako au tuma picha."
    ]
