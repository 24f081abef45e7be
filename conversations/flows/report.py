"""The buyer reports a parcel not arrived or damaged: "haijafika" / "not arrived" /
"imeharibika" / "damaged" typed, "Not arrived" / "Damaged" tapped on her order, or "Not yet"
on the question whether it came. She picks the order when several could be meant, says what
happened in a few words (a photo may come with them, or alone), and the community managers
are told (`store/services/cases.py`; one open case per order, a second report adds to it)."""

from __future__ import annotations

from enum import StrEnum

from conversations.flow import END, Flow, FlowRegistry, PromptFn, StepContext, StepFn, StepResult
from conversations.flows import checkout
from conversations.global_words import REPORT_FLOW
from conversations.i18n import N_
from conversations.messages import Choice, Inbound
from conversations.notify.orders import ITEM
from conversations.payloads import ParcelNotArrived, ReportParcel
from conversations.photo_records import StoredPhoto
from store.errors import NotFound, PermissionDenied
from store.models import CaseKind, Order
from store.services import cases, orders

FLOW = REPORT_FLOW

NOT_ARRIVED = N_("Not arrived")
DAMAGED = N_("Damaged")
NOTHING_TO_REPORT = N_(
    "None of your orders has been shipped to you lately, so there is nothing to report yet. "
    "Send menu to see your orders."
)
NOT_THIS_ONE = N_(
    "Order {code} has not been shipped to you lately, so it cannot be reported. "
    "Send menu to see your orders."
)
WHICH = N_("Which order is it about?")
ORDER_CHOICE = N_("{code}: {items}")
TELL_NOT_ARRIVED = N_(
    "Sorry that order {code} has not arrived. Tell us in a few words what you know "
    "(when you last heard of it, anything the post told you)."
)
TELL_DAMAGED = N_(
    "Sorry that order {code} came damaged. Tell us in a few words what is wrong, "
    "and send a photo of it if you can."
)
ALREADY_OPEN = N_(
    "You have already told us about order {code}. What you send now is added to that report."
)
WORDS_PLEASE = N_("Please tell us in a few words what happened, or send a photo.")
REPORTED = N_(
    "Thank you. We have told the community managers about order {code}; they will look "
    "into it and write to you here."
)
ADDED = N_("Thank you. We have added this to your report on order {code}.")


class Step(StrEnum):
    PICK = "pick"
    TELL = "tell"


def start(ctx: StepContext, arg: str) -> StepResult:
    """`kind` (typed) or `kind:order_id` (tapped): the kind of case, maybe its order."""
    kind_text, _, order_text = arg.partition(":")
    kind = CaseKind(kind_text) if kind_text in CaseKind._value2member_map_ else None
    if kind is None:
        kind = CaseKind.NOT_ARRIVED
    if order_text.isdecimal():
        order = checkout.own_order(ctx.session, ctx.user.id, int(order_text))
        return _tell(ctx, kind, order)
    return _ask_which(ctx, kind)


def _reportable(ctx: StepContext) -> list[Order]:
    mine = orders.orders_for_buyer(ctx.session, ctx.user.id, limit=10)
    within = ctx.market.config.report_within
    return [order for order in mine if cases.may_report(order, ctx.now, within)]


def _ask_which(ctx: StepContext, kind: CaseKind) -> StepResult:
    found = _reportable(ctx)
    if not found:
        ctx.say(ctx._(NOTHING_TO_REPORT))
        return StepResult(END)
    if len(found) == 1:
        return _tell(ctx, kind, found[0])
    choices = [_choice(ctx, kind, order) for order in found]
    ctx.ask(ctx._(WHICH), choices)
    return StepResult(Step.PICK, {"kind": kind.value})


def pick(ctx: StepContext, inbound: Inbound) -> StepResult:
    picked = ReportParcel.read(inbound.payload)
    if picked is None:
        return _ask_which(ctx, _kind(ctx))
    order = checkout.own_order(ctx.session, ctx.user.id, picked.order_id)
    return _tell(ctx, _kind(ctx), order)


