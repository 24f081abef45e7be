"""Photo pipeline and media storage: what a phone sends becomes clean, fast, private JPEGs."""

from store.media.advice import Advice
from store.media.errors import PhotoError, PhotoErrorCode
from store.media.hashing import hamming_distance, is_near_duplicate
from store.media.pipeline import (
    DEFAULT_LIMITS,
    SIZES,
    PhotoLimits,
    ProcessedPhoto,
    Rendition,
    process_photo,
)

__all__ = [
    "DEFAULT_LIMITS",
    "SIZES",
    "Advice",
    "PhotoError",
    "PhotoErrorCode",
    "PhotoLimits",
    "ProcessedPhoto",
    "Rendition",
    "hamming_distance",
    "is_near_duplicate",
    "process_photo",
]
