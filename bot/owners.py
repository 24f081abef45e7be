"""ADMIN_PHONES made true at start: the numbers in it are the shop's owners (owner and
community manager as soon as each is known by her number, promised until then), and a number
taken out of it loses what it gave. Each person whose roles changed is told in chat.

Called once by every long-running command (`soko run`, `soko web`, `soko scheduler`,
`soko chat`) when its database is ready. Idempotent, and safe for N workers starting
together: the second finds the work done and changes (and tells) nothing.
"""

from __future__ import annotations

import logging

from bot.container import Container
from bot.wiring import shop_config
from conversations.notify.roles import queue_role_notices
from store.models.types import utcnow
from store.services import owners
from store.services.people import normalize_phone

logger = logging.getLogger(__name__)


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
    now = utcnow()
    with container.uow_factory() as uow:
        changes = owners.sync_owners(uow.session, phones, now)
        queue_role_notices(uow.session, changes, shop_config(container), now)
        uow.commit()
    if changes:
        logger.info("ADMIN_PHONES: %s role change(s) applied", len(changes))
