"""The first question: photos of the piece, one message or an album at a time.

An album arrives as several messages sharing a ``media_group_id`` (Telegram) or as several
photos in one message (WhatsApp). The first photos go straight on to the next question (a
caption may answer the name and price: `details.read_caption_answers`); there is no "more or
done?". Photos sent at any later question join the piece too (`or_more_photos`): the rest of
an album only counts, keeping the question open; other photos count and ask it again. The
photos arrive processed and stored already (the adapter did it before this unit of work
opened): the step only decides what to keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conversations import photos
from conversations.flow import PromptFn, StepContext, StepFn, StepResult
from conversations.flows.listing import details
from conversations.flows.listing.draft import (
    ALBUM,
    PRODUCT_ID,
    Step,
    artisan_of,
    draft_id,
    photo_count,
    photo_hashes,
)
from conversations.flows.listing.prompts import MORE_OR_DONE, advance, photo_choices
from conversations.i18n import N_
from conversations.messages import Inbound
from store.media.advice import Advice
from store.media.errors import PhotoError, PhotoErrorCode
from store.models import Artisan, Product
from store.services import catalog, product_photos
from store.services.product_photos import MAX_PHOTOS

GOT_PHOTOS = N_("Photo received ({count} of {max}).")
SEND_A_PHOTO = N_("Please send a photo of the piece.")
NEED_ONE_PHOTO = N_("First send at least one photo of the piece.")
SEND_NEXT = N_("OK, send the next photo.")
PHOTOS_FULL = N_("That's {max} photos — the most for one piece. Choose Done to go on.")
EXTRA_PHOTOS_LEFT_OUT = N_("I kept the first {max} photos — that's the most for one piece.")
SAME_PHOTO_AGAIN = N_("You already sent this photo for this piece.")
LISTED_BEFORE = N_(
    'This looks like the photo of "{title}" you listed before. '
    "If it is the same piece, you can change its quantity instead."
)
SENT_BEFORE = N_("This looks like a photo you sent before for another piece.")

DONE_WORDS = frozenset({"done", "tayari", "finished", "nimemaliza", "basi"})


@dataclass
class _Received:
    """What became of the photos of one message."""

    added: int = 0
    refused: list[PhotoErrorCode] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    listed_before: list[Product] = field(default_factory=list)
    repeated: bool = False
    left_out: bool = False


def photos_step(ctx: StepContext, inbound: Inbound) -> StepResult:
    if inbound.photos:
        return _receive(ctx, inbound)
    product_id = draft_id(ctx)
    count = photo_count(ctx, product_id) if product_id is not None else 0
    done = inbound.payload == "ph:done" or inbound.text.strip().casefold() in DONE_WORDS
    if done and count > 0:
        return advance(ctx, Step.PHOTOS)
    if count == 0:
        ctx.say(ctx._(NEED_ONE_PHOTO if done else SEND_A_PHOTO))
        return StepResult(Step.PHOTOS)
    if inbound.payload == "ph:more" and count < MAX_PHOTOS:
        ctx.say(ctx._(SEND_NEXT))
        ctx.offered = photo_choices(ctx)  # "Done" still works after the next photo or now
        return StepResult(Step.PHOTOS)
    if count >= MAX_PHOTOS:
        ctx.ask(ctx._(PHOTOS_FULL).format(max=MAX_PHOTOS), photo_choices(ctx))
        return StepResult(Step.PHOTOS)
    ctx.ask(ctx._(SEND_A_PHOTO) + "\n" + ctx._(MORE_OR_DONE), photo_choices(ctx))
    return StepResult(Step.PHOTOS)


def _receive(ctx: StepContext, inbound: Inbound) -> StepResult:
    count, received = _add(ctx, inbound)
    _tell(ctx, received)
    if count == 0:  # nothing kept: each refusal above already asks for another photo
        return StepResult(Step.PHOTOS)
    ctx.say(ctx._(GOT_PHOTOS).format(count=count, max=MAX_PHOTOS))
    ctx.data[ALBUM] = inbound.media_group_id
    if inbound.text.strip():
        return details.read_caption_answers(ctx, inbound.text)
    return advance(ctx, Step.PHOTOS)


def or_more_photos(read: StepFn, prompt: PromptFn) -> StepFn:
    """`read`, the step of a later question, unless the message is photos: they join the
    piece, and the question stays open (the rest of an album) or is asked again."""

    def step(ctx: StepContext, inbound: Inbound) -> StepResult:
        if not inbound.photos:
            return read(ctx, inbound)
        album = inbound.media_group_id
        same_album = album is not None and ctx.data.get(ALBUM) == album
        ctx.data[ALBUM] = album
        count, received = _add(ctx, inbound)
        _tell(ctx, received)
        if received.added:
            ctx.say(ctx._(GOT_PHOTOS).format(count=count, max=MAX_PHOTOS))
        if not same_album:
            return prompt(ctx)
        # Only the question's choices again, not its words: they were just asked.
        said = len(ctx.replies)
        result = prompt(ctx)
        del ctx.replies[said:]
        return result

    return step


def _add(ctx: StepContext, inbound: Inbound) -> tuple[int, _Received]:
    """Keep the photos of this message on the draft (made at the first one): how many the
    piece has now, and what became of each."""
    artisan = artisan_of(ctx)
    product_id = draft_id(ctx)
    count = photo_count(ctx, product_id) if product_id is not None else 0
    known = photo_hashes(ctx, product_id) if product_id is not None else set()
    received = _Received()
    for stored in inbound.photos:
        if count >= MAX_PHOTOS:
            received.left_out = True
            continue
        if isinstance(stored, PhotoError):
            received.refused.append(stored.code)
            continue
        if stored.record.sha256 in known:
            received.repeated = True
            continue
        if product_id is None:
            currency = ctx.market.config.artisan_currency
            product_id = catalog.create_draft(ctx.session, artisan.id, currency=currency).id
            ctx.data[PRODUCT_ID] = product_id
        received.listed_before.extend(_listed_before(ctx, artisan, product_id, stored.record))
        product_photos.add_photo(ctx.session, artisan.id, product_id, stored.record)
        known.add(stored.record.sha256)
        received.advice.extend(stored.advice)
        received.added += 1
        count += 1
    return count, received


def _listed_before(
    ctx: StepContext, artisan: Artisan, product_id: int, record: product_photos.PhotoRecord
) -> list[Product]:
    similar = product_photos.find_similar_photos(
        ctx.session, artisan.id, record.phash, sha256=record.sha256, exclude_product_id=product_id
    )
    found = [
        catalog.owned_product(ctx.session, artisan.id, pid, "compare photos") for pid in similar
    ]
    return found[:1]


def _tell(ctx: StepContext, received: _Received) -> None:
    for code in dict.fromkeys(received.refused):
        ctx.say(ctx._(photos.refusal_message(code)))
    if received.repeated:
        ctx.say(ctx._(SAME_PHOTO_AGAIN))
    for product in received.listed_before[:1]:
        if product.title:
            ctx.say(ctx._(LISTED_BEFORE).format(title=product.title))
        else:
            ctx.say(ctx._(SENT_BEFORE))
    if received.left_out:
        ctx.say(ctx._(EXTRA_PHOTOS_LEFT_OUT).format(max=MAX_PHOTOS))
    for advice in dict.fromkeys(received.advice):
        ctx.say(ctx._(photos.tip_message(advice)))
