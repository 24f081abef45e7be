"""Workshop visits, for community managers: the shops due for a visit (nearest first once she
shares where she is), and recording one — from that list or from the artisan's People card.

Recording asks, in order: the day (today by a tap, or a day she types: `visit_dates`), each
item of the standards' visit checklist (meets the standards, or needs work), photos of the
workshop if she has any (already stored by the photo pipeline when they reach a step: only
their keys are kept), and the outcome: passed, or follow-up needed with what to fix. The visit
is recorded by `store.services.workshop_visits` (which checks again that she may) and the
artisan is told in her language: congratulations and the words buyers now see, or, kindly,
what to fix.

Every step checks again that she is a community manager; a shop tapped on an old list is
taken as it is now.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

from babel.numbers import format_decimal

from conversations.flow import (
    Answer,
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
from conversations.global_words import GlobalWord, word_button
from conversations.i18n import N_, Translator
from conversations.messages import Choice, Inbound, Outbound, TapWord
from conversations.payloads import Payload
from conversations.photo_records import StoredPhoto
from conversations.photos import refusal_message
from conversations.verified_badge import badge, day_words, month_words
from conversations.visit_dates import parse_visit_date
from store.errors import NotFound
from store.media.errors import PhotoError
from store.models import Artisan, Role, VisitOutcome
from store.services import permissions, workshop_visits
from store.services.audit import Actor
from store.services.workshop_visits import Check, DueReason, DueShop
from store.standards import ChecklistItem, standards

FLOW: Final = "visits"
LIST_SIZE: Final = 10
MENU_NUMBER: Final = 6

MENU_LABEL = N_("Shops to visit")
DUE_HEADER = N_("Shops due for a workshop visit ({count}), nearest first:")
DUE_HEADER_BY_PLACE = N_(
    "Shops due for a workshop visit ({count}), by place. Share your location to see the "
    "nearest first."
)
NONE_DUE = N_("No shop is due for a visit: every open shop has a visit that still counts.")
NEVER_VISITED = N_("never visited")
LAPSED = N_("visited {month}, lapsed")
FOLLOW_UP = N_("follow-up from {month}")
KM_AWAY = N_("{km} km")
ASK_DATE = N_(
    "Recording a visit to {shop}. When did you visit? Choose Today, or type the day, for "
    "example 3 March or 3/3/2027."
)
TODAY = N_("Today")
NOT_A_DATE = N_(
    "Sorry, I couldn't read that day. Type it like 3 March, or 3/3/2027, or choose Today."
)
IN_FUTURE = N_(
    "{day} has not come yet: please give the day you went there (today or earlier), or "
    "choose Today."
)
ASK_CHECK = N_("{n} of {total} · {title}\n{question}")
MEETS = N_("Meets the standards")
NEEDS_WORK = N_("Needs work")
ASK_PHOTOS = N_("Any photos of the workshop? Send them now, or choose Done.")
PHOTO_KEPT = N_("Photo kept ({count}). Send more, or choose Done.")
PHOTO_KEPT_ASIDE = N_("Photo kept with this visit ({count}).")
PHOTOS_FULL = N_("That is enough photos ({count}). Choose Done.")
DONE = N_("Done")
ASK_OUTCOME = N_("Did {shop} meet the standards?")
PASSED = N_("Passed")
FOLLOW_UP_NEEDED = N_("Follow-up needed")
ASK_NOTE = N_(
    "What should {shop} fix before the next visit? Write it kindly, in a few words: the "
    "artisan will read it."
)
NOTE_PLEASE = N_("Please write in a few words what to fix.")
RECORDED_PASSED = N_(
    "Recorded: {shop} passed. Buyers now see “{badge}” until {until}. The artisan has been told."
)
RECORDED_OLD = N_(
    "Recorded: {shop} passed on {day}, but that visit counted only until {until}, so the shop "
    "is still due for a visit."
)
RECORDED_FOLLOW_UP = N_(
    "Recorded: {shop} needs a follow-up visit. The artisan has been told what to fix."
)
SHOP_GONE = N_("Sorry, I couldn't find that shop any more.")
NOT_HER_OWN = N_("Another community manager must record a visit to your own shop.")
TOLD_PASSED = N_(
    "Congratulations! Soko visited your workshop on {day}, and it meets our standards. Buyers "
    "now see “{badge}” on your shop and on every piece."
)
TOLD_FOLLOW_UP = N_(
    "Thank you for welcoming Soko to your workshop on {day}. Before your shop can show that "
    "it was visited, there is something to fix: {note}\nA community manager will come again. "
    "If anything is unclear, ask us here."
)
CARD_VERIFIED = N_("Workshop visited {month}: verified until {until}.")
CARD_LAPSED = N_("Workshop visited {month}: lapsed, due for a visit.")
CARD_FOLLOW_UP = N_("Workshop visited {month}: follow-up needed: “{note}”")
CARD_NEVER = N_("Workshop: never visited.")
MENU = N_("Menu")
MORE = N_("More")

TODAY_PAYLOAD: Final = "visit:today"
DONE_PAYLOAD: Final = "visit:done"
LIST_PAYLOAD: Final = "visit:list"
_OUTCOMES: Final = {"passed": VisitOutcome.PASSED, "follow": VisitOutcome.FOLLOW_UP}


# "Passed" typed where the note was asked, in either language: the outcome, not a note.
_PASSED_WORDS: Final = frozenset(Translator(locale)._(PASSED).casefold() for locale in ("en", "sw"))


class Step(StrEnum):
    DUE = "due"
    DATE = "date"
    CHECK = "check"
    PHOTOS = "photos"
    OUTCOME = "outcome"
    NOTE = "note"


@dataclass(frozen=True)
class VisitShop(Payload, tag="vv"):
    """A shop on the list of those due: record a visit to it (from any message)."""

    artisan_id: int


@dataclass(frozen=True)
class DuePage(Payload, tag="vp"):
    """The next page of the list of shops due (at the start, every shop is due)."""

    page: int


def start_arg(artisan_id: int) -> str:
    """The argument that starts recording a visit to this shop (the People card's)."""
    return f"shop:{artisan_id}"


# --- the list of shops due ----------------------------------------------------------------


def start(ctx: StepContext, arg: str) -> StepResult:
    _check_manager(ctx)
    if arg.startswith("shop:") and arg[5:].isdigit():
        return _begin_visit(ctx, int(arg[5:]))
    return _show_due(ctx, None)


def due(ctx: StepContext, inbound: Inbound) -> StepResult:
    """At the list: a shared location sorts it nearest first; anything else shows it again
    (a shop tapped is a `VisitShop`, routed)."""
    _check_manager(ctx)
    tapped = VisitShop.read(inbound.payload)
    if tapped is not None:
        return _begin_visit(ctx, tapped.artisan_id)
    near = ctx.data.get("near")
    turned = DuePage.read(inbound.payload)
    if turned is not None:
        return _show_due(ctx, near, page=turned.page)
    if inbound.location is not None:
        near = [inbound.location.latitude, inbound.location.longitude]
    return _show_due(ctx, near)


def _show_due(ctx: StepContext, near: Any, *, page: int = 0) -> StepResult:
    here = (float(near[0]), float(near[1])) if isinstance(near, list) and len(near) == 2 else None
    shops = workshop_visits.shops_due_for_visit(
        ctx.session, ctx.now, near=here, timezone=ctx.market.config.artisan_timezone
    )
    if not shops:
        ctx.ask(ctx._(NONE_DUE), [_menu_choice(ctx)])
        return StepResult(Step.DUE, {"near": near})
    header = DUE_HEADER if here is not None else DUE_HEADER_BY_PLACE
    page = min(max(page, 0), (len(shops) - 1) // LIST_SIZE)
    shown = shops[page * LIST_SIZE : (page + 1) * LIST_SIZE]
    choices = [_due_choice(ctx, shop) for shop in shown]
    if (page + 1) * LIST_SIZE < len(shops):
        choices.append(Choice(ctx._(MORE), DuePage(page + 1).encode()))
    ctx.ask(ctx._(header).format(count=len(shops)), [*choices, _menu_choice(ctx)])
    return StepResult(Step.DUE, {"near": near})


def _due_choice(ctx: StepContext, shop: DueShop) -> Choice:
    locale = ctx.translator.locale
    if shop.reason is DueReason.NEVER or shop.last_visit_month is None:
        why = ctx._(NEVER_VISITED)
    else:
        said = LAPSED if shop.reason is DueReason.LAPSED else FOLLOW_UP
        why = ctx._(said).format(month=month_words(shop.last_visit_month, locale))
    parts = [shop.shop_name]
    if shop.distance_km is not None:
        parts.append(ctx._(KM_AWAY).format(km=_km(shop.distance_km, locale)))
    elif shop.place:
        parts.append(shop.place)
    parts.append(why)
    return Choice(" · ".join(parts), VisitShop(shop.artisan_id).encode())


def _km(distance: float, locale: str) -> str:
    return format_decimal(round(distance, 1), format="#,##0.#", locale=locale)


def open_shop(ctx: StepContext, payload: VisitShop) -> StepResult | None:
    """A shop tapped on a list of shops due, from any message: record a visit to it."""
    if not permissions.holds(ctx.session, ctx.user.id, Role.COMMUNITY_MANAGER):
        return None
    return ctx.begin(FLOW, start_arg(payload.artisan_id))


# --- recording a visit ---------------------------------------------------------------------


def _begin_visit(ctx: StepContext, artisan_id: int) -> StepResult:
    shop = ctx.session.get(Artisan, artisan_id)
    if shop is None:
        ctx.say(ctx._(SHOP_GONE))
        return _show_due(ctx, ctx.data.get("near"))
    if shop.user_id == ctx.user.id:
        ctx.say(ctx._(NOT_HER_OWN))
        return _show_due(ctx, ctx.data.get("near"))
    # An owner's shop, for a manager who is not one: refused now, not after every question.
    permissions.require_may_act_on(
        ctx.session,
        Actor.user(ctx.user.id),
        Role.COMMUNITY_MANAGER,
        shop.user_id,
        "record a workshop visit",
        on_herself=False,
    )
    data = {"artisan_id": shop.id, "shop": shop.shop_name, "checks": {}, "photos": []}
    ctx.data.update(data)
    _ask_date(ctx)
    return StepResult(Step.DATE, data)


def _ask_date(ctx: StepContext) -> None:
    text = ctx._(ASK_DATE).format(shop=_shop(ctx))
    ctx.ask(text, [Choice(ctx._(TODAY), TODAY_PAYLOAD), _menu_choice(ctx)])


def date_given(ctx: StepContext, inbound: Inbound) -> StepResult:
    _check_manager(ctx)
    if inbound.photos:
        return _photos_aside(ctx, inbound, Step.DATE)
    today = workshop_visits.today_in(ctx.now, ctx.market.config.artisan_timezone)
    if inbound.payload == TODAY_PAYLOAD:
        day: date | None = today
    else:
        day = parse_visit_date(inbound.text, today)
    if day is None:
        ctx.say(ctx._(NOT_A_DATE))
        _ask_date(ctx)
        return StepResult(Step.DATE)
    if day > today:
        ctx.say(ctx._(IN_FUTURE).format(day=day_words(day, ctx.translator.locale)))
        _ask_date(ctx)
        return StepResult(Step.DATE)
    ctx.data["visited_on"] = day.isoformat()
    return _ask_item(ctx, 0, {"visited_on": day.isoformat(), "item": 0})


def _checklist() -> tuple[ChecklistItem, ...]:
    return standards().checklist


def _ask_item(ctx: StepContext, index: int, data: dict[str, Any] | None = None) -> StepResult:
    items = _checklist()
    item = items[index]
    locale = ctx.translator.locale
    text = ctx._(ASK_CHECK).format(
        n=index + 1,
        total=len(items),
        title=item.title_in(locale),
        question=item.question_in(locale),
    )
    choices = [
        Choice(ctx._(MEETS), _answer_payload(ctx, index, Check.OK), TapWord.YES),
        Choice(ctx._(NEEDS_WORK), _answer_payload(ctx, index, Check.FIX), TapWord.NO),
    ]
    ctx.ask(text, choices)
    return StepResult(Step.CHECK, {**(data or {}), "item": index})


def _answer_payload(ctx: StepContext, index: int, answer: Check) -> str:
    """An answer to this shop's item `index`: a button under another question (scrolled up
    to, on her phone) is not offered, so it answers nothing later."""
    return f"visit:{answer.value}:{ctx.data.get('artisan_id')}:{index}"


def checked(ctx: StepContext, inbound: Inbound) -> StepResult:
    _check_manager(ctx)
    if inbound.photos:
        return _photos_aside(ctx, inbound, Step.CHECK)
    index = int(ctx.data.get("item", 0))
    answers = {_answer_payload(ctx, index, check): check for check in Check}
    answer = answers.get(inbound.payload) if isinstance(inbound.payload, str) else None
    items = _checklist()
    if answer is None or index >= len(items):
        return _ask_item(ctx, min(index, len(items) - 1))
    checks = {**dict(ctx.data.get("checks") or {}), items[index].code: answer.value}
    if index + 1 < len(items):
        return _ask_item(ctx, index + 1, {"checks": checks})
    ctx.data["checks"] = checks
    _ask_photos(ctx)
    return StepResult(Step.PHOTOS, {"checks": checks})


def _ask_photos(ctx: StepContext) -> None:
    ctx.ask(ctx._(ASK_PHOTOS), [Choice(ctx._(DONE), DONE_PAYLOAD, TapWord.DONE)])


def photos(ctx: StepContext, inbound: Inbound) -> StepResult:
    """Photos of the workshop (stored by the pipeline before this step: keys only)."""
    _check_manager(ctx)
    if inbound.payload == DONE_PAYLOAD:
        return _ask_outcome(ctx)
    if not inbound.photos:
        _ask_photos(ctx)
        return StepResult(Step.PHOTOS)
    kept = _keep_photos(ctx, inbound)
    full = len(kept) >= workshop_visits.MAX_PHOTOS
    said = PHOTOS_FULL if full else PHOTO_KEPT
    ctx.ask(ctx._(said).format(count=len(kept)), [Choice(ctx._(DONE), DONE_PAYLOAD, TapWord.DONE)])
    return StepResult(Step.PHOTOS)


def _photos_aside(ctx: StepContext, inbound: Inbound, step: Step) -> StepResult:
    """Photos sent while another question is open: kept with the visit; their caption is
    the answer to the question, else the question is asked again."""
    before = len(ctx.data.get("photos") or [])
    kept = _keep_photos(ctx, inbound)
    if len(kept) > before:
        ctx.say(ctx._(PHOTO_KEPT_ASIDE).format(count=len(kept)))
    if inbound.text.strip():
        answers: dict[Step, StepFn] = {
            Step.DATE: date_given,
            Step.CHECK: checked,
            Step.OUTCOME: outcome,
            Step.NOTE: note,
        }
        return answers[step](ctx, dataclasses.replace(inbound, photos=()))
    return _again(step)(ctx)


def _keep_photos(ctx: StepContext, inbound: Inbound) -> list[str]:
    """Adds the stored photos' keys to the visit's (a refused or lost one is said so)."""
    kept = [str(key) for key in ctx.data.get("photos") or []]
    for photo in inbound.photos:
        if isinstance(photo, PhotoError):
            ctx.say(ctx._(refusal_message(photo.code)))
        elif isinstance(photo, StoredPhoto):
            key = photo.record.keys.get("large") or photo.record.keys.get("medium")
            if key and key not in kept and len(kept) < workshop_visits.MAX_PHOTOS:
                kept.append(key)
    ctx.data["photos"] = kept
    return kept


def _ask_outcome(ctx: StepContext) -> StepResult:
    choices = [
        Choice(ctx._(PASSED), _outcome_payload(ctx, "passed"), TapWord.YES),
        Choice(ctx._(FOLLOW_UP_NEEDED), _outcome_payload(ctx, "follow"), TapWord.NO),
    ]
    ctx.ask(ctx._(ASK_OUTCOME).format(shop=_shop(ctx)), choices)
    return StepResult(Step.OUTCOME)


def _outcome_payload(ctx: StepContext, said: str) -> str:
    """The outcome of the visit to this shop: an earlier visit's buttons decide nothing here."""
    return f"visit:{said}:{ctx.data.get('artisan_id')}"


def outcome(ctx: StepContext, inbound: Inbound) -> StepResult:
    _check_manager(ctx)
    if inbound.photos:
        return _photos_aside(ctx, inbound, Step.OUTCOME)
    outcomes = {_outcome_payload(ctx, said): chosen for said, chosen in _OUTCOMES.items()}
    chosen = outcomes.get(inbound.payload) if isinstance(inbound.payload, str) else None
    if chosen is None:
        return _ask_outcome(ctx)
    if chosen is VisitOutcome.PASSED:
        return _record(ctx, VisitOutcome.PASSED, "")
    return _ask_note(ctx)


def _ask_note(ctx: StepContext) -> StepResult:
    ctx.ask(ctx._(ASK_NOTE).format(shop=_shop(ctx)), [_menu_choice(ctx)])
    return StepResult(Step.NOTE)


def note(ctx: StepContext, inbound: Inbound) -> StepResult:
    _check_manager(ctx)
    if inbound.photos:
        return _photos_aside(ctx, inbound, Step.NOTE)
    words = " ".join(inbound.text.split())
    if not words or inbound.payload is not None:
        ctx.say(ctx._(NOTE_PLEASE))
        return _ask_note(ctx)
    if words.casefold().strip(".!") in _PASSED_WORDS:  # she changed her mind: it passed
        return _record(ctx, VisitOutcome.PASSED, "")
    return _record(ctx, VisitOutcome.FOLLOW_UP, words)


def _record(ctx: StepContext, chosen: VisitOutcome, words: str) -> StepResult:
    config = ctx.market.config
    artisan_id = int(ctx.data["artisan_id"])
    visited_on = date.fromisoformat(str(ctx.data["visited_on"]))
    checks = {code: Check(value) for code, value in dict(ctx.data.get("checks") or {}).items()}
    try:
        visit = workshop_visits.record_visit(
            ctx.session,
            Actor.user(ctx.user.id),
            artisan_id,
            visited_on=visited_on,
            outcome=chosen,
            checks=checks,
            photo_keys=[str(key) for key in ctx.data.get("photos") or []],
            note=words,
            now=ctx.now,
            valid_months=config.verification_valid_months,
            timezone=config.artisan_timezone,
        )
    except NotFound:
        ctx.say(ctx._(SHOP_GONE))
        return _show_due(ctx, ctx.data.get("near"))
    shop = ctx.session.get(Artisan, artisan_id)
    assert shop is not None  # the service found it
    locale = ctx.translator.locale
    today = workshop_visits.today_in(ctx.now, config.artisan_timezone)
    if chosen is VisitOutcome.FOLLOW_UP:
        said = ctx._(RECORDED_FOLLOW_UP).format(shop=shop.shop_name)
        ctx.notify(shop.user_id, lambda t: _told_follow_up(t, visited_on, visit.note))
    elif workshop_visits.is_verifying(visit, today):
        assert visit.valid_until is not None
        said = ctx._(RECORDED_PASSED).format(
            shop=shop.shop_name,
            badge=badge(ctx.translator, visited_on.replace(day=1)),
            until=month_words(visit.valid_until.replace(day=1), locale),
        )
        ctx.notify(shop.user_id, lambda t: _told_passed(t, visited_on))
    else:
        assert visit.valid_until is not None
        said = ctx._(RECORDED_OLD).format(
            shop=shop.shop_name,
            day=day_words(visited_on, locale),
            until=day_words(visit.valid_until, locale),
        )
    # On her round: the list of shops due is one tap away.
    ctx.ask(said, [Choice(ctx._(MENU_LABEL), LIST_PAYLOAD), _menu_choice(ctx)])
    return StepResult(Step.DUE, {"artisan_id": None})


def _told_passed(t: Translator, visited_on: date) -> Outbound:
    return Outbound(
        text=t._(TOLD_PASSED).format(
            day=day_words(visited_on, t.locale), badge=badge(t, visited_on.replace(day=1))
        )
    )


def _told_follow_up(t: Translator, visited_on: date, words: str) -> Outbound:
    return Outbound(
        text=t._(TOLD_FOLLOW_UP).format(day=day_words(visited_on, t.locale), note=words)
    )


# --- the People card's line ------------------------------------------------------------------


def card_line(ctx: StepContext, artisan_id: int) -> str:
    """Where her workshop stands, for the People card."""
    config = ctx.market.config
    visit = workshop_visits.latest_visits(ctx.session, [artisan_id]).get(artisan_id)
    if visit is None:
        return ctx._(CARD_NEVER)
    locale = ctx.translator.locale
    month = month_words(visit.visited_on.replace(day=1), locale)
    today = workshop_visits.today_in(ctx.now, config.artisan_timezone)
    if workshop_visits.is_verifying(visit, today):
        assert visit.valid_until is not None
        until = month_words(visit.valid_until.replace(day=1), locale)
        return ctx._(CARD_VERIFIED).format(month=month, until=until)
    if visit.outcome is VisitOutcome.FOLLOW_UP:
        return ctx._(CARD_FOLLOW_UP).format(month=month, note=visit.note)
    return ctx._(CARD_LAPSED).format(month=month)


# --- plumbing ------------------------------------------------------------------------------


def _shop(ctx: StepContext) -> str:
    return str(ctx.data.get("shop", ""))


def _menu_choice(ctx: StepContext) -> Choice:
    return Choice(ctx._(MENU), word_button(GlobalWord.MENU))


def _check_manager(ctx: StepContext) -> None:
    permissions.require_manager(ctx.session, Actor.user(ctx.user.id), "record workshop visits")


def _again(step: Step) -> PromptFn:
    def prompt(ctx: StepContext) -> StepResult:
        _check_manager(ctx)
        if step is Step.DUE or not ctx.data.get("artisan_id"):
            return _show_due(ctx, ctx.data.get("near"))
        if step is Step.DATE:
            _ask_date(ctx)
            return StepResult(Step.DATE)
        if step is Step.CHECK:
            return _ask_item(ctx, min(int(ctx.data.get("item", 0)), len(_checklist()) - 1))
        if step is Step.PHOTOS:
            _ask_photos(ctx)
            return StepResult(Step.PHOTOS)
        if step is Step.OUTCOME:
            return _ask_outcome(ctx)
        return _ask_note(ctx)

    return prompt


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.DUE: due,
        Step.DATE: date_given,
        Step.CHECK: checked,
        Step.PHOTOS: photos,
        Step.OUTCOME: outcome,
        Step.NOTE: note,
    }
    prompts: dict[StrEnum, PromptFn] = {step: _again(step) for step in Step}
    # The list: other words answer nothing there; a menu entry's name opens that entry.
    answers: dict[StrEnum, Answer] = {Step.DUE: Answer.CHOICE}
    registry.add(Flow(FLOW, steps, start, prompts=prompts, answers=answers))
    registry.add_route(VisitShop, open_shop)
    registry.add_menu_entry(
        MenuEntry(
            "visits",
            MENU_LABEL,
            FLOW,
            MenuGroup.MANAGING,
            MENU_NUMBER,
            visible=with_role(Role.COMMUNITY_MANAGER),
        )
    )
