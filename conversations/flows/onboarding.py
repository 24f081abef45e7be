"""Artisan onboarding: shop name, place, M-Pesa number, one card to check, and the shop opens.

Started from the menu ("Sell your jewelry"), by a mentor's referral (a `/start ref-<code>`
deep link, or a first message "JOIN <code>": see `conversations.global_words`), or by a
newcomer's first photo (the listing flow keeps it and takes it up once the shop is open).
Her name is the one her app gives (asked only when it gives none) and her story is not asked:
both can be changed on the card, the story later too. Answers are kept when she leaves
half-way, so starting again resumes where she stopped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from conversations.choices import is_skip, tap_word
from conversations.flow import (
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    StepContext,
    StepFn,
    StepResult,
)
from conversations.flows import onboarding_text as text
from conversations.global_words import REFERRAL_START_PREFIX
from conversations.i18n import N_
from conversations.messages import Choice, Inbound, Outbound, TapWord
from conversations.notify import mentors
from conversations.payloads import Payload
from conversations.photo_records import StoredPhoto, photo_to_dict
from store.models import Role, User
from store.phones import shown_phone
from store.services import people, referrals
from store.services.product_photos import MAX_PHOTOS
from store.services.public_place import public_place
from store.services.referrals import AttributionOutcome, format_code, normalize_code
from store.text import clean_display, clean_line

FLOW = "onboarding"
SELL = N_("Sell your jewelry")
_NAME_LENGTH = (2, 80)
# Her answers; a missing one of `_ASKED` is the next question.
_FIELDS = ("name", "shop", "location", "mpesa", "story")
_ASKED = ("name", "shop", "location", "mpesa")
# The listing flow keeps a newcomer's first photos there; once her shop is open it goes on.
LISTING = "listing"
FIRST_PHOTOS = "first_photos"
FIRST_CAPTION = "first_caption"
LISTING_KEPT_PHOTOS = "kept-photos"
_ALBUM = "album"
# A greeting alone ("Habari", "mambo?") where a shop's name or place is asked is her coming
# back to the chat, not her answer: welcomed back and asked again. No names among them.
_GREETINGS = frozenset({
    "habari", "jambo", "hujambo", "mambo", "niaje", "vipi", "sasa", "poa", "shikamoo", "hodi",
    "yako", "asubuhi", "mchana", "jioni", "hi", "hello", "hey", "hallo", "good", "morning",
    "afternoon", "evening",
})  # fmt: skip
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ChangeAnswer(Payload, tag="obf"):
    """Which answer to change, before the shop opens (one of `_FIELDS`)."""

    field: str


class Step(StrEnum):
    NAME = "name"
    SHOP = "shop"
    LOCATION = "location"
    MPESA = "mpesa"
    STORY = "story"
    CONFIRM = "confirm"
    CHANGE = "change"


def start(ctx: StepContext, arg: str) -> StepResult:
    artisan = people.artisan_for_user(ctx.session, ctx.user.id)
    if artisan is not None:
        ctx.data.clear()
        ctx.say(ctx._(text.ALREADY_ARTISAN).format(shop=artisan.shop_name))
        return ctx.begin(FlowRegistry.MENU)
    # A code as typed: the active one she meant (look-alikes read), else as the alphabet has it.
    code = (referrals.active_code(ctx.session, arg) or normalize_code(arg)) if arg.strip() else None
    if code:
        ctx.data["code"] = code
    resuming = any(field in ctx.data for field in _FIELDS)
    if not resuming and _profile_name(ctx.user):
        ctx.data["name"] = _profile_name(ctx.user)  # changeable on the card
    ctx.data.setdefault("story", "")  # not asked: added on the card or later
    opening = ctx._(text.WELCOME_BACK if resuming else text.INTRO)
    if code:  # also a code she types half-way: it counts
        opening += "\n" + ctx._(text.CODE_NOTED).format(code=format_code(code))
    elif arg.strip():  # "jiunge 8dj-5x": a character lost; her shop opens all the same
        opening += "\n" + ctx._(text.CODE_UNREADABLE)
    return _ask_next(ctx, opening)


def keep_answers(ctx: StepContext) -> dict[str, Any] | None:
    kept = {k: v for k, v in ctx.data.items() if k in (*_FIELDS, "code", "pin")}
    return kept or None


# --- the questions ------------------------------------------------------------------------


def _ask_next(ctx: StepContext, opening: str = "") -> StepResult:
    """The next missing answer's question (`opening`, if any, said in the same message), or
    the card once every one is there."""
    missing = next((field for field in _ASKED if field not in ctx.data), None)
    if missing is None:
        if opening:
            ctx.say(opening)
        return _confirm(ctx)
    ask = {"name": _ask_name, "shop": _ask_shop, "location": _ask_location}.get(missing)
    if ask is not None:
        return ask(ctx, opening)
    question = ctx._(text.ASK_MPESA)
    return _ask_mpesa(ctx, f"{opening}\n{question}" if opening else question)


def _with(opening: str, question: str) -> str:
    return f"{opening}\n{question}" if opening else question


def _ask_shop(ctx: StepContext, opening: str = "") -> StepResult:
    ctx.say(_with(opening, ctx._(text.ASK_SHOP)))
    return StepResult(Step.SHOP)


def _ask_location(ctx: StepContext, opening: str = "") -> StepResult:
    ctx.say(_with(opening, ctx._(text.ASK_LOCATION)))
    return StepResult(Step.LOCATION)


def _ask_story(ctx: StepContext) -> StepResult:
    ctx.ask(ctx._(text.ASK_STORY), [Choice(ctx._(text.SKIP), "ob:skip", TapWord.SKIP)])
    return StepResult(Step.STORY)


def _ask_change(ctx: StepContext) -> StepResult:
    choices = [
        Choice(ctx._(label), ChangeAnswer(field).encode()) for field, label in text.FIELD_LABELS
    ]
    ctx.ask(ctx._(text.WHICH), choices)
    return StepResult(Step.CHANGE)


def _ask_name(ctx: StepContext, opening: str = "") -> StepResult:
    """Asked when her app gives no name, or she chose to change it on the card."""
    ctx.say(_with(opening, ctx._(text.ASK_NAME)))
    return StepResult(Step.NAME)


def _ask_mpesa(ctx: StepContext, question: str) -> StepResult:
    own = _own_number(ctx)
    choices = []
    if own:
        use_own = ctx._(text.USE_OWN).format(phone=shown_phone(own))
        choices.append(Choice(use_own, "ob:own", TapWord.YES))
    ctx.reply(
        Outbound(
            text=question,
            choices=tuple(choices),
            request_contact=ctx.market.capabilities.of(ctx.channel).share_contact,
        )
    )
    return StepResult(Step.MPESA)


def _ask_mpesa_again(ctx: StepContext) -> StepResult:
    return _ask_mpesa(ctx, ctx._(text.ASK_MPESA))


def _confirm(ctx: StepContext) -> StepResult:
    d = ctx.data
    lines = [
        ctx._(text.CHECK),
        ctx._(text.SUMMARY).format(
            name=d["name"], shop=d["shop"], location=d["location"], mpesa=shown_phone(d["mpesa"])
        ),
    ]
    if d.get("story"):
        lines.append(ctx._(text.SUMMARY_STORY).format(story=d["story"]))
    if d.get("code"):
        lines.append(ctx._(text.SUMMARY_CODE).format(code=_shown_code(d["code"])))
    choices = [
        Choice(ctx._(text.OPEN_SHOP), "ob:ok", TapWord.YES),
        Choice(ctx._(text.CHANGE), "ob:change"),
    ]
    ctx.ask("\n".join(lines), choices)
    return StepResult(Step.CONFIRM)


# --- the answers --------------------------------------------------------------------------


def name(ctx: StepContext, inbound: Inbound) -> StepResult:
    typed = clean_line(inbound.text)
    if not _NAME_LENGTH[0] <= len(typed) <= _NAME_LENGTH[1] or tap_word(typed) is not None:
        ctx.say(ctx._(text.BAD_NAME))
        return StepResult(Step.NAME)
    return _answered(ctx, "name", typed)


def _greeting(typed: str) -> bool:
    words = _WORD.findall(typed.casefold())
    return bool(words) and all(word in _GREETINGS for word in words)


def shop(ctx: StepContext, inbound: Inbound) -> StepResult:
    typed = clean_line(inbound.text)
    if _greeting(typed):
        return _ask_shop(ctx, ctx._(text.WELCOME_BACK))
    low, high = people.SHOP_NAME_LENGTH
    if not low <= len(typed) <= high or tap_word(typed) is not None:  # "ndiyo" is no name
        ctx.say(ctx._(text.BAD_SHOP))
        return StepResult(Step.SHOP)
    return _answered(ctx, "shop", typed)


def location(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.location is not None:  # kept for the Soko team; buyers see the area she types
        pin = [inbound.location.latitude, inbound.location.longitude]
        ctx.say(ctx._(text.PIN_RECEIVED))
        return StepResult(Step.LOCATION, {"pin": pin})
    typed = clean_line(inbound.text)
    if _greeting(typed):
        return _ask_location(ctx, ctx._(text.WELCOME_BACK))
    low, high = people.LOCATION_LENGTH
    if not low <= len(typed) <= high:
        ctx.say(ctx._(text.BAD_LOCATION))
        return StepResult(Step.LOCATION)
    if not public_place(typed) or tap_word(typed) is not None:  # "ndiyo" after her pin
        ctx.say(ctx._(text.NOT_AN_AREA))
        return StepResult(Step.LOCATION)
    return _answered(ctx, "location", typed)


def mpesa(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == "ob:own":
        candidate = _own_number(ctx) or ""
    elif inbound.contact is not None:
        candidate = inbound.contact.phone
    else:
        candidate = inbound.text
    phone = people.normalize_phone(candidate) if people.is_kenyan_mobile(candidate) else None
    if phone is None:
        return _ask_mpesa(ctx, ctx._(text.BAD_MPESA))
    return _answered(ctx, "mpesa", phone)


def story(ctx: StepContext, inbound: Inbound) -> StepResult:
    """Only from the card's "Change something": her story, or skip to keep none."""
    typed = clean_display(inbound.text)
    if inbound.payload == "ob:skip" or is_skip(typed):
        return _answered(ctx, "story", ctx.data.get("story") or "")
    if not typed:
        return _ask_story(ctx)
    if len(typed) > people.STORY_MAX_LENGTH:
        ctx.say(ctx._(text.STORY_TOO_LONG))
        return StepResult(Step.STORY)
    return _answered(ctx, "story", typed)