def _tell(ctx: StepContext, kind: CaseKind, order: Order) -> StepResult:
    if cases.open_case_of(ctx.session, order.id) is not None:
        ctx.say(ctx._(ALREADY_OPEN).format(code=order.code))
    elif not cases.may_report(order, ctx.now, ctx.market.config.report_within):
        ctx.say(ctx._(NOT_THIS_ONE).format(code=order.code))
        return StepResult(END)
    else:
        asked = TELL_DAMAGED if kind is CaseKind.DAMAGED else TELL_NOT_ARRIVED
        ctx.say(ctx._(asked).format(code=order.code))
    return StepResult(Step.TELL, {"kind": kind.value, "order_id": order.id})


def tell(ctx: StepContext, inbound: Inbound) -> StepResult:
    photo = next(
        (p.record.keys.get("medium") for p in inbound.photos if isinstance(p, StoredPhoto)),
        None,
    )
    note = inbound.text.strip()
    if not note and photo is None:
        ctx.say(ctx._(WORDS_PLEASE))
        return StepResult(Step.TELL, ctx.data)
    order = checkout.own_order(ctx.session, ctx.user.id, int(ctx.data["order_id"]))
    try:
        done = cases.report(
            ctx.session,
            order.id,
            _kind(ctx),
            note,
            photo,
            by=ctx.user.id,
            now=ctx.now,
            within=ctx.market.config.report_within,
        )
    except cases.NothingToReport:
        ctx.say(ctx._(NOT_THIS_ONE).format(code=order.code))
        return StepResult(END)
    ctx.say(ctx._(REPORTED if done.newly else ADDED).format(code=order.code))
    return StepResult(END)


def _ask_again(ctx: StepContext) -> StepResult:
    order_id = ctx.data.get("order_id")
    if ctx.step == Step.TELL and isinstance(order_id, int):
        return _tell(ctx, _kind(ctx), checkout.own_order(ctx.session, ctx.user.id, order_id))
    return _ask_which(ctx, _kind(ctx))


def _kind(ctx: StepContext) -> CaseKind:
    text = ctx.data.get("kind")
    return (
        CaseKind(text)
        if isinstance(text, str) and text in CaseKind._value2member_map_
        else (CaseKind.NOT_ARRIVED)
    )


def _choice(ctx: StepContext, kind: CaseKind, order: Order) -> Choice:
    items = ", ".join(
        ctx._(ITEM).format(quantity=line.quantity, title=line.title) for line in order.lines
    )
    return Choice(ctx._(ORDER_CHOICE).format(code=order.code, items=items), _payload(kind, order))


def _payload(kind: CaseKind, order: Order) -> str:
    return ReportParcel(kind, order.id).encode()


def report_choices(ctx: StepContext, order: Order) -> list[Choice]:
    """ "Not arrived" and "Damaged" for her order's page, when it may be reported."""
    if not cases.may_report(order, ctx.now, ctx.market.config.report_within):
        return []
    return [
        Choice(ctx._(NOT_ARRIVED), _payload(CaseKind.NOT_ARRIVED, order)),
        Choice(ctx._(DAMAGED), _payload(CaseKind.DAMAGED, order)),
    ]


def report_tapped(ctx: StepContext, tapped: ReportParcel) -> StepResult | None:
    """ "Not arrived" / "Damaged" from an earlier message: if the order is hers."""
    try:
        checkout.own_order(ctx.session, ctx.user.id, tapped.order_id)
    except (NotFound, PermissionDenied):
        return None
    return ctx.begin(FLOW, f"{tapped.kind}:{tapped.order_id}")


def not_arrived_tapped(ctx: StepContext, tapped: ParcelNotArrived) -> StepResult | None:
    """ "Not yet" on the question whether her parcel came: a "not arrived" report."""
    return report_tapped(ctx, ReportParcel(CaseKind.NOT_ARRIVED, tapped.order_id))


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {Step.PICK: pick, Step.TELL: tell}
    prompts: dict[StrEnum, PromptFn] = {Step.PICK: _ask_again, Step.TELL: _ask_again}
    registry.add(Flow(FLOW, steps, start, prompts=prompts))
    registry.add_route(ReportParcel, report_tapped)
    registry.add_route(ParcelNotArrived, not_arrived_tapped)
