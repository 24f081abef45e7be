"""The main menu by role, on Telegram and WhatsApp: her own actions first under fixed
numbers, the rest under "More" (Language 98 and Help 99 for everyone); a number keeps its
meaning when her roles change; something the menu does not know gets one short line."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from store.models import Artisan, ArtisanStatus, Channel, Identity, Role, UserRole
from store.uow import UnitOfWorkFactory
from tests.factories import make_user
from tests.integration.conversations.conftest import Chat

BUYER_MENU = (
    "What would you like to do?\n"
    "1. Shop jewelry\n2. Search\n3. My cart\n4. My orders\n5. Sell your jewelry\n9. More"
)
BUYER_MORE = "More choices:\n98. Language\n99. Help"
ARTISAN_MENU = (
    "What would you like to do?\n"
    "1. List a piece\n2. My pieces\n3. Orders to send\n4. My earnings\n9. More"
)
ARTISAN_MORE = (
    "More choices:\n11. Shop jewelry\n12. Search\n13. My cart\n14. My orders\n"
    "91. My story\n93. Soko’s standards\n98. Language\n99. Help"
)
ARTISAN_MENU_SW = (
    "Ungependa kufanya nini?\n"
    "1. Weka bidhaa mpya\n2. Bidhaa zangu\n3. Oda za wateja\n4. Mapato yangu\n9. Zaidi"
)
MANAGER_MENU = (
    "What would you like to do?\n1. Review listings\n2. People\n3. Hub: pieces brought in\n"
    "4. Open cases\n5. Collections\n6. Shops to visit\n7. My week\n9. More"
)
MANAGER_MORE = (
    "More choices:\n11. Shop jewelry\n12. Search\n13. My cart\n14. My orders\n"
    "15. Sell your jewelry\n93. Soko’s standards\n98. Language\n99. Help"
)
LANGUAGES = "Choose your language:\n1. English\n2. Kiswahili"
ONE_LINE = {
    Channel.WHATSAPP: "Reply with a number, or *menu*.",
    Channel.TELEGRAM: "Choose from the menu above, or send “menu”.",
}
BOTH = pytest.mark.parametrize("channel", [Channel.TELEGRAM, Channel.WHATSAPP])


def someone(
    new_chat: Callable[..., Chat],
    uow_factory: UnitOfWorkFactory,
    channel: Channel,
    *,
    locale: str = "en",
    roles: tuple[Role, ...] = (),
) -> tuple[Chat, int]:
    with uow_factory() as uow:
        user = make_user(uow.session, "Wanjiru", locale=locale, roles=roles, channel=channel)
        identity = uow.session.scalars(select(Identity).where(Identity.user_id == user.id)).one()
        uow.commit()
        return new_chat(identity.platform_user_id, channel=channel, locale_hint=locale), user.id


def opens_her_shop(uow_factory: UnitOfWorkFactory, user_id: int) -> None:
    with uow_factory() as uow:
        uow.session.add(UserRole(user_id=user_id, role=Role.ARTISAN))
        uow.session.add(
            Artisan(
                user_id=user_id,
                shop_name="Wanjiru Beads",
                slug=f"wanjiru-{user_id}",
                location="Kibera, Nairobi",
                story="",
                mpesa_phone="+254722000003",
                status=ArtisanStatus.MENTORED,
            )
        )
        uow.commit()


@BOTH
def test_a_buyer_sees_buying_first_and_the_rest_under_more(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory, channel: Channel
) -> None:
    buyer, _ = someone(new_chat, uow_factory, channel)
    assert buyer.send("menu") == [BUYER_MENU]
    assert buyer.send("9") == [BUYER_MORE]
    assert buyer.send("98") == [LANGUAGES]


@BOTH
def test_an_artisan_sees_her_seller_actions_first(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory, channel: Channel
) -> None:
    artisan, user_id = someone(new_chat, uow_factory, channel)
    opens_her_shop(uow_factory, user_id)
    assert artisan.send("menu") == [ARTISAN_MENU]
    assert artisan.send("More") == [ARTISAN_MORE]
    # A first-page number works on the More page too: it is hers, whichever page shows.
    assert artisan.send("2")[0].startswith("You have no pieces yet")


@BOTH
def test_a_manager_sees_review_first(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory, channel: Channel
) -> None:
    manager, _ = someone(new_chat, uow_factory, channel, roles=(Role.COMMUNITY_MANAGER,))
    assert manager.send("menu") == [MANAGER_MENU]
    assert manager.send("9") == [MANAGER_MORE]


def test_the_artisan_menu_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    artisan, user_id = someone(new_chat, uow_factory, Channel.WHATSAPP, locale="sw")
    opens_her_shop(uow_factory, user_id)
    assert artisan.send("menyu") == [ARTISAN_MENU_SW]
    assert artisan.send("kitu") == ["Jibu kwa namba, au andika *menyu*."]


def test_numbers_keep_their_meaning_when_she_becomes_an_artisan(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru, user_id = someone(new_chat, uow_factory, Channel.WHATSAPP)
    assert wanjiru.send("menu") == [BUYER_MENU]
    assert wanjiru.send("98") == [LANGUAGES]
    opens_her_shop(uow_factory, user_id)
    # Her menu is the artisan's now: Language is still 98, her buyer actions under More.
    wanjiru.send("menu")
    assert wanjiru.send("98") == [LANGUAGES]
    wanjiru.send("menu")
    assert wanjiru.send("14")[0].startswith("You have no orders yet")
    # After a flow ends, no menu is open: a number she learnt still starts its entry.
    assert wanjiru.send("3")[0].startswith("No orders to send")
    # An entry's long number works on either page: 23 is "Orders to send" for everyone who
    # may use it (a manager-artisan sees it under More with that number).
    wanjiru.send("menu")
    assert wanjiru.send("23")[0].startswith("No orders to send")


@BOTH
def test_something_the_menu_does_not_know_gets_one_short_line(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory, channel: Channel
) -> None:
    buyer, _ = someone(new_chat, uow_factory, channel)
    buyer.send("menu")
    assert buyer.send("what is this?") == [ONE_LINE[channel]]
    assert buyer.send("ngoja kidogo") == [ONE_LINE[channel]]
    # A greeting is no mistake: she gets the menu again.
    assert buyer.send("habari")[0].startswith("What would you like to do?")
    # The menu is still what she answers: its numbers and labels work.
    assert buyer.send("3")[0].startswith("Your cart is empty")
    buyer.send("menu")
    assert buyer.send("my orders")[0].startswith("You have no orders yet")
