"""What became of a photo a person sent, as the inbox keeps it: stored (its record and the
pipeline's advice) or refused (a code). No bytes: the adapter stored the renditions before it
recorded the message (`conversations.photos.PhotoIntake`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.media.advice import Advice
from store.media.errors import PhotoError, PhotoErrorCode
from store.services.product_photos import PhotoRecord


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    """An accepted photo, saved: what the catalog records, and the pipeline's advice."""

    record: PhotoRecord
    advice: tuple[Advice, ...] = ()


# What became of one photo a person sent: stored, or refused (with the code to explain why).
ReceivedPhoto = StoredPhoto | PhotoError


def photo_to_dict(photo: ReceivedPhoto) -> dict[str, Any]:
    """The JSON-safe form the inbox keeps (no bytes: the renditions are in the media store)."""
    if isinstance(photo, PhotoError):
        return {"refused": photo.code.value}
    record = photo.record
    return {
        "sha256": record.sha256,
        "phash": record.phash,
        "width": record.width,
        "height": record.height,
        "keys": dict(record.keys),
        "advice": [advice.value for advice in photo.advice],
    }


def photo_from_dict(data: object) -> ReceivedPhoto:
    """`photo_to_dict` read back. A row recorded before photos were stored by the adapters
    holds the key of a raw blob instead: that photo is asked for again, never processed here."""
    if not isinstance(data, dict):
        return PhotoError(PhotoErrorCode.NOT_SAVED, "recorded before photos were stored first")
    if "refused" in data:
        return PhotoError(PhotoErrorCode(data["refused"]))
    record = PhotoRecord(
        sha256=str(data["sha256"]),
        phash=str(data["phash"]),
        width=int(data["width"]),
        height=int(data["height"]),
        keys={str(size): str(key) for size, key in data["keys"].items()},
    )
    return StoredPhoto(record, tuple(Advice(advice) for advice in data.get("advice", ())))
