"""One root for every error the store raises; each carries the data a caller needs."""

from __future__ import annotations


class StoreError(Exception):
    """Root of the store's errors. Adapters turn these into kind, translated sentences."""


class NotFound(StoreError):
    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key


class PermissionDenied(StoreError):
    """The acting user may not do this (e.g. edit another artisan's product)."""

    def __init__(self, action: str, user_id: int | None) -> None:
        super().__init__(f"user {user_id} may not {action}")
        self.action = action
        self.user_id = user_id


class InvalidTransition(StoreError):
    """A status change the transition table does not allow."""

    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(f"{entity}: cannot go from {current} to {target}")
        self.entity = entity
        self.current = current
        self.target = target
