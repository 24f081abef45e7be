"""Cases, as community managers close them: "Open cases" on the manager's menu lists them;
a case (from the list, or from the notice that told her of it) closes with a refund (an
amount typed, or "all"), a reshipment, or a note the buyer reads. The services re-check her
role and that the case is still open (`store/services/cases.py`); a refund goes through the
order's payment provider in the same unit of work (`bot/domain_events.py`), and if it
cannot, nothing is kept and she is told."""

from __future__ import annotations

from enum import StrEnum

from conversations.flow import (
    END,
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    PromptFn,
    StepContext,
    StepFn,
    StepResult,
    with_role,
)
from conversations.i18n import N_
from conversations.messages import Choice, ImageRef, Inbound, Outbound
from conversations.notify import cases as case_notices
from conversations.payloads import CaseAction, CaseStep
from store.errors import StoreError
from store.models import CaseKind, Order, OrderCase, Role
from store.money import Money
from store.prices import parse_price
from store.services import cases, permissions
from store.services.audit import Actor

FLOW = "cases"

MENU_LABEL = N_("Open cases")
OPEN_CASES = N_("Open cases:")
NO_CASES = N_("There are no open cases.")
CASE_CHOICE = {
    CaseKind.NOT_ARRIVED: N_("{code}: not arrived"),
    CaseKind.DAMAGED: N_("{code}: damaged"),
}
ALREADY_CLOSED = N_("The case on order {code} is closed already.")
HOW_MUCH = N_("How much do we give back on order {code}? Up to {left}. Send the amount, or “all”.")
NOT_AN_AMOUNT = N_("Please send an amount, like {example}, or “all”.")
TOO_MUCH = N_("At most {left} is left to give back on order {code}. Send an amount up to that.")
NOTHING_LEFT = N_("Nothing is left to give back on order {code}. Close the case with a note.")
CANNOT_REFUND = N_(
    "Order {code} cannot be refunded from the chat. Close the case with a note instead."
)
REFUNDED = N_("Giving back {amount} on order {code}. The case is closed and the buyer is told.")
RESHIPPED = N_(
    "Order {code} is to be sent again: the case is closed and the buyer is told. "
    "Please send her parcel again."
)
WHAT_NOTE = N_("What do we tell the buyer of order {code}? Send your note.")
NOTE_PLEASE = N_("Please write the note for the buyer.")
CLOSED = N_("The case on order {code} is closed and the buyer is told.")
ALL_WORDS = frozenset({"all", "yote", "zote", "full", "kamili"})


class Step(StrEnum):
    LIST = "list"
    CASE = "case"
    AMOUNT = "amount"
    NOTE = "note"


def start(ctx: StepContext, arg: str) -> StepResult:
    """ "" lists the open cases; "action:case_id" does that (`CaseAction`)."""
    action, _, case_text = arg.partition(":")
    if not case_text.isdecimal():
        return show_list(ctx)
    case = ctx.session.get(OrderCase, int(case_text))
    if case is None:
        return show_list(ctx)
    return _act(ctx, action, case)


def show_list(ctx: StepContext) -> StepResult:
    found = cases.open_cases(ctx.session)
    if not found:
        ctx.say(ctx._(NO_CASES))
        return StepResult(END)
    choices = [
        Choice(
            ctx._(CASE_CHOICE[case.kind]).format(code=_order(ctx, case).code),
            CaseAction(CaseStep.SHOW, case.id).encode(),
        )
        for case in found
    ]
    ctx.ask(ctx._(OPEN_CASES), choices)
    return StepResult(Step.LIST)


def chosen(ctx: StepContext, inbound: Inbound) -> StepResult:
    tapped = CaseAction.read(inbound.payload)
    if tapped is None:
        return show_list(ctx) if ctx.step == Step.LIST else _show_again(ctx)
    case = ctx.session.get(OrderCase, tapped.case_id)
    return _act(ctx, tapped.action, case) if case is not None else show_list(ctx)


def _act(ctx: StepContext, action: str, case: OrderCase) -> StepResult:
    order = _order(ctx, case)
    if case.closed_at is not None:
        ctx.say(ctx._(ALREADY_CLOSED).format(code=order.code))
        return show_list(ctx)
    data = {"case_id": case.id}
    if action == CaseStep.REFUND:
        left = _left(ctx, order)
        if left.amount <= 0:
            ctx.say(ctx._(NOTHING_LEFT).format(code=order.code))
            return _show(ctx, case)
        ctx.say(ctx._(HOW_MUCH).format(code=order.code, left=left.format(ctx.user.locale)))
        return StepResult(Step.AMOUNT, data)
    if action == CaseStep.RESHIP:
        cases.close_with_reshipment(ctx.session, case.id, "", _me(ctx), ctx.now)
        ctx.say(ctx._(RESHIPPED).format(code=order.code))
        return StepResult(END)
    if action == CaseStep.NOTE:
        ctx.say(ctx._(WHAT_NOTE).format(code=order.code))
        return StepResult(Step.NOTE, data)
    return _show(ctx, case)


