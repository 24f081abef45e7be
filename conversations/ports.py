"""Ports the engine needs from the outside, as Protocols (the composition root plugs them in)."""

from __future__ import annotations

from typing import Protocol


class BlobStore(Protocol):
    """Where raw bytes live (the media store satisfies it); keys are '/'-separated paths."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...


class StopSignal(Protocol):
    """Whether the process is stopping (SIGINT, SIGTERM): the composition root sets it; work
    running in threads reads it (any thread may) to hand back what it has not done yet."""

    def is_set(self) -> bool: ...


class MemoryBlobStore:
    """A `BlobStore` in a dict, for tests and the console."""

    def __init__(self) -> None:
        self.blobs: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.blobs[key] = (data, content_type)

    def get(self, key: str) -> bytes:
        try:
            return self.blobs[key][0]
        except KeyError:
            raise KeyError(f"no blob {key!r}") from None
