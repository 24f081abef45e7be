"""A group's reads made together and its writes deferred to one statement each (group commit).

`ChatEngine.handle_many` handles the updates of a group in one transaction. Handled one by one,
most of what an update costs is the same few statements: find its inbox row, load the person
(with her roles and shop) and her conversation state, record that she wrote, save the state,
queue the replies, mark the row handled. A `GroupBatch` runs each of them once for the group:

- on opening, one query finds the rows (locked) and whether anything earlier of the same
  person is still pending, one loads the people, one their states, and one ``executemany``
  records that they wrote;
- while the updates are handled, their new states, replies and "handled" marks wait here;
- `settle` writes them, one statement each, before the commit.

An update still sees what the earlier updates of its group did, as in a transaction of its
own. States are kept here as each update leaves them. Each person loaded on opening is
attached to the session only for her own updates; the session forgets everything else after
each update (`release`), as before. What could make what was loaded on opening untrue makes
the group `settle` first (the session's ``do_orm_execute`` and ``before_flush`` events): SQL
writing to people, roles, shops, identities, states or the inbox, or reading states; people,
roles, shops, identities or states of anyone but the person being answered added, changed or
deleted. The rest of the group is then handled one statement at a time, as are updates that
are not plain: from someone not known yet, with an earlier update of the same person pending
outside the group or waiting for its photos (the group settles before such an update runs).
Her own roles or shop added or deleted by one of her updates are read afresh at her next.

The group never settles inside a savepoint: rolling that back would take the group's writes
with it, unseen. The update that tried raises `SettleInSavepoint`, and is handled again on
its own.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Self, cast

from sqlalchemy import (
    BindParameter,
    ClauseElement,
    Table,
    bindparam,
    event,
    or_,
    select,
)
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql.util import find_tables

from conversations import outbox
from conversations.errors import SettleInSavepoint, StaleState
from conversations.inbox import MARK_HANDLED, PICKED_COLUMNS, Picked, is_pending
from conversations.messages import Outbound
from conversations.people import (
    KNOWN_PEOPLE,
    TOUCH,
    Person,
    clean_profile_name,
    touch_values,
)
from conversations.state import (
    SAVE,
    ConversationSnapshot,
    insert_first_state,
    load_states,
    save_values,
)
from conversations.upsert import insert_many_unless_exist
from store.models import (
    Artisan,
    Channel,
    ConversationState,
    Identity,
    InboxMessage,
    InboxStatus,
    OutboxMessage,
    User,
    UserRole,
)

_INBOX = cast(Table, InboxMessage.__table__)
_OUTBOX = cast(Table, OutboxMessage.__table__)
_STATES = cast(Table, ConversationState.__table__)
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
# Built once; SQLAlchemy's compiled cache serves every group after the first.
_ROWS = (
    select(*PICKED_COLUMNS, is_pending().label("pending"))
    .where(_INBOX.c.id.in_(_IDS))
    .order_by(_INBOX.c.id)
    .with_for_update()
)
# Rows outside the group that must be handled before some of it: pending, or waiting for
# their photos (the (status, id) index finds them among the few not handled yet).
_BEFORE = select(_INBOX.c.id, _INBOX.c.channel, _INBOX.c.platform_user_id).where(
    or_(is_pending(), _INBOX.c.status == InboxStatus.AWAITING_MEDIA),
    _INBOX.c.id < bindparam("last"),
    _INBOX.c.id.not_in(_IDS),
)
_GUARDED_TABLES: Final = frozenset(
    cast(Table, model.__table__)
    for model in (User, UserRole, Artisan, Identity, ConversationState, InboxMessage)
)
_GUARDED_MODELS: Final = (User, UserRole, Artisan, Identity, ConversationState)


@dataclass
class _Writes:
    """What the group's updates wrote that is not in the database yet."""

    # user id → (version in the database, latest snapshot, when it was saved)
    states: dict[int, tuple[int, ConversationSnapshot, datetime]] = field(default_factory=dict)
    replies: list[dict[str, Any]] = field(default_factory=list)
    reply_inbox_ids: list[int] = field(default_factory=list)  # whose reply each one is
    handled: list[dict[str, Any]] = field(default_factory=list)


