"""What shipping a piece may change beyond the order: a recruit qualifying, a seller earning
the offer to mentor others. Run in the same unit of work as the shipment."""

from __future__ import annotations

from conversations.flow import StepContext
from conversations.notify import mentors
from store.models import Artisan, Role
from store.services import referrals


def after_shipping(ctx: StepContext, artisan: Artisan) -> None:
    config = ctx.market.config
    if artisan.mentor_id is not None and referrals.qualify_if_ready(
        ctx.session, artisan.id, config.qualification, ctx.now
    ):
        mentors.recruit_qualified(ctx, artisan)
    if not artisan.user.has_role(Role.MENTOR) and referrals.mentor_eligible(
        ctx.session, artisan.id, config.mentor_threshold
    ):
        # Queued on the session (not `ctx.notify`, which keys by update): she is offered once,
        # however many orders she ships afterwards. It goes out before the step's own replies.
        mentors.offer_mentorship(ctx.session, artisan, ctx.now)
