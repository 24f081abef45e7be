"""Roles on both databases: who may appoint whom, promises to numbers nobody has yet, the
owners from ADMIN_PHONES, shops suspended and reinstated, finding people by any number, and
the audit row each change leaves."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from store.errors import PermissionDenied
from store.models import (
    ActorKind,
    Artisan,
    ArtisanStatus,
    AuditAction,
    Channel,
    PeopleAudit,
    PromisedRole,
    Role,
    RoleSource,
    UserRole,
)
from store.services import audit, directory, owners, people, referrals, roles, suspension
from store.services.audit import Actor
from store.services.people import InvalidPhone
from store.services.roles import NotGrantable, OwnerKeepsRole, ShopSuspended
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
OPERATOR = Actor.operator()
OWNER_PHONE = "+254711000001"


def _roles(session: Session, user_id: int) -> dict[Role, RoleSource]:
    rows = session.scalars(select(UserRole).where(UserRole.user_id == user_id))
    return {row.role: row.source for row in rows}


def _history(session: Session) -> list[tuple[str, str, str | None, int | None, str | None]]:
    return [
        (row.actor.value, row.action.value, row.role.value if row.role else None,
         row.subject_user_id, row.phone)
        for row in audit.history(session)
    ]  # fmt: skip


# --- who may appoint whom -----------------------------------------------------------------


def test_a_manager_makes_mentors_but_only_an_owner_makes_managers(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        owner = make_user(s, roles=(Role.OWNER, Role.COMMUNITY_MANAGER))
        manager = make_user(s, roles=(Role.COMMUNITY_MANAGER,))
        buyer, target = make_user(s), make_user(s)
        with pytest.raises(PermissionDenied):
            roles.grant(s, Actor.user(buyer.id), target.id, Role.MENTOR, NOW)
        with pytest.raises(PermissionDenied):
            roles.grant(s, Actor.user(manager.id), target.id, Role.COMMUNITY_MANAGER, NOW)
        with pytest.raises(NotGrantable):
            roles.grant(s, OPERATOR, target.id, Role.OWNER, NOW)
        assert roles.grant(s, Actor.user(manager.id), target.id, Role.MENTOR, NOW).changed
        made = roles.grant(s, Actor.user(owner.id), target.id, Role.COMMUNITY_MANAGER, NOW)
        again = roles.grant(s, OPERATOR, target.id, Role.COMMUNITY_MANAGER, NOW)
        assert (made.changed, again.changed, again.audit_id) == (True, False, None)
        assert roles.may_appoint(s, owner.id, Role.COMMUNITY_MANAGER)
        assert not roles.may_appoint(s, manager.id, Role.COMMUNITY_MANAGER)
        assert roles.may_appoint(s, manager.id, Role.MENTOR)
        uow.commit()
    with uow_factory() as uow:
        s = uow.session
        assert _roles(s, target.id) == {
            Role.MENTOR: RoleSource.GRANTED,
            Role.COMMUNITY_MANAGER: RoleSource.GRANTED,
        }
        assert _history(s) == [
            ("user", "grant", "mentor", target.id, None),
            ("user", "grant", "community_manager", target.id, None),
        ]
        assert [row.actor_user_id for row in audit.history(s)] == [manager.id, owner.id]
        revoked = roles.revoke(s, Actor.user(manager.id), target.id, Role.MENTOR, NOW)
        assert revoked.changed
        assert not roles.revoke(s, OPERATOR, target.id, Role.MENTOR, NOW).changed
        assert Role.MENTOR not in _roles(s, target.id)


def test_only_owners_act_on_owners_and_nobody_on_herself_in_the_chat(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        owner_shop = make_artisan(s, status=ArtisanStatus.INDEPENDENT)
        people.link_phone(s, owner_shop.user_id, OWNER_PHONE)
        owners.sync_owners(s, [OWNER_PHONE], NOW)
        manager_shop = make_artisan(s, status=ArtisanStatus.INDEPENDENT)
        people.link_phone(s, manager_shop.user_id, "+254722000888")
        roles.grant(s, OPERATOR, manager_shop.user_id, Role.COMMUNITY_MANAGER, NOW)
        roles.grant(s, OPERATOR, owner_shop.user_id, Role.MENTOR, NOW)
        owner, manager = Actor.user(owner_shop.user_id), Actor.user(manager_shop.user_id)
        recorded = len(audit.history(s))
        refused = [
            # a community manager against an owner
            lambda: roles.revoke(s, manager, owner_shop.user_id, Role.MENTOR, NOW),
            lambda: suspension.suspend_shop(s, manager, owner_shop.id, NOW, reason="x"),
            lambda: roles.revoke_from_phone(s, manager, OWNER_PHONE, Role.MENTOR, NOW),
            # anyone for herself
            lambda: roles.grant(s, manager, manager_shop.user_id, Role.MENTOR, NOW),
            lambda: roles.grant_to_phone(s, manager, "0722 000 888", Role.MENTOR, NOW),
            lambda: suspension.suspend_shop(s, manager, manager_shop.id, NOW, reason="x"),
            lambda: suspension.suspend_shop(s, owner, owner_shop.id, NOW, reason="x"),
            lambda: roles.grant(s, owner, owner_shop.user_id, Role.COMMUNITY_MANAGER, NOW),
        ]
        for attempt in refused:
            with pytest.raises(PermissionDenied):
                attempt()
        assert len(audit.history(s)) == recorded
        mine, theirs = manager_shop.user_id, owner_shop.user_id
        assert not roles.may_change(s, mine, theirs, Role.MENTOR, give=False)
        assert not roles.may_change(s, mine, mine, Role.MENTOR, give=True)
        assert roles.may_change(s, mine, mine, Role.MENTOR, give=False)
        assert roles.may_change(s, theirs, mine, Role.MENTOR, give=True)
        assert not suspension.may_change_shop(s, mine, owner_shop)
        assert not suspension.may_change_shop(s, mine, manager_shop)
        assert suspension.may_change_shop(s, theirs, manager_shop)
        # An owner acts on a community manager; anyone may stop mentoring herself; the
        # operator does anything.
        assert suspension.suspend_shop(s, owner, manager_shop.id, NOW, reason="x").changed
        assert suspension.reinstate_shop(s, owner, manager_shop.id, NOW).changed
        assert roles.revoke(s, owner, owner_shop.user_id, Role.MENTOR, NOW).changed
        assert roles.grant(s, OPERATOR, owner_shop.user_id, Role.MENTOR, NOW).changed
        assert suspension.suspend_shop(s, OPERATOR, owner_shop.id, NOW, reason="x").changed
        # A shop is suspended or reinstated by a community manager, and never by her own
        # owner, whoever she is.
        with pytest.raises(PermissionDenied):
            suspension.reinstate_shop(s, owner, owner_shop.id, NOW)


def test_a_role_she_promised_to_her_own_number_is_not_hers_when_she_proves_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, roles=(Role.COMMUNITY_MANAGER,))  # on Telegram, no number yet
        by_her = Actor.user(manager.id)
        promised = roles.grant_to_phone(s, by_her, "0722 000 777", Role.MENTOR, NOW)
        assert (promised.action, promised.changed) == (AuditAction.PROMISE, True)
        she = people.link_phone(s, manager.id, "+254722000777")  # she shares her contact
        assert roles.claim_promised(s, she, NOW) == []
        assert set(_roles(s, manager.id)) == {Role.COMMUNITY_MANAGER}
        assert roles.promises(s) == []
        assert _history(s)[-1] == ("user", "withdraw", "mentor", None, "+254722000777")


def test_an_owner_stays_a_manager_while_her_number_is_in_admin_phones(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        owner = make_user(s, phone=OWNER_PHONE)
        owners.sync_owners(s, [OWNER_PHONE], NOW)
        with pytest.raises(OwnerKeepsRole):
            roles.revoke(s, OPERATOR, owner.id, Role.COMMUNITY_MANAGER, NOW)
        with pytest.raises(OwnerKeepsRole):
            roles.revoke_from_phone(s, OPERATOR, "0711 000 001", Role.COMMUNITY_MANAGER, NOW)


def test_making_a_seller_a_mentor_gives_her_a_code(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        seller = make_artisan(s, status=ArtisanStatus.INDEPENDENT)
        change = roles.grant(s, OPERATOR, seller.user_id, Role.MENTOR, NOW)
        assert change.changed
        assert change.mentor_code is not None
        assert [c.code for c in referrals.active_codes(s, seller.id)] == [change.mentor_code]
        assert s.get(Artisan, seller.id).mentor_since == NOW  # type: ignore[union-attr]
        row = s.get(PeopleAudit, change.audit_id)
        assert row is not None
        assert (row.action, row.role, row.artisan_id) == (
            AuditAction.GRANT,
            Role.MENTOR,
            seller.id,
        )
        # Someone without a shop is a mentor at once; her code comes with her shop.
        newcomer = make_user(s)
        early = roles.grant(s, OPERATOR, newcomer.id, Role.MENTOR, NOW)
        assert (early.changed, early.mentor_code) == (True, None)
        assert Role.MENTOR in _roles(s, newcomer.id)
        # A suspended shop mentors nobody.
        suspended = make_artisan(s, status=ArtisanStatus.SUSPENDED)
        with pytest.raises(ShopSuspended):
            roles.grant(s, OPERATOR, suspended.user_id, Role.MENTOR, NOW)


# --- promises to a number -----------------------------------------------------------------


def test_a_number_nobody_has_gets_a_promise_kept_when_she_arrives(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, roles=(Role.COMMUNITY_MANAGER,))
        promised = roles.grant_to_phone(s, Actor.user(manager.id), "0722 000 111", Role.MENTOR, NOW)
        assert (promised.action, promised.changed, promised.phone) == (
            AuditAction.PROMISE,
            True,
            "+254722000111",
        )
        again = roles.grant_to_phone(s, OPERATOR, "254722000111", Role.MENTOR, NOW)
        assert not again.changed
        assert [(p.phone, p.role) for p in roles.promises(s)] == [("+254722000111", Role.MENTOR)]
        newcomer, _ = people.find_or_create_user(s, Channel.WHATSAPP, "+254722000111", now=NOW)
        people.link_phone(s, newcomer.id, "+254722000111")
        [claimed] = roles.claim_promised(s, newcomer, NOW)
        assert (claimed.action, claimed.role, claimed.user) == (
            AuditAction.GRANT,
            Role.MENTOR,
            newcomer,
        )
        assert roles.claim_promised(s, newcomer, NOW) == []
        uow.commit()
    with uow_factory() as uow:
        s = uow.session
        assert roles.promises(s) == []
        assert Role.MENTOR in _roles(s, newcomer.id)
        assert _history(s) == [
            ("user", "promise", "mentor", None, "+254722000111"),
            ("user", "grant", "mentor", newcomer.id, None),  # as given by whoever promised
        ]


def test_a_promise_can_be_withdrawn_and_a_bad_number_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        roles.grant_to_phone(s, OPERATOR, "+254722000222", Role.COMMUNITY_MANAGER, NOW)
        withdrawn = roles.revoke_from_phone(s, OPERATOR, "0722000222", Role.COMMUNITY_MANAGER, NOW)
        assert (withdrawn.action, withdrawn.changed) == (AuditAction.WITHDRAW, True)
        nothing = roles.revoke_from_phone(s, OPERATOR, "0722000222", Role.COMMUNITY_MANAGER, NOW)
        assert not nothing.changed
        with pytest.raises(InvalidPhone):
            roles.grant_to_phone(s, OPERATOR, "07x", Role.MENTOR, NOW)
        assert s.scalar(select(func.count()).select_from(PromisedRole)) == 0


# --- owners -------------------------------------------------------------------------------


def test_owners_sync_gives_promises_and_takes_back_only_what_the_setting_gave(
    uow_factory: UnitOfWorkFactory,
) -> None:
    known, unknown, former = "+254711000001", "+254711000002", "+254711000003"
    with uow_factory() as uow:
        s = uow.session
        grace = make_user(s, phone=known)
        wanjiru = make_user(s, phone=former)
        made = owners.sync_owners(s, [known, former, unknown], NOW)
        assert {(c.action, c.role, c.phone or c.user.id) for c in made} == {  # type: ignore[union-attr]
            (AuditAction.GRANT, Role.OWNER, grace.id),
            (AuditAction.GRANT, Role.COMMUNITY_MANAGER, grace.id),
            (AuditAction.GRANT, Role.OWNER, wanjiru.id),
            (AuditAction.GRANT, Role.COMMUNITY_MANAGER, wanjiru.id),
            (AuditAction.PROMISE, Role.OWNER, unknown),
            (AuditAction.PROMISE, Role.COMMUNITY_MANAGER, unknown),
        }
        assert owners.sync_owners(s, [known, former, unknown], NOW) == []  # idempotent
        # The operator confirms Wanjiru as a community manager by hand.
        roles.grant(s, OPERATOR, wanjiru.id, Role.COMMUNITY_MANAGER, NOW)
        uow.commit()
    with uow_factory() as uow:
        s = uow.session
        assert _roles(s, grace.id) == {
            Role.OWNER: RoleSource.ADMIN_PHONES,
            Role.COMMUNITY_MANAGER: RoleSource.ADMIN_PHONES,
        }
        assert _roles(s, wanjiru.id)[Role.COMMUNITY_MANAGER] is RoleSource.GRANTED
        before = s.scalar(select(func.count()).select_from(PeopleAudit))
        # Both numbers leave the setting (and the one nobody had yet).
        taken = owners.sync_owners(s, [known], NOW)
        assert {(c.action, c.role, c.phone) for c in taken} == {  # each names the number
            (AuditAction.REVOKE, Role.OWNER, former),
            (AuditAction.WITHDRAW, Role.OWNER, unknown),
            (AuditAction.WITHDRAW, Role.COMMUNITY_MANAGER, unknown),
        }
        uow.commit()
    with uow_factory() as uow:
        s = uow.session
        assert _roles(s, wanjiru.id) == {Role.COMMUNITY_MANAGER: RoleSource.GRANTED}
        assert roles.promises(s) == []
        latest = audit.history(s)[before:]
        assert {row.actor for row in latest} == {ActorKind.ADMIN_PHONES}
        # A setting with no number at all keeps the owners there are.
        assert owners.sync_owners(s, [], NOW) == []
        assert Role.OWNER in _roles(s, grace.id)
        assert len(latest) == 3


def test_an_owner_known_only_by_her_whatsapp_number_is_found(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        # She wrote on WhatsApp before numbers were recorded as phones.
        old, _ = people.find_or_create_user(s, Channel.WHATSAPP, OWNER_PHONE, now=NOW)
        owners.sync_owners(s, [OWNER_PHONE], NOW)
        assert set(_roles(s, old.id)) == {Role.OWNER, Role.COMMUNITY_MANAGER}
        assert roles.promises(s) == []


def test_owners_syncing_together_give_each_role_once(postgres_engine: Engine) -> None:
    """Two workers start at once on PostgreSQL: the second waits on the first's rows, then
    finds everything done and records nothing."""
    factory = UnitOfWorkFactory(postgres_engine)
    phones = [OWNER_PHONE, "+254711000009"]
    with factory() as uow:
        grace = make_user(uow.session, phone=OWNER_PHONE)
        uow.commit()
    second_result: list[list[roles.RoleChange]] = []

    def second_worker() -> None:
        with factory() as uow:
            second_result.append(owners.sync_owners(uow.session, phones, NOW))
            uow.commit()

    with factory() as first:
        assert len(owners.sync_owners(first.session, phones, NOW)) == 4
        worker = threading.Thread(target=second_worker)
        worker.start()
        _wait_until_blocked(postgres_engine)
        first.commit()
    worker.join(timeout=30)
    assert second_result == [[]]
    with factory() as uow:
        assert set(_roles(uow.session, grace.id)) == {Role.OWNER, Role.COMMUNITY_MANAGER}
        assert uow.session.scalar(select(func.count()).select_from(PeopleAudit)) == 4


def _wait_until_blocked(engine: Engine) -> None:
    """Until another connection waits on a row lock (no time limit but the test's own)."""
    blocked = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with engine.connect() as connection:
        while not connection.execute(blocked).scalar():
            connection.rollback()
            time.sleep(0.01)


# --- shops --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mentored", "qualified", "back_to"),
    [
        (True, False, ArtisanStatus.MENTORED),
        (True, True, ArtisanStatus.INDEPENDENT),
        (False, False, ArtisanStatus.INDEPENDENT),
    ],
)
def test_suspend_and_reinstate_round_trip_to_what_she_was(
    uow_factory: UnitOfWorkFactory, mentored: bool, qualified: bool, back_to: ArtisanStatus
) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, roles=(Role.COMMUNITY_MANAGER,))
        mentor = make_artisan(s, status=ArtisanStatus.INDEPENDENT)
        seller = make_artisan(s, mentor=mentor if mentored else None, status=back_to)
        seller.qualified_at = NOW if qualified else None
        by = Actor.user(manager.id)
        with pytest.raises(PermissionDenied):
            suspension.suspend_shop(s, Actor.user(seller.user_id), seller.id, NOW, reason="x")
        stopped = suspension.suspend_shop(s, by, seller.id, NOW, reason="fake photos")
        assert (stopped.changed, stopped.artisan.status) == (True, ArtisanStatus.SUSPENDED)
        assert not suspension.suspend_shop(s, by, seller.id, NOW, reason="again").changed
        back = suspension.reinstate_shop(s, by, seller.id, NOW)
        assert (back.changed, back.artisan.status) == (True, back_to)
        assert not suspension.reinstate_shop(s, OPERATOR, seller.id, NOW).changed
        assert [(r.action, r.artisan_id, r.note) for r in audit.history(s)] == [
            (AuditAction.SUSPEND, seller.id, "fake photos"),
            (AuditAction.REINSTATE, seller.id, "fake photos"),
        ]


