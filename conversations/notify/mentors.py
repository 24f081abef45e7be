"""What mentors (and would-be mentors) are told: a recruit joined, a recruit qualified, and
the offer to become a mentor."""

from __future__ import annotations

from conversations.flow import StepContext
from conversations.i18n import N_, Translator
from conversations.messages import Outbound
from conversations.notify.templates import UtilityTemplate
from store.models import Artisan

RECRUIT_JOINED = N_(
    "Good news! {name} ({shop}) joined Soko with your code. "
    "Help her send photos of her first piece."
)
RECRUIT_QUALIFIED = N_(
    "Congratulations! {name} ({shop}) has qualified: she now sells on her own. Thank you for "
    "guiding her."
)
MENTORSHIP_OFFERED = N_(
    "Well done, {name}! You have shipped many orders. You can now become a mentor and invite "
    "new artisans. Send menu and choose “Become a mentor”."
)


def recruit_joined(ctx: StepContext, recruit: Artisan) -> None:
    """Tell the recruit's mentor (if she has one) that the recruit opened her shop."""
    _tell_mentor(ctx, recruit, RECRUIT_JOINED)


def recruit_qualified(ctx: StepContext, recruit: Artisan) -> None:
    """Tell the recruit's mentor (if she has one) that the recruit qualified."""
    _tell_mentor(ctx, recruit, RECRUIT_QUALIFIED, UtilityTemplate.RECRUIT_QUALIFIED)


def mentorship_offered(ctx: StepContext, artisan: Artisan) -> None:
    """Tell an artisan who reached the mentor threshold that she can become a mentor."""
    name = _name(artisan)

    def message(t: Translator) -> Outbound:
        return Outbound(text=t._(MENTORSHIP_OFFERED).format(name=name))

    ctx.notify(artisan.user_id, message)


def _tell_mentor(
    ctx: StepContext, recruit: Artisan, template: str, utility_template: str = ""
) -> None:
    mentor = recruit.mentor
    if mentor is None:
        return
    name, shop = _name(recruit), recruit.shop_name

    def message(t: Translator) -> Outbound:
        return Outbound(text=t._(template).format(name=name, shop=shop), template=utility_template)

    ctx.notify(mentor.user_id, message)


def _name(artisan: Artisan) -> str:
    return artisan.user.display_name.strip() or artisan.shop_name
