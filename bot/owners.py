"""ADMIN_PHONES made true at start: the numbers in it are the shop's owners (owner and
community manager as soon as each is known by her number, promised until then), and a number
taken out of it loses what it gave (a WARNING names each number removed). Each person whose
roles changed is told in chat. A setting with no number keeps the owners there are, with a
WARNING when there are some: a unit file or a `soko chat` run from another folder without it
must not demote everyone.

Called once by every long-running command (`soko run`, `soko web`, `soko scheduler`,
`soko chat`) when its database is ready. Idempotent, and safe for N workers starting
together: the second finds the work done and changes (and tells) nothing.
"""

from __future__ import annotations

import logging

from bot.container import Container
from bot.market_rules import market_rules
from conversations.notify.roles import queue_role_notices
from store.models import AuditAction, Role
from store.models.types import utcnow
from store.services import owners
from store.services.people import normalize_phone
from store.services.roles import RoleChange

logger = logging.getLogger(__name__)
_REMOVALS = (AuditAction.REVOKE, AuditAction.WITHDRAW)


def owner_phones(container: Container) -> list[str]:
    """ADMIN_PHONES in E.164; an entry that is no phone number is left out, with a warning."""
    phones = []
    for entry in container.settings.admin_phones:
        phone = normalize_phone(entry)
        if phone is None:
            logger.warning("ADMIN_PHONES: %r is not a phone number; left out", entry)
            continue
        phones.append(phone)
    return phones


def sync_owners(container: Container) -> None:
    phones = owner_phones(container)
    if not phones:
        with container.uow_factory(read_only=True) as uow:
            _keep_owners(owners.standing(uow.session))
        return
    now = utcnow()
    with container.uow_factory() as uow:
        changes = owners.sync_owners(uow.session, phones, now)
        queue_role_notices(uow.session, changes, market_rules(container), now)
        uow.commit()
    for number in _removed(changes):
        logger.warning("ADMIN_PHONES: %s is no longer an owner (not in the setting)", number)
    if changes:
        logger.info("ADMIN_PHONES: %s role change(s) applied", len(changes))


def _keep_owners(standing: owners.Standing) -> None:
    """A start without the setting (one unit file, a command run from another folder) is a
    mistake, not a decision to remove every owner. With none to keep, there is nothing to
    say."""
    if not (standing.people or standing.numbers_waiting):
        return
    logger.warning(
        "ADMIN_PHONES is empty: keeping the owners there are (%s, %s not known yet); set it to "
        "change them",
        _count(standing.people, "person", "people"),
        _count(standing.numbers_waiting, "number", "numbers"),
    )


def _removed(changes: list[RoleChange]) -> list[str]:
    """The numbers that stopped being an owner's: a person's, or one promised the role."""
    numbers = [
        change.phone or "(a person without a number)"
        for change in changes
        if change.role is Role.OWNER and change.action in _REMOVALS
    ]
    return sorted(set(numbers))


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
