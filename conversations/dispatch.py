"""One turn of a conversation: global words first, then the active flow's step.

A tapped payload reaches the step only when it is one of the choices the last question
offered; a typed number, label or tap word is resolved to one of them (`choices`), and a yes
or no that names none of them is never read as a free-text answer. Any other payload (a button
on an earlier message, an old format, a forged one) is never read as text: a route registered
for its kind takes it (opening a piece or an order, from any message), or she is told "that
button is from an earlier message" and the current question is asked again (its flow's prompt
for the step). A menu entry's name typed where it answers nothing on screen opens that entry
(`menu_words`).

Pure with respect to storage: it works on a `StepContext` built from a snapshot and leaves the
new state in it; the engine loads and saves around it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from conversations import menu_words, nudge_settings, replies, share_number
from conversations.choices import (
    is_choice_number,
    is_offered,
    names_choice,
    refused_yes_no,
    resolve_choice,
    tap_word,
)
from conversations.errors import UnknownFlow, UnknownStep
from conversations.flow import END, FlowRegistry, StepContext, StepFn, StepResult
from conversations.global_words import (
    RECEIVED_FLOW,
    REPORT_FLOW,
    Command,
    GlobalWord,
    parse_global_word,
    tapped_word,
)
from conversations.i18n import Translator, language_told
from conversations.marketplace import Marketplace
from conversations.messages import Choice, Inbound
from conversations.payloads import decode
from conversations.phone_link import shares_own_number_unasked
from conversations.state import ConversationSnapshot
from store.models import Channel, User
from store.services import referrals

logger = logging.getLogger(__name__)


def context_from_snapshot(
    snapshot: ConversationSnapshot,
    *,
    session: Session,
    user: User,
    channel: Channel,
    now: datetime,
    registry: FlowRegistry,
    market: Marketplace,
) -> StepContext:
    data = snapshot.data
    return StepContext(
        session=session,
        user=user,
        channel=channel,
        now=now,
        registry=registry,
        translator=Translator(user.locale),
        market=market,
        flow=snapshot.flow,
        step=snapshot.step,
        data=dict(data.get("flow_data", {})),
        kept={name: dict(kept) for name, kept in data.get("kept", {}).items()},
        offered=tuple(Choice.from_dict(c) for c in data.get("offered", ())),
        contact_asked=bool(data.get("contact_asked", False)),
    )


def snapshot_of(ctx: StepContext, loaded: ConversationSnapshot) -> ConversationSnapshot:
    data: dict[str, Any] = {
        "flow_data": ctx.data,
        "kept": ctx.kept,
        "offered": [choice.to_dict() for choice in ctx.offered],
    }
    if any(reply.request_contact for reply in ctx.replies):
        data["contact_asked"] = True
    # When her question was asked: a notice queued after it is newer (`notice_choices`).
    asked_at = ctx.now.isoformat() if any(r.choices for r in ctx.replies) else None
    asked_at = asked_at or loaded.data.get("asked_at")
    if ctx.offered and asked_at:
        data["asked_at"] = asked_at
    return ConversationSnapshot(flow=ctx.flow, step=ctx.step, data=data, version=loaded.version)


def run_turn(
    ctx: StepContext, inbound: Inbound, *, is_new: bool, notice: tuple[Choice, ...] = ()
) -> None:
    """Answer one message; afterwards `ctx` holds the replies and the new state. `notice`:
    the buttons of a notice her words may answer (`notice_choices.notice_taking_words`)."""
    ctx.tapped = inbound.tapped_message_id
    command = None
    if inbound.payload is None and not inbound.photos:
        command = parse_global_word(inbound.text, _active_code(ctx))
    elif inbound.payload is not None:  # a "Menu" button works from any message, as the word
        command = tapped_word(inbound.payload)
    if is_new:
        start_arg = command.arg if command and command.word is GlobalWord.START else ""
        routed = bool(start_arg) and ctx.registry.route_start(start_arg) is not None
        told = language_told(inbound.locale_hint, inbound.text)
        # A link or a code to follow, or photos to keep: not held at the language question.
        ctx.language_known = bool(inbound.photos) or (routed and told)
        _finish(ctx, ctx.begin(FlowRegistry.WELCOME, start_arg))
        if not (inbound.photos and not ctx.flow):
            return
        # Welcomed; her photos are read as anyone's sent outside a flow (a shop begins).
    if shares_own_number_unasked(ctx, inbound):
        # The engine has thanked her for it (`phone_link.tell`): on to her menu.
        _finish(ctx, ctx.begin(FlowRegistry.MENU))
        return
    if command is not None:
        _obey(ctx, command)
        return
    if inbound.unsupported_media and not (inbound.text or inbound.photos or inbound.payload):
        # A voice note or a video: say so kindly; the question in progress stays open.
        ctx.say(ctx._(replies.UNSUPPORTED_MEDIA))
        return
    offered, ctx.offered = ctx.offered, ()
    if inbound.payload is not None and not is_offered(inbound.payload, offered):
        _tapped_earlier(ctx, inbound.payload, offered)
        return
    inbound = resolve_choice(inbound, offered)
    if refused_yes_no(inbound, offered):
        ctx.say(ctx._(replies.NOT_AN_ANSWER).format(word=" ".join(inbound.text.split())))
        _ask_again(ctx, offered)
        return
    step = _active_step(ctx)
    entry = menu_words.entry_named(ctx, inbound, offered) if step is not None else None
    answer = _answer_to_notice(ctx, inbound, notice)
    if entry is not None:  # her menu's entry, named where it answers nothing on screen
        result = ctx.begin(entry.flow, entry.arg)
    elif answer is not None:
        result = answer(ctx, inbound.text)
    elif step is not None:
        result = step(ctx, inbound)
    elif ctx.registry.fallback is not None:
        result = ctx.registry.fallback(ctx, inbound)
    else:
        result = ctx.begin(FlowRegistry.MENU)
    _finish(ctx, result)


def _answer_to_notice(
    ctx: StepContext, inbound: Inbound, notice: tuple[Choice, ...]
) -> Callable[[StepContext, str], StepResult] | None:
    """What her words do as the answer to the notice she was last sent, when one of its
    buttons reads words and they name nothing else: no choice on screen or on the notice
    (resolved before this), no number, no yes or no, no menu entry she may use."""
    text = inbound.text
    if not notice or inbound.payload is not None or is_choice_number(text) or tap_word(text):
        return None
    if names_choice(text, notice) or menu_words.names_entry(ctx, text):
        return None
    readers = (ctx.registry.notice_words(button.payload) for button in notice)
    return next((read for read in readers if read is not None), None)


def _active_code(ctx: StepContext) -> Callable[[str], str | None]:
    """Whether six typed letters after "JIUNGE" are a mentor's active code (and which)."""
    return lambda typed: referrals.active_code(ctx.session, typed)


