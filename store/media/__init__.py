"""Photo pipeline and media storage: what a phone sends becomes clean, fast, private JPEGs."""

from store.media.advice import Advice
from store.media.errors import PhotoError, PhotoErrorCode
from store.media.hashing import hamming_distance, is_near_duplicate
from store.media.jpeg import DEFAULT_OUTPUT, JpegOutput
from store.media.pipeline import (
    DEFAULT_LIMITS,
    SIZES,
    PhotoLimits,
    ProcessedPhoto,
    Rendition,
    process_photo,
)
from store.media.storage import (
    InvalidMediaKey,
    LocalMediaStore,
    MediaStore,
    S3MediaStore,
    save_processed,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_OUTPUT",
    "SIZES",
    "Advice",
    "InvalidMediaKey",
    "JpegOutput",
    "LocalMediaStore",
    "MediaStore",
    "PhotoError",
    "PhotoErrorCode",
    "PhotoLimits",
    "ProcessedPhoto",
    "Rendition",
    "S3MediaStore",
    "hamming_distance",
    "is_near_duplicate",
    "process_photo",
    "save_processed",
]
