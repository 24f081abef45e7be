"""Photos a person sends: through the pipeline into the media store, and the kind words about them.

`store_photo` runs one photo's bytes through `store.media.pipeline.process_photo` and, when it
is accepted, saves every rendition in the shop's media store (a local `put` or the S3 port:
the one kind of I/O a step may do). Refusals and quality advice are plain codes; the messages
below turn them into short sentences in the person's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from conversations.i18n import N_
from store.media.advice import Advice
from store.media.errors import PhotoError, PhotoErrorCode
from store.media.pipeline import PhotoLimits, process_photo
from store.media.storage import MediaStore, save_processed
from store.services.product_photos import PhotoRecord

REFUSALS: Final[dict[PhotoErrorCode, str]] = {
    PhotoErrorCode.NOT_AN_IMAGE: N_(
        "That file isn't a photo — please send a picture of the piece."
    ),
    PhotoErrorCode.TOO_LARGE: N_(
        "That photo file is too big. Please send it as a normal photo, not as a document."
    ),
    PhotoErrorCode.TOO_MANY_PIXELS: N_(
        "That picture is too big to open. Please send a normal photo from your phone's camera."
    ),
    PhotoErrorCode.TOO_SMALL: N_(
        "That photo is too small for buyers to see the piece. Please take a bigger, closer photo."
    ),
    PhotoErrorCode.TRUNCATED: N_("That photo arrived broken. Please send it again."),
    PhotoErrorCode.UNSUPPORTED_FORMAT: N_(
        "I can't open that kind of picture. Please send a normal photo (JPG or PNG)."
    ),
}

TIPS: Final[dict[Advice, str]] = {
    Advice.TOO_DARK: N_("Tip: the photo is dark — try near a window."),
    Advice.OVEREXPOSED: N_("Tip: the photo is too bright — move out of direct sunlight."),
    Advice.BLURRY: N_(
        "Tip: the photo is blurry — hold the phone still and tap the piece to focus."
    ),
    Advice.SMALL: N_("Tip: the photo is small — come closer so the piece fills the picture."),
}


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    """An accepted photo, saved: what the catalog records, and the pipeline's advice."""

    record: PhotoRecord
    advice: tuple[Advice, ...]


def store_photo(data: bytes, media: MediaStore, limits: PhotoLimits) -> StoredPhoto | PhotoError:
    """Process one photo and save its renditions; a refusal is returned, never raised."""
    processed = process_photo(data, limits)
    if isinstance(processed, PhotoError):
        return processed
    keys = save_processed(media, processed)
    record = PhotoRecord(
        sha256=processed.sha256,
        phash=processed.phash,
        width=processed.width,
        height=processed.height,
        keys=keys,
    )
    return StoredPhoto(record=record, advice=processed.advice)


def refusal_message(code: PhotoErrorCode) -> str:
    """The (untranslated, N_-marked) sentence for a refused photo."""
    return REFUSALS.get(code, REFUSALS[PhotoErrorCode.NOT_AN_IMAGE])


def tip_message(advice: Advice) -> str:
    """The (untranslated, N_-marked) tip for a quality advice code."""
    return TIPS[advice]
