"""Every channel's updates are cleaned by the inbox before they are written (issue 19): a NUL
byte, other control characters, an unnormalised letter or a lone surrogate in any text of an
update is recorded cleaned on both databases (PostgreSQL text and JSON cannot hold NUL)."""

from __future__ import annotations

import pytest

from conversations.inbox import load_inbound, record_many
from conversations.messages import Contact, Inbound
from store.models import Channel, InboxMessage
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory


@pytest.mark.parametrize("channel", list(Channel))
def test_a_nul_byte_in_any_field_is_recorded_cleaned(
    channel: Channel, uow_factory: UnitOfWorkFactory
) -> None:
    sent = Inbound(
        channel=channel,
        platform_user_id="amina\x00",
        platform_message_id="m-1\x00",
        text="bei\x00 ni\x1b 1500\r\nCafe\u0301 \ud800",
        payload="ob:\x00name",
        contact=Contact("0712\x00345678", is_own=True),
        locale_hint="sw\x00",
        profile_name="Ami\u202ena\x00\nWanjiku",
        media_group_id="g\x00",
        tapped_message_id="7\x00",
        verified_phone="+254712345678\x00",
    )
    with uow_factory() as uow:
        [recorded] = record_many(uow.session, [sent], utcnow())
        uow.commit()
    with uow_factory() as uow:
        row = uow.session.get(InboxMessage, recorded.inbox_id)
        assert row is not None
        got = load_inbound(row)
    assert got == Inbound(
        channel=channel,
        platform_user_id="amina",
        platform_message_id="m-1",
        text="bei ni 1500\nCafé ",
        payload="ob:name",
        contact=Contact("0712345678", is_own=True),
        locale_hint="sw",
        profile_name="Amina Wanjiku",
        media_group_id="g",
        tapped_message_id="7",
        verified_phone="+254712345678",
    )
