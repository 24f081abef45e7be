"""What mentors (and would-be mentors) are told: a recruit joined, a recruit qualified (only
while she mentors), the offer to become a mentor, and her invitation (code and links). From
a conversation step (`ctx`), or from a scheduled job on the session directly
(`offer_mentorship`, `recruit_promoted`)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from conversations import links, outbox
from conversations.flow import StepContext
from conversations.global_words import REFERRAL_START_PREFIX
from conversations.i18n import N_, Translator
from conversations.marketplace import MarketRules
from conversations.messages import LinkButton, Outbound
from conversations.notify.templates import UtilityTemplate
from store.models import Artisan
from store.services import referrals
from store.services.referrals import format_code

RECRUIT_JOINED = N_(
    "Good news! {name} ({shop}) joined Soko with your code. "
    "Help her send photos of her first piece."
)
RECRUIT_QUALIFIED = N_(
    "Congratulations! {name} ({shop}) has qualified: she now sells on her own. Thank you for "
    "guiding her."
)
YOU_QUALIFIED = N_(
    "Congratulations, {name}! You now run your shop on your own. Keep listing your best pieces."
)
MENTORSHIP_OFFERED = N_(
    "Well done, {name}! You have shipped many orders. You can now become a mentor and invite "
    "new artisans. Send menu and choose “Become a mentor”."
)

YOUR_CODE = N_(
    "Your invitation code: {code}\nRead it to a new artisan, or share a link below. "
    "She sends: JOIN {code}"
)
# What the WhatsApp invitation prefills: a recruit's first words, in her mentor's language,
# so that she is welcomed in it.
JOIN_TEXT = N_("JOIN {code}")
TELEGRAM_LINK = N_("Invite on Telegram")
WHATSAPP_LINK = N_("Invite on WhatsApp")

# The offer's dedupe key is also the marker that she was offered: once, ever.
MENTORSHIP_OFFER_KEY: Final = "mentorship-offered:artisan:{artisan_id}"


def invitation(t: Translator, config: MarketRules, code: str, *, intro: str = "") -> Outbound:
    """A mentor's code, read aloud or typed ("JOIN KQ7-M2X"), with links that open the chat
    on each configured channel; `intro` (already translated) goes first."""
    buttons: list[LinkButton] = []
    telegram = links.telegram_url(config.telegram_bot_username, f"{REFERRAL_START_PREFIX}{code}")
    if telegram:
        buttons.append(LinkButton(t._(TELEGRAM_LINK), telegram))
    whatsapp = links.whatsapp_url(
        config.whatsapp_number, t._(JOIN_TEXT).format(code=format_code(code))
    )
    if whatsapp:
        buttons.append(LinkButton(t._(WHATSAPP_LINK), whatsapp))
    text = t._(YOUR_CODE).format(code=format_code(code))
    return Outbound(text=f"{intro}\n{text}" if intro else text, links=tuple(buttons))


def recruit_joined(ctx: StepContext, recruit: Artisan) -> None:
    """Tell the recruit's mentor (if she has one) that the recruit opened her shop."""
    _tell_mentor(ctx, recruit, RECRUIT_JOINED)


def recruit_qualified(ctx: StepContext, recruit: Artisan) -> None:
    """Tell the recruit's mentor (if she has one) that the recruit qualified."""
    _tell_mentor(ctx, recruit, RECRUIT_QUALIFIED, UtilityTemplate.RECRUIT_QUALIFIED)


def offer_mentorship(session: Session, artisan: Artisan, now: datetime) -> bool:
    """Queue the offer to become a mentor, unless she was offered before; True if queued."""
    key = MENTORSHIP_OFFER_KEY.format(artisan_id=artisan.id)
    if outbox.already_queued(session, key):
        return False
    t = Translator(artisan.user.locale)
    text = t._(MENTORSHIP_OFFERED).format(name=_name(artisan))
    return (
        outbox.notify(session, artisan.user_id, Outbound(text=text), dedupe_key=key, now=now)
        is not None
    )


def recruit_promoted(session: Session, recruit: Artisan, now: datetime) -> None:
    """A recruit qualified (found by a scheduled job): congratulate her and tell her mentor."""
    t = Translator(recruit.user.locale)
    text = t._(YOU_QUALIFIED).format(name=_name(recruit))
    key = f"recruit-qualified:artisan:{recruit.id}"
    outbox.notify(session, recruit.user_id, Outbound(text=text), dedupe_key=key, now=now)
    mentor = _mentoring(session, recruit)
    if mentor is None:
        return
    m = Translator(mentor.user.locale)
    outbound = Outbound(
        text=m._(RECRUIT_QUALIFIED).format(name=_name(recruit), shop=recruit.shop_name),
        template=UtilityTemplate.RECRUIT_QUALIFIED,
    )
    outbox.notify(session, mentor.user_id, outbound, dedupe_key=f"{key}:mentor", now=now)


def _tell_mentor(
    ctx: StepContext, recruit: Artisan, template: str, utility_template: str = ""
) -> None:
    mentor = _mentoring(ctx.session, recruit)
    if mentor is None:
        return
    name, shop = _name(recruit), recruit.shop_name

    def message(t: Translator) -> Outbound:
        return Outbound(text=t._(template).format(name=name, shop=shop), template=utility_template)

    ctx.notify(mentor.user_id, message)


def _mentoring(session: Session, recruit: Artisan) -> Artisan | None:
    """Her mentor, while she mentors (stopped or suspended, she hears nothing of her)."""
    mentor = recruit.mentor
    if mentor is None or not referrals.is_mentoring(session, mentor.id):
        return None
    return mentor


def _name(artisan: Artisan) -> str:
    return artisan.user.display_name.strip() or artisan.shop_name
