"""A suspended artisan appeals: she is told why her shop was suspended, writes why it should
open again, and every community manager receives her words with the way to reinstate it
(`notify.suspension.tell_managers_appeal`). The menu offers it only while her shop is
suspended (her first page); reinstated, she is told there is nothing to appeal.

The suspension notice opens it too: its "Appeal" button (`AppealTap`, tapped or typed) asks
the question; words she sends in answer to the notice are kept and offered back ("Send this
as your appeal?"), never dropped. A further message before she answers joins them (she
often writes in two or three messages; nothing she typed is lost), and she is asked again
with the whole; "No" sends nothing. The notice's button tapped or typed then offers her words
again (she taps it to send them), never the question asked afresh."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Final

from conversations.choices import is_skip, names_message
from conversations.flow import (
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    PromptFn,
    StepContext,
    StepFn,
    StepResult,
)
from conversations.flows.my_shop import NO, current_artisan
from conversations.i18n import N_
from conversations.messages import Choice, Inbound, TapWord
from conversations.notify.suspension import (
    APPEAL,
    AppealTap,
    appeals_sent,
    tell_managers_appeal,
)
from store.models import ArtisanStatus, Role, User
from store.services import suspension
from store.services.workshop_visits import today_in
from store.text import clean_display

FLOW: Final = "appeal"
WORDS_MAX: Final = 1000
APPEALS_A_DAY: Final = 3  # what reaches the managers; more in a day would drown them
MENU_LABEL = APPEAL
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
OFFER = N_("Send this to the community managers as your appeal?\n“{words}”")
SEND_IT = N_("Yes, send it")
CANCEL_PAYLOAD: Final = "appeal:cancel"
SEND_PAYLOAD: Final = "appeal:send"
WORDS_ARG: Final = "words:"  # start with words she already sent (in answer to the notice)


class Step(StrEnum):
    WORDS = "words"
    CONFIRM = "confirm"  # her words, offered back


def start(ctx: StepContext, arg: str) -> StepResult:
    if arg.startswith(WORDS_ARG):
        return _offer(ctx, arg.removeprefix(WORDS_ARG))
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
    return _send(ctx, typed)


def confirm(ctx: StepContext, inbound: Inbound) -> StepResult:
    """Her words offered back: sent, kept from the managers, or joined by more of hers."""
    kept = str(ctx.data.get("words", ""))
    if inbound.payload == SEND_PAYLOAD and kept:
        return _send(ctx, kept)
    typed = clean_display(inbound.text)
    if inbound.payload == CANCEL_PAYLOAD or is_skip(typed):
        ctx.say(ctx._(KEPT))
        return ctx.begin(FlowRegistry.MENU)
    if names_message(typed, APPEAL):  # the notice's button, typed: no words of her appeal
        return _offer(ctx, kept)
    return _offer(ctx, f"{kept}\n{typed}" if kept and typed else kept or typed)


def _offer(ctx: StepContext, typed: str) -> StepResult:
    """Her words, kept, and the question whether to send them as her appeal."""
    typed = clean_display(typed)[:WORDS_MAX]
    if not typed:
        return start(ctx, "")
    artisan = current_artisan(ctx)
    if artisan.status is not ArtisanStatus.SUSPENDED:  # reinstated since the notice
        ctx.say(ctx._(NOT_SUSPENDED).format(shop=artisan.shop_name))
        return ctx.begin(FlowRegistry.MENU)
    choices = [
        Choice(ctx._(SEND_IT), SEND_PAYLOAD, TapWord.YES),
        Choice(ctx._(NO), CANCEL_PAYLOAD, TapWord.NO),
    ]
    ctx.ask(ctx._(OFFER).format(words=typed), choices)
    return StepResult(Step.CONFIRM, {"words": typed})


def _offer_again(ctx: StepContext) -> StepResult:
    return _offer(ctx, str(ctx.data.get("words", "")))


def _send(ctx: StepContext, typed: str) -> StepResult:
    """Her words to every community manager: the same words once, a few appeals a day."""
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


def tapped(ctx: StepContext, tap: AppealTap) -> StepResult:
    """The notice's "Appeal" button, from any message: the appeal question; or, her answer
    to the notice already offered back, those words again (tapped as if to send them)."""
    if ctx.flow == FLOW and ctx.step == Step.CONFIRM and ctx.data.get("words"):
        return _offer_again(ctx)
    return ctx.begin(FLOW)


def answered_notice(ctx: StepContext, tap: AppealTap, typed: str) -> StepResult:
    """Words she sent in answer to the suspension notice: kept and offered back."""
    return ctx.begin(FLOW, f"{WORDS_ARG}{typed}")


def _today_prefix(ctx: StepContext, artisan_id: int) -> str:
    return f"{artisan_id}:{today_in(ctx.now).isoformat()}:"  # her day in Nairobi


def _sent_today(ctx: StepContext, artisan_id: int) -> set[str]:
    return appeals_sent(ctx.session, _today_prefix(ctx, artisan_id))


def _suspended(user: User) -> bool:
    if not user.has_role(Role.ARTISAN):  # read before every message: no query for buyers
        return False
    return user.artisan is not None and user.artisan.status is ArtisanStatus.SUSPENDED


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {Step.WORDS: words, Step.CONFIRM: confirm}
    prompts: dict[StrEnum, PromptFn] = {
        Step.WORDS: lambda ctx: start(ctx, ""),
        Step.CONFIRM: _offer_again,
    }
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(AppealTap, tapped)
    registry.add_notice_words(AppealTap, answered_notice, readers=_suspended)
    # On her first page (7; 27 under "More" for a manager), only while her shop is
    # suspended: her notice says "send menu and choose “Appeal the suspension”".
    registry.add_menu_entry(
        MenuEntry("appeal", MENU_LABEL, FLOW, MenuGroup.SELLING, 7, visible=_suspended)
    )
