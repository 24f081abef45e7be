"""Why a photo was refused, as a value: a plain code the conversation layer translates."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PhotoErrorCode(StrEnum):
    NOT_AN_IMAGE = "not_an_image"
    TOO_LARGE = "too_large"
    TOO_MANY_PIXELS = "too_many_pixels"
    TOO_SMALL = "too_small"
    TRUNCATED = "truncated"
    UNSUPPORTED_FORMAT = "unsupported_format"
    # Accepted by the pipeline, but the media store could not keep it (S3 down, disk full).
    NOT_SAVED = "not_saved"
    # The channel would not give us the photo (gone, refused, or still failing after retries).
    NOT_RECEIVED = "not_received"


@dataclass(frozen=True, slots=True)
class PhotoError:
    """A refusal. `detail` is for logs and operators, never shown to the artisan."""

    code: PhotoErrorCode
    detail: str = ""
