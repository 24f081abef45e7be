"""A suspended artisan appeals: she is told why her shop was suspended, writes why it should
open again, and every community manager receives her words with the way to reinstate it
(`notify.suspension.tell_managers_appeal`). The menu offers it only while her shop is
suspended (her first page); reinstated, she is told there is nothing to appeal."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Final

from conversations.choices import is_skip
from conversations.flow import (
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    StepContext,
    StepResult,
)
from conversations.flows.my_shop import current_artisan
from conversations.i18n import N_
from conversations.messages import Choice, Inbound, TapWord
from conversations.notify.suspension import appeals_sent, tell_managers_appeal
from store.models import ArtisanStatus, User
from store.services import suspension
from store.services.workshop_visits import today_in
from store.text import clean_display

FLOW: Final = "appeal"
WORDS_MAX: Final = 1000
APPEALS_A_DAY: Final = 3  # what reaches the managers; more in a day would drown them
MENU_LABEL = N_("Appeal the suspension")
ASK = N_(
    "Your shop {shop} was suspended for this reason: “{reason}”. Write here, in one message, "
    "why it should open again; the community managers will read it and answer you in this "
    "chat."
)
CANCEL = N_("Cancel")
SENT = N_("Thank you: the community managers have your message and will answer you here.")
NOBODY = N_(
    "Sorry, no community manager can be reached just now. Please try again later; your shop "
    "stays as it is."
)
NOT_SUSPENDED = N_("Your shop {shop} is open: there is nothing to appeal.")
KEPT = N_("OK, nothing was sent.")
ENOUGH_TODAY = N_(
    "The community managers already have your appeals of today and will answer you here. "
    "You can write again tomorrow."
)
CANCEL_PAYLOAD: Final = "appeal:cancel"


class Step(StrEnum):
    WORDS = "words"


def start(ctx: StepContext, arg: str) -> StepResult:
    artisan = current_artisan(ctx)
    if artisan.status is not ArtisanStatus.SUSPENDED:
        ctx.say(ctx._(NOT_SUSPENDED).format(shop=artisan.shop_name))
        return ctx.begin(FlowRegistry.MENU)
    if len(_sent_today(ctx, artisan.id)) >= APPEALS_A_DAY:
        ctx.say(ctx._(ENOUGH_TODAY))
        return ctx.begin(FlowRegistry.MENU)
    reason = suspension.suspended_for(ctx.session, artisan) or "—"
    question = ctx._(ASK).format(shop=artisan.shop_name, reason=reason)
    ctx.ask(question, [Choice(ctx._(CANCEL), CANCEL_PAYLOAD, TapWord.SKIP)])
    return StepResult(Step.WORDS)


def words(ctx: StepContext, inbound: Inbound) -> StepResult:
    typed = clean_display(inbound.text)[:WORDS_MAX]
    if inbound.payload == CANCEL_PAYLOAD or is_skip(typed):
        ctx.say(ctx._(KEPT))
        return ctx.begin(FlowRegistry.MENU)
    if not typed:
        return start(ctx, "")
    artisan = current_artisan(ctx)
    if artisan.status is not ArtisanStatus.SUSPENDED:  # reinstated while she wrote
        ctx.say(ctx._(NOT_SUSPENDED).format(shop=artisan.shop_name))
        return ctx.begin(FlowRegistry.MENU)
    reason = suspension.suspended_for(ctx.session, artisan)
    # The same words sent again reach nobody twice; a few a day reach them at all.
    digest = hashlib.sha256(typed.encode()).hexdigest()[:16]
    sent = _sent_today(ctx, artisan.id)
    if digest not in sent and len(sent) >= APPEALS_A_DAY:
        ctx.say(ctx._(ENOUGH_TODAY))
        return ctx.begin(FlowRegistry.MENU)
    appeal_id = f"{_today_prefix(ctx, artisan.id)}{digest}"
    told = tell_managers_appeal(ctx.session, artisan, reason, typed, appeal_id, ctx.now)
    ctx.say(ctx._(SENT if told else NOBODY))
    return ctx.begin(FlowRegistry.MENU)


def _today_prefix(ctx: StepContext, artisan_id: int) -> str:
    return f"{artisan_id}:{today_in(ctx.now).isoformat()}:"  # her day in Nairobi


def _sent_today(ctx: StepContext, artisan_id: int) -> set[str]:
    return appeals_sent(ctx.session, _today_prefix(ctx, artisan_id))


def _suspended(user: User) -> bool:
    return user.artisan is not None and user.artisan.status is ArtisanStatus.SUSPENDED


def register(registry: FlowRegistry) -> None:
    registry.add(
        Flow(FLOW, {Step.WORDS: words}, start, prompts={Step.WORDS: lambda ctx: start(ctx, "")})
    )
    # On her first page (7; 27 under "More" for a manager), only while her shop is
    # suspended: her notice says "send menu and choose “Appeal the suspension”".
    registry.add_menu_entry(
        MenuEntry("appeal", MENU_LABEL, FLOW, MenuGroup.SELLING, 7, visible=_suspended)
    )
