"""Photos a person sends: processed and stored by the adapter, and the kind words about them.

An adapter runs every photo through `PhotoIntake.receive` BEFORE it opens a unit of work: the
pipeline (`store.media.pipeline.process_photo`, ~100 ms of CPU) and the media store's puts (a
local file or S3) never run inside a database transaction. What comes out is a
`ReceivedPhoto` (`photo_records`): the stored photo's record (hashes, size, rendition keys) and
the pipeline's advice, or a refusal code. That is what the inbox keeps and what the listing
flow reads.
The bytes as sent are hashed before anything decodes them: a photo received before (the same
picture sent again, forwarded, or a retried download) is not processed again. Its record is
kept in the media store beside the renditions (`received/<sha256>.json`), so it holds across
restarts and for every process sharing the store.
Refusals and quality advice are plain codes; the messages below turn them into short
sentences in the person's language.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from typing import Final

from conversations.i18n import N_
from conversations.photo_records import ReceivedPhoto, StoredPhoto, photo_from_dict, photo_to_dict
from store.media.advice import Advice
from store.media.errors import PhotoError, PhotoErrorCode
from store.media.pipeline import PhotoLimits, process_photo
from store.media.storage import MediaStore, MediaStoreError, received_key, save_processed
from store.services.product_photos import PhotoRecord

logger = logging.getLogger(__name__)

REFUSALS: Final[dict[PhotoErrorCode, str]] = {
    PhotoErrorCode.NOT_AN_IMAGE: N_(
        "That file isn't a photo — please send a picture of the piece."
    ),
    PhotoErrorCode.TOO_LARGE: N_(
        "That photo file is too big. Please send it as a normal photo, not as a document."
    ),
    # Too many pixels to decode within the memory goal, or too many for its bytes (a bomb).
    PhotoErrorCode.TOO_MANY_PIXELS: N_(
        "That picture is too large or unusual to open. "
        "Please send it as a normal photo from your phone's camera."
    ),
    PhotoErrorCode.TOO_SMALL: N_(
        "That photo is too small for buyers to see the piece. Please take a bigger, closer photo."
    ),
    PhotoErrorCode.TRUNCATED: N_("That photo arrived broken. Please send it again."),
    PhotoErrorCode.UNSUPPORTED_FORMAT: N_(
        "I can't open that kind of picture. Please send a normal photo (JPG or PNG)."
    ),
    PhotoErrorCode.NOT_SAVED: N_("I could not save that photo just now. Please send it again."),
    PhotoErrorCode.NOT_RECEIVED: N_("Your photo did not arrive. Please send it again."),
}

TIPS: Final[dict[Advice, str]] = {
    Advice.TOO_DARK: N_("Tip: the photo is dark — try near a window."),
    Advice.OVEREXPOSED: N_("Tip: the photo is too bright — move out of direct sunlight."),
    Advice.BLURRY: N_(
        "Tip: the photo is blurry — hold the phone still and tap the piece to focus."
    ),
    Advice.SMALL: N_("Tip: the photo is small — come closer so the piece fills the picture."),
}


class PhotoIntake:
    """What an adapter runs on each photo's bytes before its unit of work opens."""

    def __init__(self, media: MediaStore, limits: PhotoLimits) -> None:
        self.media = media
        self.limits = limits

    def receive(self, data: bytes) -> ReceivedPhoto:
        """Process one photo and save its renditions, or find it received before; a refusal
        (the photo's own fault, or the media store failing) is returned, never raised."""
        key = received_key(hashlib.sha256(data).hexdigest())
        known = self._received_before(key)
        if known is not None:
            return known
        processed = process_photo(data, self.limits)
        if isinstance(processed, PhotoError):
            return processed
        try:
            keys = save_processed(self.media, processed)
        except MediaStoreError as exc:
            logger.warning("photo %s not saved: %s", processed.sha256[:12], exc)
            return PhotoError(PhotoErrorCode.NOT_SAVED, str(exc))
        record = PhotoRecord(
            sha256=processed.sha256,
            phash=processed.phash,
            width=processed.width,
            height=processed.height,
            keys=keys,
        )
        stored = StoredPhoto(record=record, advice=processed.advice)
        self._remember(key, stored)
        return stored

    def _received_before(self, key: str) -> ReceivedPhoto | None:
        """The record kept for these bytes, if any. Written after the renditions, so they are
        there; anything unreadable is treated as never received. A store that cannot be read
        (S3 failing or not answering, after its retries) would not keep the renditions either:
        she is asked at once to send the photo again, and nothing is processed meanwhile."""
        try:
            kept = self.media.get(key)
        except MediaStoreError as exc:
            logger.warning("photo record %s not read: %s", key, exc)
            return PhotoError(PhotoErrorCode.NOT_SAVED, str(exc))
        if kept is None:
            return None
        try:
            photo = photo_from_dict(json.loads(kept))
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("photo record %s unreadable: processing the photo again", key)
            return None
        return photo if isinstance(photo, StoredPhoto) else None

    def _remember(self, key: str, photo: StoredPhoto) -> None:
        # Only accepted photos: a refusal may come from a limit the operator changes later.
        record = json.dumps(photo_to_dict(photo), sort_keys=True).encode()
        try:
            self.media.put(key, record, "application/json")
        except MediaStoreError as exc:  # the photo is stored; it would only be processed again
            logger.warning("photo record %s not saved: %s", key, exc)

    def receive_all(self, photos: Iterable[bytes]) -> tuple[ReceivedPhoto, ...]:
        return tuple(self.receive(data) for data in photos)


def refusal_message(code: PhotoErrorCode) -> str:
    """The (untranslated, N_-marked) sentence for a refused photo."""
    return REFUSALS.get(code, REFUSALS[PhotoErrorCode.NOT_AN_IMAGE])


def tip_message(advice: Advice) -> str:
    """The (untranslated, N_-marked) tip for a quality advice code."""
    return TIPS[advice]
