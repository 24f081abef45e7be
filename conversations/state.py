"""Conversation state behind a port (in the style of aiogram's `BaseStorage`).

A snapshot carries the version it was loaded at; saving checks that nobody saved in between
(optimistic concurrency), so two workers can never silently overwrite each other.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from conversations.errors import StaleState
from conversations.upsert import insert_unless_exists
from store.models import ConversationState
from store.models.types import utcnow


@dataclass(frozen=True)
class ConversationSnapshot:
    flow: str = ""  # "" = no active flow
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0  # 0 = never saved


class StateStore(Protocol):
    def load(self, user_id: int) -> ConversationSnapshot: ...

    def save(self, user_id: int, snapshot: ConversationSnapshot) -> ConversationSnapshot:
        """Store `snapshot` (whose version is the one loaded); return it at its new version."""
        ...


_STATES = cast(Table, ConversationState.__table__)
# Built once: SQLAlchemy's compiled cache then serves every load and save of every update.
_LOAD = select(_STATES.c.flow, _STATES.c.step, _STATES.c.data, _STATES.c.version).where(
    _STATES.c.user_id == bindparam("user_id")
)
_SAVE = (
    update(_STATES)
    .where(_STATES.c.user_id == bindparam("b_user_id"), _STATES.c.version == bindparam("b_version"))
    .values(
        flow=bindparam("flow"),
        step=bindparam("step"),
        data=bindparam("data"),
        version=bindparam("version"),
        updated_at=bindparam("updated_at"),
    )
)


class SqlStateStore:
    """State in `conversation_states`, in the caller's transaction."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = utcnow) -> None:
        self._session = session
        self._clock = clock

    def load(self, user_id: int) -> ConversationSnapshot:
        row = self._session.execute(_LOAD, {"user_id": user_id}).one_or_none()
        if row is None:
            return ConversationSnapshot()
        # The driver decoded the JSON afresh for this row: nobody else holds `data`.
        return ConversationSnapshot(
            flow=row.flow, step=row.step, data=row.data, version=row.version
        )

    def save(self, user_id: int, snapshot: ConversationSnapshot) -> ConversationSnapshot:
        new_version = snapshot.version + 1
        values = {
            "flow": snapshot.flow,
            "step": snapshot.step,
            "data": snapshot.data,
            "version": new_version,
            "updated_at": self._clock(),
        }
        if snapshot.version == 0:
            table = ConversationState.__table__
            inserted = insert_unless_exists(
                self._session,
                table,  # type: ignore[arg-type]
                {"user_id": user_id, **values},
                key="user_id",
            )
            if inserted is None:
                raise StaleState(user_id, snapshot.version)
        else:
            result = self._session.execute(
                _SAVE, {"b_user_id": user_id, "b_version": snapshot.version, **values}
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise StaleState(user_id, snapshot.version)
        return ConversationSnapshot(
            flow=snapshot.flow, step=snapshot.step, data=snapshot.data, version=new_version
        )


class MemoryStateStore:
    """State in a dict, for unit tests."""

    def __init__(self) -> None:
        self._snapshots: dict[int, ConversationSnapshot] = {}

    def load(self, user_id: int) -> ConversationSnapshot:
        snapshot = self._snapshots.get(user_id, ConversationSnapshot())
        return ConversationSnapshot(
            snapshot.flow, snapshot.step, copy.deepcopy(snapshot.data), snapshot.version
        )

    def save(self, user_id: int, snapshot: ConversationSnapshot) -> ConversationSnapshot:
        current = self._snapshots.get(user_id, ConversationSnapshot())
        if current.version != snapshot.version:
            raise StaleState(user_id, snapshot.version)
        saved = ConversationSnapshot(
            snapshot.flow, snapshot.step, copy.deepcopy(snapshot.data), snapshot.version + 1
        )
        self._snapshots[user_id] = saved
        return saved