def _obey(ctx: StepContext, command: Command) -> None:
    match command.word:
        case GlobalWord.HELP:
            # The question in progress stays open: its choices still resolve.
            ctx.say(ctx._(replies.HELP))
            return
        case GlobalWord.STOP:
            nudge_settings.opt_out(ctx)  # the question in progress stays open too
            return
        case GlobalWord.PHONE:
            asking = share_number.answer(ctx)
            if asking is None:  # told the number we know: the question in progress stays open
                return
            result = asking
        case GlobalWord.MENU:
            result = ctx.begin(FlowRegistry.MENU)
        case GlobalWord.LANGUAGE:
            result = ctx.begin(FlowRegistry.LANGUAGE)
        case GlobalWord.RECEIVED:
            has_flow = ctx.registry.has_flow(RECEIVED_FLOW)
            result = ctx.begin(RECEIVED_FLOW if has_flow else FlowRegistry.MENU)
        case GlobalWord.NOT_ARRIVED | GlobalWord.DAMAGED:
            if ctx.registry.has_flow(REPORT_FLOW):
                result = ctx.begin(REPORT_FLOW, command.word.value)
            else:
                result = ctx.begin(FlowRegistry.MENU)
        case GlobalWord.CANCEL:
            was_busy = ctx.flow not in ("", FlowRegistry.MENU)
            ctx.leave()
            ctx.offered = ()
            ctx.say(ctx._(replies.CANCELLED if was_busy else replies.NOTHING_TO_CANCEL))
            result = ctx.begin(FlowRegistry.MENU)
        case GlobalWord.START:
            route = ctx.registry.route_start(command.arg) if command.arg else None
            flow, arg = route if route else (FlowRegistry.MENU, "")
            result = ctx.begin(flow, arg)
    _finish(ctx, result)


def _tapped_earlier(ctx: StepContext, payload: str, offered: tuple[Choice, ...]) -> None:
    """A payload the last question did not offer: a route for its kind, else a kind word and
    the current question again. Nothing of it is ever read as text."""
    ctx.tapped = None  # the old message stays as it is: nothing is shown in its place
    decoded = decode(payload)
    route = ctx.registry.route(decoded, ctx.flow) if decoded is not None else None
    if route is not None:
        result = route(ctx)
        if result is not None:
            _finish(ctx, result)
            return
    ctx.say(ctx._(replies.EARLIER_BUTTON))
    _ask_again(ctx, offered)


def _ask_again(ctx: StepContext, offered: tuple[Choice, ...]) -> None:
    """The current question once more: its flow's prompt, else its choices; the menu
    outside any flow."""
    if _active_step(ctx) is None:  # outside any flow: the menu is the question
        _finish(ctx, ctx.begin(FlowRegistry.MENU))
        return
    again = ctx.ask_again()
    if again is not None:
        _finish(ctx, again)
    elif offered:  # a flow without a prompt for this step: its choices, once more
        ctx.ask(ctx._(replies.CHOOSE_AGAIN), offered)


def _active_step(ctx: StepContext) -> StepFn | None:
    if not ctx.flow:
        return None
    try:
        _, step = ctx.registry.flow(ctx.flow).step(ctx.step)
    except (UnknownFlow, UnknownStep) as exc:
        # State saved by an older version of the code: start afresh rather than fail forever.
        logger.warning("dropping stale conversation state: %s", exc)
        ctx.flow, ctx.step, ctx.data = "", "", {}
        return None
    return step


def _finish(ctx: StepContext, result: StepResult) -> None:
    if result.next is END:
        ctx.flow, ctx.step, ctx.data = "", "", {}
        return
    flow = ctx.registry.flow(ctx.flow)
    step, _ = flow.step(result.next.value)
    ctx.step = step.value
    if result.data:
        ctx.data.update(result.data)
