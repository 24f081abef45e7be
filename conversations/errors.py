"""The conversation engine's own errors (store errors keep their root in `store.errors`)."""

from __future__ import annotations


class ConversationError(Exception):
    """Root of the engine's errors: bugs or races, never the person's fault."""


class StaleState(ConversationError):
    """Someone saved this person's state since it was loaded."""

    def __init__(self, user_id: int, expected_version: int) -> None:
        super().__init__(f"state of user {user_id} moved on from version {expected_version}")
        self.user_id = user_id
        self.expected_version = expected_version


class SettleInSavepoint(ConversationError):
    """A group's deferred writes were due inside a savepoint, whose rollback would lose them
    unseen: the update is handled again on its own."""

    def __init__(self, inbox_ids: list[int]) -> None:
        super().__init__(f"a group's writes for inbox rows {inbox_ids} were due in a savepoint")
        self.inbox_ids = inbox_ids


class UnknownFlow(ConversationError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no flow named {name!r} is registered")
        self.name = name


class UnknownStep(ConversationError):
    def __init__(self, flow: str, step: str) -> None:
        super().__init__(f"flow {flow!r} has no step {step!r}")
        self.flow = flow
        self.step = step
