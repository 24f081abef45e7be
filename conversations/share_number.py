"""Sharing her number at any time: `/phone` (in Telegram's command menu) or the words
"phone", "my number", "my phone", "namba yangu", "simu yangu" (`global_words`).

Her number is how Soko knows her on every channel, and what makes an owner or a promised
role hers (`phone_link`). Where the chat can show a share-contact button she is asked with it,
in a tiny flow that waits for her own contact; where it cannot, she is told the number we
know (on WhatsApp, the one she writes from) and the question in progress stays open.
"""

from __future__ import annotations

from enum import StrEnum

from conversations.flow import Flow, FlowRegistry, StepContext, StepResult
from conversations.i18n import N_
from conversations.messages import Inbound, Outbound
from conversations.phone_link import NUMBER_SAVED
from store.phones import shown_phone
from store.services.people import normalize_phone

FLOW = "share_number"

ASK = N_("Share your number so we know it's you on WhatsApp too: choose the button below.")
KNOWN_HERE = N_("Your number with us: {phone}.")
NOT_OWN = N_("That is someone else's number. To share yours, choose the button below.")
USE_BUTTON = N_(
    "To share your number, choose the button below, so that we know it is yours. Or send “menu”"
    " to go back."
)
KNOWN = N_(
    "We already know your number: {phone}. Use the same number on Telegram and WhatsApp, and"
    " we'll know it's you on both."
)
NOT_HERE = N_(
    "Your number can't be shared in this chat. On Telegram send /phone; on WhatsApp we know it"
    " from the number you write from."
)


class Step(StrEnum):
    CONTACT = "contact"


def answer(ctx: StepContext) -> StepResult | None:
    """What the word does: start asking (a StepResult), or tell her the number we know and
    leave the question in progress open (None)."""
    if ctx.market.capabilities.of(ctx.channel).share_contact:
        return ctx.begin(FLOW)
    phone = ctx.user.phone
    ctx.say(ctx._(KNOWN).format(phone=shown_phone(phone)) if phone else ctx._(NOT_HERE))
    return None


def start(ctx: StepContext, arg: str) -> StepResult:
    if ctx.user.phone:
        ctx.say(ctx._(KNOWN_HERE).format(phone=shown_phone(ctx.user.phone)))
    return _ask(ctx, ASK)


def contact(ctx: StepContext, inbound: Inbound) -> StepResult:
    """Her own contact was linked before this step ran (`phone_link`); anything else is
    asked again, with the button."""
    shared = inbound.contact
    if shared is None:
        return _ask(ctx, USE_BUTTON)
    if not shared.is_own:
        return _ask(ctx, NOT_OWN)
    phone = normalize_phone(shared.phone)
    if phone is not None and phone == ctx.user.phone:
        ctx.say(ctx._(NUMBER_SAVED).format(phone=shown_phone(phone)))
    # Else it could not be hers (another account's, with a shop): she has been told why.
    return ctx.begin(FlowRegistry.MENU)


def _ask(ctx: StepContext, text: str) -> StepResult:
    ctx.reply(Outbound(text=ctx._(text), request_contact=True))
    return StepResult(Step.CONTACT)


def register(registry: FlowRegistry) -> None:
    registry.add(
        Flow(
            FLOW, {Step.CONTACT: contact}, start, prompts={Step.CONTACT: lambda ctx: _ask(ctx, ASK)}
        )
    )
