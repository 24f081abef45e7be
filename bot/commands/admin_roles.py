"""`soko admin roles …`: who may do what, for the operator at the server.

    soko admin roles list [--history [--limit N]]   people with roles, promises; the audit
    soko admin roles grant PHONE ROLE                community_manager or mentor
    soko admin roles revoke PHONE ROLE

PHONE is a number proven hers, in any usual form ("0712 345 678", "+254712345678",
"00254 712 345 678"): her phone or a WhatsApp number she writes from. A number nobody is
known by yet is promised the role: she gets it when she first writes from it. A shop's
M-Pesa number is typed by the seller and never checked, so it is never enough: the role is
promised to the number (the command notes the shop). The operator acts as herself
("operator" in the audit); each change is told to the person in chat, in her language.
Owners (ADMIN_PHONES) are applied by the long-running commands when they start.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, TextIO

from sqlalchemy.orm import Session

from bot.container import Container
from bot.lifecycle import database_ready
from bot.market_rules import market_rules
from bot.settings import load_settings
from bot.telegram_token import TokenRefused
from bot.telegram_username import learn_bot_username
from conversations.notify.roles import queue_role_notices
from store.errors import StoreError
from store.models import (
    ActorKind,
    Artisan,
    AuditAction,
    Collection,
    PeopleAudit,
    Role,
    RoleSource,
    User,
)
from store.models.types import utcnow
from store.services import audit, directory, roles
from store.services.audit import Actor
from store.services.referrals import format_code
from store.services.roles import RoleChange

GRANTABLE = [role.value for role in roles.GRANTABLE]
_FROM_SETTING = "*"


def register(actions: Any) -> None:
    parser: argparse.ArgumentParser = actions.add_parser(
        "roles", help="who is a community manager or mentor: list, grant, revoke, history"
    )
    verbs = parser.add_subparsers(dest="roles_action", required=True, metavar="VERB")

    listing = verbs.add_parser("list", help="people with roles, and roles promised to numbers")
    listing.add_argument("--history", action="store_true", help="every change, oldest first")
    listing.add_argument("--limit", type=int, default=200, help="the latest N changes")
    listing.set_defaults(handler=lambda args: _run(_list, args))

    for verb, what in (("grant", "give"), ("revoke", "take away")):
        command = verbs.add_parser(verb, help=f"{what} community_manager or mentor")
        command.add_argument("phone", metavar="PHONE")
        command.add_argument("role", choices=GRANTABLE, metavar="ROLE", help=" or ".join(GRANTABLE))
        command.set_defaults(handler=lambda args: _run(_change, args))


def _run(command: Callable[[Container, argparse.Namespace, TextIO], int], args: Any) -> int:
    container = Container(load_settings(), process="soko-admin")
    try:
        if not database_ready(container, create=False):  # as `soko admin` checks it
            return 1
        return command(container, args, sys.stdout)
    except StoreError as exc:  # nothing was written: the unit of work rolled back
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except TokenRefused as refused:  # `grant`, before anything was written
        print(f"soko: {refused}", file=sys.stderr)
        return 1
    finally:
        container.close()


# --- grant and revoke ---------------------------------------------------------------------


def _change(container: Container, args: argparse.Namespace, out: TextIO) -> int:
    role = Role(args.role)
    if args.roles_action == "grant":
        learn_bot_username(container)  # a new mentor's invitation links to the bot
    now = utcnow()
    with container.uow_factory() as uow:
        session = uow.session
        if args.roles_action == "grant":
            change = roles.grant_to_phone(session, Actor.operator(), args.phone, role, now)
        else:
            change = roles.revoke_from_phone(session, Actor.operator(), args.phone, role, now)
        if change.action is AuditAction.WITHDRAW and not change.changed:
            print(
                f"error: nobody has the number {change.phone} and {role.value} is not "
                "promised to it",
                file=sys.stderr,
            )
            return 1
        told = queue_role_notices(session, [change], market_rules(container), now)
        line = _said(session, change, told=bool(told)) + _mpesa_note(session, change)
        uow.commit()
    print(line, file=out)
    return 0


def _mpesa_note(session: Session, change: RoleChange) -> str:
    """A number promised while a shop gives it as its M-Pesa number: the operator may have
    meant that seller, but the number is not proven hers."""
    if change.action is not AuditAction.PROMISE or change.phone is None:
        return ""
    shops = directory.shops_with_mpesa_number(session, change.phone)
    return "".join(
        f"\nnote: the shop {shop.slug} uses this number for M-Pesa, which does not make the "
        "number hers"
        for shop in shops
    )


def _said(session: Session, change: RoleChange, *, told: bool) -> str:
    role = change.role.value
    whom = _who(session, change.user) if change.user else change.phone
    tell = " (she is told in chat)" if told else ""
    code = change.mentor_code
    match (change.action, change.changed):
        case (AuditAction.PROMISE, True):
            return f"promised {role} to {whom}: she gets it when she first writes from it"
        case (AuditAction.PROMISE, False):
            return f"{role} was already promised to {whom}: nothing changed"
        case (AuditAction.WITHDRAW, _):
            return f"withdrew the promise of {role} to {whom}"
        case (AuditAction.GRANT, True) if change.role is Role.MENTOR and code is None:
            return (
                f"granted {role} to {whom}; she has no shop yet: her invitation code comes "
                f"when she opens it{tell}"
            )
        case (AuditAction.GRANT, True):
            shown = f"; her invitation code: {format_code(code)}" if code else ""
            return f"granted {role} to {whom}{shown}{tell}"
        case (AuditAction.GRANT, False) if change.audit_id is not None:
            return f"{whom} is already a {role}; it now stays if her number leaves ADMIN_PHONES"
        case (AuditAction.GRANT, False):
            return f"{whom} is already a {role}: nothing changed"
        case (AuditAction.REVOKE, True):
            return f"revoked {role} from {whom}{tell}"
    return f"{whom} is not a {role}: nothing changed"


# --- list and history ---------------------------------------------------------------------


def _list(container: Container, args: argparse.Namespace, out: TextIO) -> int:
    with container.uow_factory(read_only=True) as uow:
        session = uow.session
        if args.history:
            _history(session, max(args.limit, 1), out)
            return 0
        holders = roles.holders(session)
        promised = roles.promises(session)
        if not holders and not promised:
            print("nobody has a role yet (owners: set ADMIN_PHONES and start soko)", file=out)
            return 0
        print("people with roles:" if holders else "people with roles: none yet", file=out)
        for holder in holders:
            card = directory.person_card(session, holder.user.id)
            phone = card.phones[0] if card.phones else "(no number)"
            shop = f"  shop {_shop(card.shop)}" if card.shop else ""
            held = ", ".join(_role(r.role, r.source) for r in holder.roles)
            print(f"  {phone:<16} {_name(card.name):<24} {held}{shop}", file=out)
        if promised:
            print("promised to numbers nobody has written from yet:", file=out)
            for row in promised:
                print(f"  {row.phone:<16} {_role(row.role, row.source)}", file=out)
        sources = [r.source for h in holders for r in h.roles] + [p.source for p in promised]
        if RoleSource.ADMIN_PHONES in sources:
            print(f"{_FROM_SETTING} from ADMIN_PHONES: goes when the number leaves it", file=out)
    return 0


def _history(session: Session, limit: int, out: TextIO) -> None:
    rows = audit.history(session, limit=limit)
    if not rows:
        print("no changes recorded yet", file=out)
    for row in rows:
        when = row.at.strftime("%Y-%m-%d %H:%M:%S UTC")
        role = row.role.value if row.role else ""
        note = f"  ({row.note})" if row.note else ""
        print(
            f"{when}  {_actor(session, row):<32} {row.action.value:<14} {role:<18} "
            f"{_subject(session, row)}{note}",
            file=out,
        )


def _actor(session: Session, row: PeopleAudit) -> str:
    if row.actor is ActorKind.USER and row.actor_user_id is not None:
        return _who(session, session.get(User, row.actor_user_id))
    return "ADMIN_PHONES" if row.actor is ActorKind.ADMIN_PHONES else row.actor.value


def _subject(session: Session, row: PeopleAudit) -> str:
    if row.artisan_id is not None and row.role is None:
        shop = session.get(Artisan, row.artisan_id)
        return _shop(shop) if shop else f"shop {row.artisan_id}"
    if row.subject_user_id is not None:
        return _who(session, session.get(User, row.subject_user_id))
    if row.collection_id is not None:  # a community manager's change to a collection
        collection = session.get(Collection, row.collection_id)
        named = f"collection {collection.slug if collection else row.collection_id}"
        return named + (f", piece {row.product_id}" if row.product_id is not None else "")
    return row.phone or ""


def _who(session: Session, user: User | None) -> str:
    if user is None:
        return "(someone since joined to another account)"
    card = directory.person_card(session, user.id)
    phone = f" ({card.phones[0]})" if card.phones else ""
    return f"{_name(card.name)}{phone}"


def _name(name: str) -> str:
    return name or "(no name)"


def _shop(shop: Artisan | None) -> str:
    return f"{shop.slug} ({shop.status.value})" if shop else ""


def _role(role: Role, source: RoleSource) -> str:
    return role.value + (_FROM_SETTING if source is RoleSource.ADMIN_PHONES else "")
