"""Raw photos left in the media store: removed once they are older than a set age.

The adapters keep no photo as it was sent: they process its bytes in memory and store only
the renditions, which carry no metadata (`conversations.photos`). What an older version left
under the private `incoming/` prefix (photos as sent, GPS and all), or any raw file a crash
leaves there, is removed by the scheduler's `remove_raw_photos` job (`bot/jobs.py`) once it is
older than RAW_PHOTO_MAX_AGE_HOURS. Renditions are never touched.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from store.media.storage import (
    PRIVATE_PREFIX,
    LocalMediaStore,
    MediaStore,
    MediaStoreError,
    S3MediaStore,
)

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef


def remove_raw_leftovers(store: MediaStore, older_than: datetime) -> int:
    """Delete the raw files under `incoming/` last written before `older_than`; how many."""
    if isinstance(store, LocalMediaStore):
        return _remove_local(store.directory / PRIVATE_PREFIX.rstrip("/"), older_than)
    if isinstance(store, S3MediaStore):
        return _remove_s3(store, older_than)
    return 0


def _remove_local(folder: Path, older_than: datetime) -> int:
    cutoff = older_than.timestamp()
    removed = 0
    for root, _, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # removed meanwhile
                continue
    return removed


def _remove_s3(store: S3MediaStore, older_than: datetime) -> int:
    prefix = store.prefix + PRIVATE_PREFIX
    removed = 0
    try:
        pages = store.client.get_paginator("list_objects_v2").paginate(
            Bucket=store.bucket, Prefix=prefix
        )
        for page in pages:
            old: list[ObjectIdentifierTypeDef] = [
                {"Key": item["Key"]}
                for item in page.get("Contents", [])
                if item["LastModified"].astimezone(UTC) < older_than
            ]
            if old:  # at most 1,000 a page, as delete_objects takes
                store.client.delete_objects(Bucket=store.bucket, Delete={"Objects": old})
                removed += len(old)
    except (BotoCoreError, ClientError) as exc:
        raise MediaStoreError(f"{prefix}: {type(exc).__name__}") from exc
    return removed
