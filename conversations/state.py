"""Conversation state behind a port (in the style of aiogram's `BaseStorage`).

A snapshot carries the version it was loaded at; saving checks that nobody saved in between
(optimistic concurrency), so two workers can never silently overwrite each other.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from conversations.errors import StaleState
from conversations.upsert import insert_unless_exists
from store.models import ConversationState
from store.models.types import utcnow
from store.rowcount import rows_matched


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
_COLUMNS = (_STATES.c.flow, _STATES.c.step, _STATES.c.data, _STATES.c.version)
_LOAD = select(*_COLUMNS).where(_STATES.c.user_id == bindparam("user_id"))
_LOAD_MANY = select(_STATES.c.user_id, *_COLUMNS).where(
    _STATES.c.user_id.in_(bindparam("user_ids", expanding=True))
)
SAVE = (
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


def save_values(
    snapshot: ConversationSnapshot, user_id: int, updated_at: datetime
) -> dict[str, Any]:
    """`SAVE`'s parameters: `snapshot` (at the version loaded) stored one version on."""
    return {
        "b_user_id": user_id,
        "b_version": snapshot.version,
        "flow": snapshot.flow,
        "step": snapshot.step,
        "data": snapshot.data,
        "version": snapshot.version + 1,
        "updated_at": updated_at,
    }


def insert_first_state(session: Session, values: dict[str, Any]) -> None:
    """Insert a person's first state from `SAVE`'s parameters (`save_values`); StaleState
    when someone inserted hers meanwhile."""
    row = {"user_id": values["b_user_id"], **{k: v for k, v in values.items() if k[:2] != "b_"}}
    if insert_unless_exists(session, _STATES, row, key="user_id") is None:
        raise StaleState(values["b_user_id"], values["b_version"])


def load_states(session: Session, user_ids: Collection[int]) -> dict[int, ConversationSnapshot]:
    """The states of several people in one query (a person without one: the empty state)."""
    states = dict.fromkeys(user_ids, ConversationSnapshot())
    for row in session.connection().execute(_LOAD_MANY, {"user_ids": list(user_ids)}):
        states[row.user_id] = ConversationSnapshot(row.flow, row.step, row.data, row.version)
    return states


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
        values = save_values(snapshot, user_id, self._clock())
        if snapshot.version == 0:
            insert_first_state(self._session, values)
        else:
            result = self._session.execute(SAVE, values)
            if rows_matched(result) != 1:
                raise StaleState(user_id, snapshot.version)
        return dataclasses.replace(snapshot, version=snapshot.version + 1)


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