# --- finding people -----------------------------------------------------------------------


def test_a_number_is_hers_only_when_a_channel_vouched_for_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        telegram = make_user(s, phone="+254700100001")
        whatsapp, _ = people.find_or_create_user(s, Channel.WHATSAPP, "+254700100002", now=NOW)
        seller = make_artisan(s)
        seller.mpesa_phone = "+254700100003"  # typed when she opened her shop, never checked
        s.flush()
        assert directory.person_verified_by(s, "0700 100 001") == telegram
        assert directory.person_verified_by(s, "254700100002") == whatsapp
        assert directory.person_verified_by(s, "+254 700 100003") is None
        assert directory.person_verified_by(s, "0700 100 004") is None
        assert directory.shops_with_mpesa_number(s, "+254 700 100003") == [seller]
        assert directory.shops_with_mpesa_number(s, "0700 100 001") == []
        for find in (directory.person_verified_by, directory.shops_with_mpesa_number):
            with pytest.raises(InvalidPhone):
                find(s, "hello")
        card = directory.person_card(s, whatsapp.id)
        assert (card.phones, card.shop) == (("+254700100002",), None)
        assert directory.find_shops(s, seller.shop_name.upper()[:6]) == [seller]
        assert directory.find_shops(s, "%") == []


def test_a_role_for_a_number_never_goes_to_a_shop_that_typed_it_for_m_pesa(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        squatter = make_artisan(s)
        squatter.mpesa_phone = "+254722000009"  # Njeri's number, typed as her M-Pesa number
        s.flush()
        for role in roles.GRANTABLE:
            change = roles.grant_to_phone(s, OPERATOR, "0722 000 009", role, NOW)
            assert (change.action, change.user, change.phone) == (
                AuditAction.PROMISE,
                None,
                "+254722000009",
            )
        roles.grant(s, OPERATOR, squatter.user_id, Role.MENTOR, NOW)
        withdrawn = roles.revoke_from_phone(s, OPERATOR, "0722 000 009", Role.MENTOR, NOW)
        assert (withdrawn.action, withdrawn.changed) == (AuditAction.WITHDRAW, True)
        assert set(_roles(s, squatter.user_id)) == {Role.ARTISAN, Role.MENTOR}
        uow.commit()
    with uow_factory() as uow:  # Njeri writes from her number
        s = uow.session
        njeri, _ = people.find_or_create_user(s, Channel.WHATSAPP, "+254722000009", now=NOW)
        njeri = people.link_phone(s, njeri.id, "+254722000009")
        roles.claim_promised(s, njeri, NOW)
        assert set(_roles(s, njeri.id)) == {Role.COMMUNITY_MANAGER}
