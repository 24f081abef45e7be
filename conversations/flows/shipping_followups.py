"""What shipping a piece may change beyond the order: a recruit qualifying, a seller earning
the offer to mentor others. Run in the same unit of work as the shipment."""

from __future__ import annotations

import dataclasses
from typing import Final

from sqlalchemy import exists, select

from conversations import outbox
from conversations.flow import StepContext
from conversations.i18n import Translator
from conversations.messages import Outbound
from conversations.notify import mentors
from store.models import Artisan, OutboxMessage, Role, User
from store.services import referrals

_OFFER_KEY: Final = "mentorship-offered:artisan:{artisan_id}"


def after_shipping(ctx: StepContext, artisan: Artisan) -> None:
    config = ctx.shop.config
    if artisan.mentor_id is not None and referrals.qualify_if_ready(
        ctx.session, artisan.id, config.qualification, ctx.now
    ):
        mentors.recruit_qualified(ctx, artisan)
    if (
        not artisan.user.has_role(Role.MENTOR)
        and not _offered_before(ctx, artisan)
        and referrals.mentor_eligible(ctx.session, artisan.id, config.mentor_threshold)
    ):
        _offer_mentorship(ctx, artisan)


def _offered_before(ctx: StepContext, artisan: Artisan) -> bool:
    key = _OFFER_KEY.format(artisan_id=artisan.id)
    return bool(ctx.session.scalar(select(exists().where(OutboxMessage.dedupe_key == key))))


def _offer_mentorship(ctx: StepContext, artisan: Artisan) -> None:
    """Queue the offer under a dedupe key of its own: the key is the marker that she was
    offered, so she is offered once, however many orders she ships afterwards.

    (`ctx.notify` keys notifications by update, so the offer is queued here directly, in the
    same transaction; it goes out just before the step's own replies.)
    """
    collected = dataclasses.replace(ctx, notifications=[])
    mentors.mentorship_offered(collected, artisan)
    for user_id, message in collected.notifications:
        if not isinstance(message, Outbound):
            recipient = ctx.session.get(User, user_id)
            message = message(Translator(recipient.locale if recipient else "en"))
        outbox.notify(
            ctx.session,
            user_id,
            message,
            dedupe_key=_OFFER_KEY.format(artisan_id=artisan.id),
            now=ctx.now,
        )
