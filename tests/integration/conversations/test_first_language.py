"""A newcomer is answered in her language from the first reply: her app's language when we have
it, else the language of her first words, else the shop's DEFAULT_LOCALE. Transcripts through
the real engine and flows, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conversations.engine import ChatEngine
from conversations.flow import FlowRegistry
from conversations.flows import builtin_registry
from conversations.photos import PhotoIntake
from store.models import Channel
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans_support import seed_seller
from tests.integration.conversations.conftest import Chat, Clock
from tests.integration.conversations.test_transcripts import WELCOME_EN, WELCOME_SW, user_of
from tests.market_support import make_market

Newcomer = Callable[..., Chat]
MENU_SW = "Ungependa kufanya nini?"
MENU_EN = "What would you like to do?"


@pytest.fixture
def registry() -> FlowRegistry:
    return builtin_registry()


@pytest.fixture
def shop_speaking(
    uow_factory: UnitOfWorkFactory, intake: PhotoIntake, registry: FlowRegistry, tmp_path: Path
) -> Callable[[str], Newcomer]:
    """A shop whose DEFAULT_LOCALE is given; its newcomers write from WhatsApp unless told."""

    def shop(default_locale: str) -> Newcomer:
        config = make_market(tmp_path / "media", default_locale=default_locale)
        engine = ChatEngine(uow_factory, registry, config, Clock())

        def newcomer(
            platform_user_id: str = "+254712000111",
            *,
            channel: Channel = Channel.WHATSAPP,
            locale_hint: str | None = None,
        ) -> Chat:
            return Chat(
                engine,
                uow_factory,
                intake,
                platform_user_id,
                channel=channel,
                locale_hint=locale_hint,
            )

        return newcomer

    return shop


def test_habari_on_whatsapp_gets_the_swahili_welcome(
    shop_speaking: Callable[[str], Newcomer],
) -> None:
    chat = shop_speaking("en")()
    assert chat.send("habari") == WELCOME_SW
    answers = chat.send("sawa")  # anything but a choice keeps Swahili and goes on
    assert answers[0].startswith(MENU_SW)
    assert user_of(chat).locale == "sw"


def test_a_greeting_with_a_question_mark_and_elongation(
    shop_speaking: Callable[[str], Newcomer],
) -> None:
    assert shop_speaking("en")("+254712000112").send("Mambo vipi!") == WELCOME_SW
    assert shop_speaking("en")("+254712000113").send("Habariii yako?") == WELCOME_SW


def test_jiunge_with_a_code_is_swahili_from_the_first_reply(
    shop_speaking: Callable[[str], Newcomer], uow_factory: UnitOfWorkFactory
) -> None:
    mentor = seed_seller(uow_factory, "Mama Amina", locale="sw", mentor=True)
    code = f"{mentor.code[:3]}-{mentor.code[3:]}"
    chat = shop_speaking("en")()
    assert chat.send(f"JIUNGE {code}") == WELCOME_SW
    assert chat.send("sawa") == [
        "Tufungue duka lako kwenye Soko! Nitakuuliza maswali 5 mafupi.",
        f"Msimbo wa mlezi wako: {code}.",
        "Wewe ni Wanjiku? Jibu ndiyo, au andika jina lako.\n1. Ndiyo, ni mimi",
    ]


def test_hi_is_english_even_where_the_shop_speaks_swahili(
    shop_speaking: Callable[[str], Newcomer],
) -> None:
    chat = shop_speaking("sw")()
    assert chat.send("Hi") == WELCOME_EN
    assert user_of(chat).locale == "en"


@pytest.mark.parametrize("first", ["👋", "12345", "Wanjiru", "Hi habari"])
def test_nothing_recognisable_takes_the_shops_default(
    shop_speaking: Callable[[str], Newcomer], first: str
) -> None:
    assert shop_speaking("sw")().send(first) == WELCOME_SW
    assert shop_speaking("en")("+254712000114").send(first) == WELCOME_EN


def test_telegrams_swahili_app_wins_over_english_words(
    shop_speaking: Callable[[str], Newcomer],
) -> None:
    chat = shop_speaking("en")("4242", channel=Channel.TELEGRAM, locale_hint="sw")
    assert chat.send("Hello") == WELCOME_SW


def test_an_app_language_we_do_not_have_lets_her_words_decide(
    shop_speaking: Callable[[str], Newcomer],
) -> None:
    chat = shop_speaking("en")("4243", channel=Channel.TELEGRAM, locale_hint="de")
    assert chat.send("habari") == WELCOME_SW
    german = shop_speaking("sw")("4244", channel=Channel.TELEGRAM, locale_hint="de-AT")
    assert german.send("/start") == WELCOME_SW


def test_a_deep_link_carries_no_words(shop_speaking: Callable[[str], Newcomer]) -> None:
    chat = shop_speaking("sw")("4245", channel=Channel.TELEGRAM, locale_hint=None)
    assert chat.send("/start ref-KQ7M2X") == WELCOME_SW


def test_she_can_still_change_it(shop_speaking: Callable[[str], Newcomer]) -> None:
    chat = shop_speaking("en")()
    assert chat.send("habari") == WELCOME_SW
    answers = chat.tap("lang:en")  # the welcome's language choice
    assert answers[0] == "OK, we'll chat in English."
    assert answers[1].startswith(MENU_EN)
    assert user_of(chat).locale == "en"
    assert chat.send("lugha") == ["Choose your language:\n1. English\n2. Kiswahili"]
    assert chat.send("Kiswahili")[0] == "Sawa, tutaongea kwa Kiswahili."
    assert user_of(chat).locale == "sw"
