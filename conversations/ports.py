"""Ports the engine needs from the outside, as Protocols (the composition root plugs them in)."""

from __future__ import annotations

from typing import Protocol


class StopSignal(Protocol):
    """Whether the process is stopping (SIGINT, SIGTERM): the composition root sets it; work
    running in threads reads it (any thread may) to hand back what it has not done yet."""

    def is_set(self) -> bool: ...
