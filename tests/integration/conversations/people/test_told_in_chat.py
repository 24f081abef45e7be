"""What a flow that changes someone's role or shop (the People menu builds on this) makes
each person read, on both databases: the other person is notified in her language; the
person writing, when the change is hers, is answered; nothing is said for no change."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conversations.flow import Flow, FlowRegistry, StepContext, StepResult
from conversations.flows import builtin_registry
from conversations.notify.roles import tell_role_changes, tell_shop_change
from store.models import ArtisanStatus, Channel, Role
from store.services import roles, suspension
from store.services.audit import Actor
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_user
from tests.integration.conversations.artisans_support import messages_to
from tests.integration.conversations.conftest import Chat


def appoint_start(ctx: StepContext, arg: str) -> StepResult:
    """`mentor-<user id>` / `manager-<user id>` / `self` (she stops mentoring): as the People
    menu would."""
    actor = Actor.user(ctx.user.id)
    if arg == "self":
        change = roles.revoke(ctx.session, actor, ctx.user.id, Role.MENTOR, ctx.now)
    else:
        kind, user_id = arg.split("-")
        role = Role.MENTOR if kind == "mentor" else Role.COMMUNITY_MANAGER
        change = roles.grant(ctx.session, actor, int(user_id), role, ctx.now)
    tell_role_changes(ctx, [change])
    ctx.say("done")
    return ctx.begin(FlowRegistry.MENU)


def pause_start(ctx: StepContext, arg: str) -> StepResult:
    change = suspension.suspend_shop(
        ctx.session, Actor.user(ctx.user.id), int(arg), ctx.now, reason="test"
    )
    tell_shop_change(ctx, change)
    ctx.say("paused")
    return ctx.begin(FlowRegistry.MENU)


@pytest.fixture
def registry() -> FlowRegistry:
    registry = builtin_registry()
    registry.add(Flow("appoint", {}, appoint_start))
    registry.add_start_route("appoint:", "appoint")
    registry.add(Flow("pause", {}, pause_start))
    registry.add_start_route("pause:", "pause")
    return registry


def test_a_mentor_made_in_chat_is_told_in_her_language_with_her_code(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    with uow_factory() as uow:
        manager = make_user(uow.session, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        seller = make_artisan(uow.session, "Wanjiru", locale="sw")
        uow.commit()
        manager_key = manager.identities[0].platform_user_id
        seller_user = seller.user_id
    chat = new_chat(manager_key, channel=Channel.CONSOLE)
    before = len(messages_to(uow_factory, seller_user))
    assert chat.send(f"/start appoint:mentor-{seller_user}")[0] == "done"
    [told] = messages_to(uow_factory, seller_user)[before:]
    assert told.startswith(
        "Sasa wewe ni mlezi kwenye Soko! Alika mafundi wapya na uwaongoze hadi mauzo yao ya "
        "kwanza.\nMsimbo wako wa mwaliko: "
    )
    assert "Alika kwa WhatsApp: https://wa.me/" in told
    # Again: she is a mentor already, nothing to tell.
    assert chat.send(f"/start appoint:mentor-{seller_user}")[0] == "done"
    assert len(messages_to(uow_factory, seller_user)) == before + 1
    # A manager may not make managers: a kind refusal, nothing changed.
    assert chat.send(f"/start appoint:manager-{seller_user}") == ["Sorry, you can't do that."]


def test_her_own_change_is_an_answer_and_a_paused_shop_is_told(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    with uow_factory() as uow:
        manager = make_user(uow.session, "Grace", roles=(Role.COMMUNITY_MANAGER, Role.MENTOR))
        seller = make_artisan(uow.session, "Achieng", locale="en")
        uow.commit()
        manager_key = manager.identities[0].platform_user_id
        seller_id, seller_user = seller.id, seller.user_id
    chat = new_chat(manager_key, channel=Channel.CONSOLE)
    assert chat.send("/start appoint:self")[:2] == [
        "You are no longer a mentor on Soko, so your invitation code no longer works. Your "
        "recruits keep their shops.",
        "done",
    ]
    assert chat.send(f"/start pause:{seller_id}")[0] == "paused"
    assert messages_to(uow_factory, seller_user)[-1] == (
        "Your shop Achieng's beads is suspended by Soko's community managers, for this reason: "
        "“test”. Until it is reinstated, buyers can't see or buy your pieces and you can't list "
        "new ones; orders not yet paid were cancelled. Orders already paid must still be sent: "
        "send menu and choose “Orders to send”.\nIf you think this is a mistake, answer this "
        "message with why your shop should open again, or choose “Appeal the suspension”: the "
        "community managers will read it and answer you here.\n1. Appeal the suspension"
    )
    with uow_factory() as uow:
        assert uow.session.get(type(seller), seller_id).status is ArtisanStatus.SUSPENDED  # type: ignore[union-attr]
