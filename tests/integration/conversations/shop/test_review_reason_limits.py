"""A rejection reason a community manager types is told to the artisan: it has a length
limit, answered kindly in the manager's language, and no bidi override (issue 19)."""

from __future__ import annotations

from collections.abc import Callable

from store.models import ProductStatus, Role
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import artisan, person, piece, product_state


def test_a_reason_too_long_is_refused_kindly_in_english(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Grace CM", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    joy = artisan(new_chat, uow_factory, "Joy Wambui", locale="en")
    bangle = piece(uow_factory, joy, "Red bangle", status=ProductStatus.PENDING_REVIEW)
    manager.chat.send("menu")
    manager.chat.send("Review listings")
    manager.chat.send("Reject")
    assert manager.chat.send("4") == ["Type the reason for the artisan:"]
    assert manager.chat.send("blurry " * 100) == [
        "Please keep the reason shorter: at most 500 characters.",
        "Type the reason for the artisan:",
    ]
    assert product_state(uow_factory, bangle).status is ProductStatus.PENDING_REVIEW
    assert manager.chat.send("The photo is \u202eblurry")[0] == (
        "Not accepted: Red bangle. The artisan has been told why."
    )
    assert product_state(uow_factory, bangle).rejection_reason == "The photo is blurry"


def test_a_reason_too_long_is_refused_kindly_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    manager = person(
        new_chat, uow_factory, "Wanjiru Msimamizi", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    piece(uow_factory, amina, "Hereni za shaba", status=ProductStatus.PENDING_REVIEW)
    manager.chat.send("menyu")
    manager.chat.send("Kagua bidhaa")
    manager.chat.send("Kataa")
    manager.chat.send("4")
    assert manager.chat.send("picha " * 100) == [
        "Tafadhali fupisha sababu: isizidi herufi 500.",
        "Andika sababu kwa fundi:",
    ]