class GroupBatch:
    """One group's shared reads and deferred writes, in the caller's transaction.

    ``with GroupBatch.open(...) as group:`` around the group's updates; `settle` before the
    commit. While `active`, `row`, `person` and `state` answer from what was loaded on
    opening and `defer` keeps an update's writes; once settled they answer None / False and
    the caller goes the one-at-a-time way.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self.active = False
        self._rows: dict[int, Picked] = {}
        self._people: dict[tuple[Channel, str], User] = {}
        self._states: dict[int, ConversationSnapshot] = {}
        self._answering: int | None = None  # the user whose update is being handled
        # People whose own roles, shop... rows changed without their relationships knowing
        # (added by `user_id`, deleted alone): read afresh at their next update.
        self._outdated: set[int] = set()
        self._writes = _Writes()
        self.outbox_ids: dict[int, tuple[int, ...]] = {}  # inbox id → its replies' rows

    @classmethod
    def open(cls, session: Session, inbox_ids: Sequence[int], *, now: datetime) -> GroupBatch:
        group = cls(session)
        group._load(inbox_ids, now=now)
        return group

    def __enter__(self) -> Self:
        if self.active:
            event.listen(self._session, "do_orm_execute", self._on_execute)
            event.listen(self._session, "before_flush", self._on_flush)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if event.contains(self._session, "do_orm_execute", self._on_execute):
            event.remove(self._session, "do_orm_execute", self._on_execute)
            event.remove(self._session, "before_flush", self._on_flush)
        self.active = False

    def row(self, inbox_id: int) -> Picked | None:
        """The row, when this update can be handled from what the group loaded."""
        return self._rows.get(inbox_id) if self.active else None

    def person(self, row: Picked) -> Person | None:
        """The person behind a row `row` gave, attached to the session for her update."""
        user = self._people.get((row.channel, row.platform_user_id)) if self.active else None
        if user is None:
            return None
        self._session.add(user)
        if user.id in self._outdated:
            self._outdated.discard(user.id)
            self._session.expire(user, ["roles", "artisan"])
        self._answering = user.id
        return Person(user, row.platform_user_id, is_new=False)

    def state(self, user_id: int) -> ConversationSnapshot | None:
        return self._states.get(user_id) if self.active else None

    def defer(
        self,
        row: Picked,
        user_id: int,
        snapshot: ConversationSnapshot,
        replies: Sequence[Outbound],
        now: datetime,
    ) -> bool:
        """Keep an update's writes (its new state at `snapshot`'s version, its replies, its
        row handled) for `settle`. False, keeping nothing, once the group has settled."""
        if not self.active:
            return False
        stored = self._writes.states.get(user_id)
        version = stored[0] if stored else snapshot.version
        saved = dataclasses.replace(snapshot, version=snapshot.version + 1)
        self._writes.states[user_id] = (version, saved, now)
        self._states[user_id] = saved
        for n, outbound in enumerate(replies):
            key = outbox.reply_key(row.id, n)
            self._writes.replies.append(
                outbox.row_values(
                    user_id, row.channel, row.platform_user_id, outbound, dedupe_key=key, now=now
                )
            )
            self._writes.reply_inbox_ids.append(row.id)
        self._writes.handled.append({"inbox_id": row.id, "now": now})
        return True

    def release(self) -> None:
        """After an update: forget what it loaded, as its own unit of work would have."""
        self._answering = None
        self._session.expunge_all()

    def settle(self) -> None:
        """Write what the group's updates left here, and stop answering from the group."""
        if not self.active:
            return
        if self._session.in_nested_transaction():
            raise SettleInSavepoint([row["inbox_id"] for row in self._writes.handled])
        self.active = False
        writes, self._writes = self._writes, _Writes()
        self._people.clear()
        self._states.clear()
        self._save_states(writes.states)
        queued = insert_many_unless_exist(
            self._session, _OUTBOX, writes.replies, unique=("dedupe_key",)
        )
        for inbox_id, (outbox_id, _) in zip(writes.reply_inbox_ids, queued, strict=True):
            self.outbox_ids[inbox_id] = (*self.outbox_ids.get(inbox_id, ()), outbox_id)
        for channel in {Channel(reply["channel"]) for reply in writes.replies}:
            outbox.note_queued(self._session, channel)
        if writes.handled:
            self._session.connection().execute(MARK_HANDLED, writes.handled)

    def _save_states(self, states: dict[int, tuple[int, ConversationSnapshot, datetime]]) -> None:
        updates = []
        for user_id, (version, latest, at) in states.items():
            values = save_values(dataclasses.replace(latest, version=version), user_id, at)
            values["version"] = latest.version
            if version == 0:  # her first state: inserted, as one update alone inserts it
                insert_first_state(self._session, values)
            else:
                updates.append(values)
        if updates:
            saved = self._session.connection().execute(SAVE, updates)
            if saved.rowcount != len(updates):  # someone saved one in between
                raise StaleState(updates[0]["b_user_id"], updates[0]["b_version"])

    def _load(self, inbox_ids: Sequence[int], *, now: datetime) -> None:
        connection = self._session.connection()
        params = {"ids": list(inbox_ids)}
        found = {row.id: row for row in connection.execute(_ROWS, params)}
        if not found:
            return
        before = connection.execute(_BEFORE, {**params, "last": max(found)}).all()
        plain = _plain_rows(inbox_ids, found, before)
        if not plain:
            return
        identities = list({(row.channel, row.platform_user_id) for row in plain})
        people = self._session.execute(KNOWN_PEOPLE, {"identities": identities}).unique()
        for user, channel, platform_user_id in people:
            self._people[(channel, platform_user_id)] = user
        # Each is attached again for her own updates only (`person`).
        self._session.expunge_all()
        names: dict[tuple[Channel, str], str] = {}
        for row in plain:
            identity = (row.channel, row.platform_user_id)
            if identity in self._people:
                self._rows[row.id] = row
                # Her latest name; an update without one keeps it, as `TOUCH` does alone.
                name = clean_profile_name(str(row.payload.get("profile_name") or ""))
                if name or identity not in names:
                    names[identity] = name
        if not self._rows:
            return
        self._states = load_states(self._session, {u.id for u in self._people.values()})
        connection.execute(
            TOUCH, [touch_values(*identity, now, name) for identity, name in names.items()]
        )
        self.active = True

    def _on_execute(self, state: ORMExecuteState) -> None:
        if not self.active or state.statement is TOUCH:
            return
        statement = state.statement
        if state.is_select:
            tables = find_tables(cast(ClauseElement, statement), include_crud=False)
            if any(table.name == _STATES.name for table in tables):
                self.settle()
            return
        if getattr(statement, "table", None) in _GUARDED_TABLES or not (
            state.is_insert or state.is_update or state.is_delete
        ):
            self.settle()

    def _on_flush(self, session: Session, context: UOWTransaction, instances: object) -> None:
        if not self.active:
            return
        for changed in (session.new, session.dirty, session.deleted):
            for instance in changed:
                if not isinstance(instance, _GUARDED_MODELS):
                    continue
                owner = _owner(instance)
                if owner is None or owner != self._answering:
                    self.settle()
                    return
                if not isinstance(instance, User):
                    self._outdated.add(owner)