def confirm(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.payload == "ob:change":
        return _ask_change(ctx)
    if inbound.payload != "ob:ok":
        return _confirm(ctx)
    return _register(ctx)


def change(ctx: StepContext, inbound: Inbound) -> StepResult:
    chosen = ChangeAnswer.read(inbound.payload)
    if chosen is not None and chosen.field == "story":
        return _ask_story(ctx)
    if chosen is not None and chosen.field in _FIELDS:
        ctx.data.pop(chosen.field, None)
    return _ask_next(ctx)


def _answered(ctx: StepContext, field: str, value: str) -> StepResult:
    ctx.data[field] = value
    return _ask_next(ctx)


def keeping_photos(read: StepFn, prompt: Callable[[StepContext], StepResult]) -> StepFn:
    """`read`, unless the message is photos: they are kept for her first piece (the listing
    takes them up once her shop is open), never read as an answer (a caption is no place);
    the question is asked again (not for the rest of an album)."""

    def step(ctx: StepContext, inbound: Inbound) -> StepResult:
        if not inbound.photos:
            return read(ctx, inbound)
        waiting = ctx.kept.setdefault(LISTING, {})
        stored = [photo_to_dict(p) for p in inbound.photos if isinstance(p, StoredPhoto)]
        photos = [*waiting.get(FIRST_PHOTOS, []), *stored][:MAX_PHOTOS]
        waiting[FIRST_PHOTOS] = photos
        if inbound.text.strip() and not waiting.get(FIRST_CAPTION):
            waiting[FIRST_CAPTION] = inbound.text.strip()
        album = inbound.media_group_id
        same_album = album is not None and ctx.data.get(_ALBUM) == album
        ctx.data[_ALBUM] = album
        if stored:
            ctx.say(ctx._(text.PHOTOS_KEPT).format(count=len(photos), max=MAX_PHOTOS))
        if same_album:
            return StepResult(Step(ctx.step))
        return prompt(ctx)

    return step


# --- opening the shop ---------------------------------------------------------------------


def _register(ctx: StepContext) -> StepResult:
    d = ctx.data
    try:
        registration = people.register_artisan(
            ctx.session,
            ctx.user.id,
            shop_name=d["shop"],
            location=d["location"],
            story=d["story"],
            mpesa_phone=d["mpesa"],
            referral_code=d.get("code"),
            now=ctx.now,
            pin=_pin(d.get("pin")),
        )
    except people.AlreadyRegistered:
        ctx.data.clear()
        ctx.say(ctx._(text.ALREADY_ARTISAN_SHORT))
        return ctx.begin(FlowRegistry.MENU)
    except people.InvalidRegistration as refused:
        field = {"shop_name": "shop", "mpesa_phone": "mpesa"}.get(refused.field, refused.field)
        ctx.data.pop(field, None)
        ctx.say(ctx._(text.PLEASE_AGAIN))
        return _ask_next(ctx)
    ctx.user.display_name = d["name"]
    artisan = registration.artisan
    ctx.data.clear()
    ctx.say(ctx._(text.SHOP_OPEN).format(shop=artisan.shop_name))
    attribution = registration.referral
    if attribution is not None and attribution.attributed and artisan.mentor is not None:
        ctx.say(ctx._(text.YOUR_MENTOR).format(mentor=_mentor_name(artisan.mentor.user)))
        mentors.recruit_joined(ctx, artisan)
    elif attribution is not None and attribution.outcome is AttributionOutcome.SELF_REFERRAL:
        ctx.say(ctx._(text.OWN_CODE))
    elif attribution is not None:
        ctx.say(ctx._(text.CODE_FAILED))
    if ctx.user.has_role(Role.MENTOR):  # made a mentor before she had a shop: her code now
        code = referrals.make_mentor(ctx.session, artisan.id, ctx.now, threshold=None)
        ctx.reply(mentors.invitation(ctx.translator, ctx.market.config, code.code))
    if ctx.kept.get(LISTING, {}).get(FIRST_PHOTOS) and ctx.registry.has_flow(LISTING):
        return ctx.begin(LISTING, LISTING_KEPT_PHOTOS)  # her first photos become a piece
    ctx.say(ctx._(text.NEXT_STEP))
    return ctx.begin(FlowRegistry.MENU)


# --- small helpers ------------------------------------------------------------------------


def _pin(kept: Any) -> tuple[float, float] | None:
    """The pin she shared, as kept in her answers; a pin kept by an older version (the
    rounded "-1.31, 36.79" text) or anything odd is no pin."""
    if isinstance(kept, list) and len(kept) == 2 and all(type(x) in (int, float) for x in kept):
        return float(kept[0]), float(kept[1])
    return None


def _profile_name(user: User) -> str:
    """Her app's name, if it can be her name here ("A" or "." is not: she is asked)."""
    name = clean_line(user.display_name)[: _NAME_LENGTH[1]]
    return name if len(name) >= _NAME_LENGTH[0] else ""


def _mentor_name(user: User) -> str:
    return user.display_name.strip() or "?"


def _own_number(ctx: StepContext) -> str | None:
    """The number she writes from (where the channel's user id is her phone, as on WhatsApp),
    if it is a Kenyan mobile."""
    candidates = [ctx.user.phone or ""]
    if ctx.market.capabilities.of(ctx.channel).user_id_is_phone:
        identity = next((i for i in ctx.user.identities if i.channel is ctx.channel), None)
        if identity is not None:
            digits = identity.platform_user_id.removeprefix("whatsapp:").strip()
            candidates.insert(0, digits if digits.startswith("+") else f"+{digits}")
    for candidate in candidates:
        if candidate and people.is_kenyan_mobile(candidate):
            return people.normalize_phone(candidate)
    return None


def _shown_code(code: str) -> str:
    bare = normalize_code(code)
    return format_code(bare) if bare else code


def _not_artisan(user: User) -> bool:
    return not user.has_role(Role.ARTISAN)


def register(registry: FlowRegistry) -> None:
    steps: dict[StrEnum, StepFn] = {
        Step.NAME: name,
        Step.SHOP: shop,
        Step.LOCATION: location,
        Step.MPESA: mpesa,
        Step.STORY: story,
        Step.CONFIRM: confirm,
        Step.CHANGE: change,
    }
    prompts: dict[StrEnum, Callable[[StepContext], StepResult]] = {
        Step.NAME: _ask_name,
        Step.SHOP: _ask_shop,
        Step.LOCATION: _ask_location,
        Step.MPESA: _ask_mpesa_again,
        Step.STORY: _ask_story,
        Step.CONFIRM: _confirm,
        Step.CHANGE: _ask_change,
    }
    steps = {step: keeping_photos(read, prompts[step]) for step, read in steps.items()}
    registry.add(Flow(FLOW, steps, start, on_leave=keep_answers, prompts=prompts))
    registry.add_menu_entry(
        MenuEntry("sell", SELL, FLOW, MenuGroup.BUYING, 5, visible=_not_artisan)
    )
    registry.add_start_route(REFERRAL_START_PREFIX, FLOW)
    # Older links and hand-typed deep links use an underscore.
    registry.add_start_route("r_", FLOW)