def _show(ctx: StepContext, case: OrderCase) -> StepResult:
    text = case_notices.case_text(ctx.translator, case, _order(ctx, case))
    image = ImageRef(key=case.photo_ref) if case.photo_ref else None
    ctx.reply(
        Outbound(text, image=image, choices=case_notices.case_choices(ctx.translator, case.id))
    )
    return StepResult(Step.CASE, {"case_id": case.id})


def amount(ctx: StepContext, inbound: Inbound) -> StepResult:
    if CaseAction.read(inbound.payload) is not None:
        return chosen(ctx, inbound)
    case = _open_case(ctx)
    if case is None:
        return show_list(ctx)
    order = _order(ctx, case)
    left = _left(ctx, order)
    typed = inbound.text.strip()
    wanted: Money | None = None
    if typed.casefold().rstrip(".!") not in ALL_WORDS:
        parsed = parse_price(typed, order.currency, max_minor=10**15)
        if not isinstance(parsed, Money):
            example = Money(left.amount // 2 or left.amount, left.currency).format(ctx.user.locale)
            ctx.say(ctx._(NOT_AN_AMOUNT).format(example=example))
            return StepResult(Step.AMOUNT, ctx.data)
        wanted = parsed
    try:
        with ctx.session.begin_nested():  # the refund and the close are kept together, or neither
            closed = cases.close_with_refund(ctx.session, case.id, wanted, "", _me(ctx), ctx.now)
    except cases.TooMuch as too_much:
        left_text = too_much.left.format(ctx.user.locale)
        ctx.say(ctx._(TOO_MUCH).format(left=left_text, code=order.code))
        return StepResult(Step.AMOUNT, ctx.data)
    except cases.CaseAlreadyClosed:
        ctx.say(ctx._(ALREADY_CLOSED).format(code=order.code))
        return show_list(ctx)
    except StoreError:  # the provider's refund path refused: nothing was kept
        ctx.say(ctx._(CANNOT_REFUND).format(code=order.code))
        return _show(ctx, case)
    given = Money(closed.refunded_minor or 0, order.currency).format(ctx.user.locale)
    ctx.say(ctx._(REFUNDED).format(amount=given, code=order.code))
    return StepResult(END)


def note(ctx: StepContext, inbound: Inbound) -> StepResult:
    if CaseAction.read(inbound.payload) is not None:
        return chosen(ctx, inbound)
    case = _open_case(ctx)
    if case is None:
        return show_list(ctx)
    written = inbound.text.strip()
    if not written:
        ctx.say(ctx._(NOTE_PLEASE))
        return StepResult(Step.NOTE, ctx.data)
    cases.close_with_note(ctx.session, case.id, written, _me(ctx), ctx.now)
    ctx.say(ctx._(CLOSED).format(code=_order(ctx, case).code))
    return StepResult(END)


def _open_case(ctx: StepContext) -> OrderCase | None:
    """The case this step is about, if still open (she is told when it is not)."""
    case_id = ctx.data.get("case_id")
    case = ctx.session.get(OrderCase, case_id) if isinstance(case_id, int) else None
    if case is not None and case.closed_at is not None:
        ctx.say(ctx._(ALREADY_CLOSED).format(code=_order(ctx, case).code))
        return None
    return case


def _show_again(ctx: StepContext) -> StepResult:
    case_id = ctx.data.get("case_id")
    case = ctx.session.get(OrderCase, case_id) if isinstance(case_id, int) else None
    if case is None or case.closed_at is not None:
        return show_list(ctx)
    if ctx.step == Step.AMOUNT:
        return _act(ctx, CaseStep.REFUND, case)
    if ctx.step == Step.NOTE:
        return _act(ctx, CaseStep.NOTE, case)
    return _show(ctx, case)


def case_tapped(ctx: StepContext, tapped: CaseAction) -> StepResult | None:
    """A case's choice on an earlier message (its notice): only for a manager."""
    if not permissions.may_act_as(ctx.session, _me(ctx), Role.COMMUNITY_MANAGER):
        return None
    return ctx.begin(FLOW, f"{tapped.action}:{tapped.case_id}")


def _me(ctx: StepContext) -> Actor:
    return Actor.user(ctx.user.id)


def _order(ctx: StepContext, case: OrderCase) -> Order:
    return ctx.session.get_one(Order, case.order_id)


def _left(ctx: StepContext, order: Order) -> Money:
    return Money(sum(cases.left_to_refund(ctx.session, order).values()), order.currency)


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.LIST: chosen,
        Step.CASE: chosen,
        Step.AMOUNT: amount,
        Step.NOTE: note,
    }
    prompts: dict[StrEnum, PromptFn] = {
        Step.LIST: show_list,
        Step.CASE: _show_again,
        Step.AMOUNT: _show_again,
        Step.NOTE: _show_again,
    }
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(CaseAction, case_tapped)
    registry.add_menu_entry(
        MenuEntry(
            "cases",
            MENU_LABEL,
            FLOW,
            MenuGroup.MANAGING,
            4,
            visible=with_role(Role.COMMUNITY_MANAGER),
        )
    )