def _plain_rows(
    inbox_ids: Sequence[int], found: dict[int, Any], before: Sequence[Any]
) -> list[Picked]:
    """Rows pending, with nothing earlier of the same person pending (or waiting for photos)
    outside the group, and each person's rows in order within it."""
    by_person: dict[tuple[Channel, str], list[Any]] = defaultdict(list)
    for inbox_id in inbox_ids:
        row = found.get(inbox_id)
        if row is not None:
            by_person[(row.channel, row.platform_user_id)].append(row)
    first_outside: dict[tuple[Channel, str], int] = {}
    for row in before:
        person = (row.channel, row.platform_user_id)
        first_outside[person] = min(row.id, first_outside.get(person, row.id))
    plain: list[Picked] = []
    for person, rows in by_person.items():
        ids = [row.id for row in rows]
        waits = first_outside.get(person, ids[-1]) < ids[-1]
        if not waits and ids == sorted(set(ids)) and all(row.pending for row in rows):
            plain.extend(
                Picked(row.id, row.channel, row.platform_id, row.platform_user_id, row.payload)
                for row in rows
            )
    return plain


def _owner(instance: object) -> int | None:
    """The user a person's row belongs to (None when it is not known yet)."""
    return instance.id if isinstance(instance, User) else getattr(instance, "user_id", None)
