"""A verified number becoming someone's phone, on both databases: the promises to it kept,
her accounts joined (and recorded), two shops refused once and kindly, nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from store.models import AuditAction, Channel, PeopleAudit, Role, User
from store.services import audit, owners, people
from store.services.phone_link import link_verified_phone
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PHONE = "+254711000001"


def test_an_owner_writing_from_her_number_becomes_owner_and_manager(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        owners.sync_owners(uow.session, [PHONE], NOW)  # she has not written yet
        uow.commit()
    with uow_factory() as uow:
        s = uow.session
        grace, _ = people.find_or_create_user(s, Channel.WHATSAPP, PHONE, now=NOW)
        linked = link_verified_phone(s, grace, PHONE, NOW)
        assert (linked.user, linked.recorded, linked.merged_user_id) == (grace, True, None)
        assert {(c.role, c.changed) for c in linked.roles} == {
            (Role.OWNER, True),
            (Role.COMMUNITY_MANAGER, True),
        }
        assert grace.has_role(Role.COMMUNITY_MANAGER)  # the menu sees it in this update
        again = link_verified_phone(s, grace, PHONE, NOW)
        assert (again.recorded, again.roles) == (False, ())
        uow.commit()
    with uow_factory() as uow:
        rows = [(r.actor.value, r.action, r.role) for r in audit.history(uow.session)]
        assert rows[-2:] == [
            ("admin_phones", AuditAction.GRANT, Role.COMMUNITY_MANAGER),
            ("admin_phones", AuditAction.GRANT, Role.OWNER),
        ]


def test_her_telegram_account_joins_her_whatsapp_account_with_its_roles(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        whatsapp, _ = people.find_or_create_user(s, Channel.WHATSAPP, PHONE, now=NOW)
        link_verified_phone(s, whatsapp, PHONE, NOW)
        owners.sync_owners(s, [PHONE], NOW)
        telegram, _ = people.find_or_create_user(
            s, Channel.TELEGRAM, "5001", now=NOW + timedelta(days=1)
        )
        linked = link_verified_phone(s, telegram, PHONE, NOW)
        assert (linked.user, linked.merged_user_id, linked.roles) == (whatsapp, telegram.id, ())
        uow.commit()
    with uow_factory() as uow:
        s = uow.session
        one = people.user_for_identity(s, Channel.TELEGRAM, "5001")
        assert one is not None
        assert one.id == whatsapp.id
        assert one.has_role(Role.OWNER)
        merge = s.scalars(select(PeopleAudit).where(PeopleAudit.action == AuditAction.MERGE)).one()
        assert (merge.subject_user_id, merge.phone) == (whatsapp.id, PHONE)


def test_two_shops_on_one_number_are_refused_once_and_nothing_changes(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        first, second = make_artisan(s), make_artisan(s)
        people.link_phone(s, first.user_id, PHONE)
        newer = s.get(User, second.user_id)
        assert newer is not None
        refused = link_verified_phone(s, newer, PHONE, NOW)
        assert (refused.refused, refused.first_refusal, refused.user) == (True, True, newer)
        again = link_verified_phone(s, newer, PHONE, NOW)
        assert (again.refused, again.first_refusal) == (True, False)
        uow.commit()
    with uow_factory() as uow:
        s = uow.session
        assert s.get(User, second.user_id).phone is None  # type: ignore[union-attr]
        assert s.get(User, first.user_id).phone == PHONE  # type: ignore[union-attr]
        [row] = s.scalars(
            select(PeopleAudit).where(PeopleAudit.action == AuditAction.MERGE_REFUSED)
        ).all()
        assert (row.subject_user_id, row.phone) == (second.user_id, PHONE)
        assert f"user {first.user_id}" in row.note
