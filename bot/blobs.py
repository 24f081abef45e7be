"""The media store as the engine's `BlobStore`."""

from __future__ import annotations

from store.media.storage import MediaStore


class MediaBlobStore:
    """The media store as the engine's `BlobStore` (raw incoming photos, private prefix)."""

    def __init__(self, media: MediaStore) -> None:
        self._media = media

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._media.put(key, data, content_type)

    def get(self, key: str) -> bytes:
        data = self._media.get(key)
        if data is None:
            raise KeyError(f"no blob {key!r}")
        return data
