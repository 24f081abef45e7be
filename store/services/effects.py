"""Effects, the store side: record one in a unit of work (like an outbox row), claim the due
ones with a lease, and mark each done, due again, or failed.

A step that needs the outside world (a Stripe Checkout Session, a refund) calls `record` in
its unit of work and answers at once; `store/effect_runner.py` runs the call after the
commit, outside any transaction. The key is unique (recording twice is one effect) and is
the provider's idempotency key, so running an effect again — after a crash, a lease that ran
out, a commit that failed — asks the provider for the same thing and gets the same answer.

Claiming works as the Telegram sender's does (`handlers/telegram/claims.py`): a conditional
update pushes `due_at` a lease into the future, so two runners never take the same effect,
and a runner that died frees its effects when the lease ends. A runner that stops before it
started what it claimed hands those back (`hand_back`): due at once, for the next runner.

A commit that recorded an effect wakes the runner at once (`on_recorded`, through
`store.wakeups` as the channels' senders are woken: in this process, and through PostgreSQL's
NOTIFY from a web worker's webhook): the buyer does not wait a poll interval for her payment
link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from store.models import Effect, EffectStatus
from store.row_locks import lock_in_id_order
from store.rowcount import rows_matched
from store.savepoints import add_unless_taken
from store.wakeups import Wakeups

LEASE = timedelta(seconds=120)  # longer than a call may take (the clients' timeouts, retries)
# The long-running runner's lease, renewed while the effect runs (`renew`): a runner that died
# frees its effects within this.
RUNNING_LEASE = timedelta(seconds=30)
_recorded: Wakeups[str] = Wakeups("effects", str)  # noted: the kinds recorded


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int
    leased_until: datetime | None = None  # when this claim's lease ends


def record(
    session: Session,
    kind: str,
    key: str,
    payload: Mapping[str, Any],
    now: datetime,
    *,
    due_at: datetime | None = None,
) -> Effect:
    """Write an effect to run after this unit of work commits; the one already recorded
    under `key` when there is one (same key, same effect)."""
    row = Effect(
        kind=kind,
        key=key,
        payload=dict(payload),
        status=EffectStatus.PENDING,
        attempts=0,
        due_at=due_at or now,
        error="",
        created_at=now,
    )
    if add_unless_taken(session, row):
        _recorded.note(session, kind)
        return row
    known = find(session, key)
    if known is None:
        raise LookupError(f"effect {key!r} clashed but is not found")
    return known


def find(session: Session, key: str) -> Effect | None:
    return session.scalar(select(Effect).where(Effect.key == key))


_EFFECTS = cast(Table, Effect.__table__)
_DUE = (
    select(_EFFECTS.c.id, _EFFECTS.c.kind, _EFFECTS.c.key, _EFFECTS.c.payload, _EFFECTS.c.attempts)
    .where(_EFFECTS.c.status == EffectStatus.PENDING, _EFFECTS.c.due_at <= bindparam("now"))
    .order_by(_EFFECTS.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_LEASE = (
    update(_EFFECTS)
    .where(
        _EFFECTS.c.id.in_(bindparam("ids", expanding=True)),
        _EFFECTS.c.status == EffectStatus.PENDING,
        _EFFECTS.c.due_at <= bindparam("now"),
    )
    .values(due_at=bindparam("until"))
    .returning(_EFFECTS.c.id)
)


def claim_due(
    session: Session, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[Claimed]:
    """Claim up to `limit` due effects, oldest first, for `lease`."""
    rows = session.execute(_DUE, {"now": now, "limit": limit}).all()
    if not rows:
        return []
    leased = set(
        session.scalars(_LEASE, {"ids": [row.id for row in rows], "now": now, "until": now + lease})
    )
    return [
        Claimed(row.id, row.kind, row.key, dict(row.payload), row.attempts, now + lease)
        for row in rows
        if row.id in leased
    ]


_RENEW = (
    update(_EFFECTS)
    .where(
        _EFFECTS.c.id.in_(bindparam("ids", expanding=True)),
        _EFFECTS.c.status == EffectStatus.PENDING,
        _EFFECTS.c.due_at.in_(bindparam("leased_until", expanding=True)),
    )
    .values(due_at=bindparam("until"))
    .returning(_EFFECTS.c.id)
)


def renew(session: Session, claimed: Iterable[Claimed], until: datetime) -> set[int]:
    """The runner still holds these effects: their leases end at `until` (one statement).
    An effect settled meanwhile (done, failed, due again at its retry) or taken by another
    runner is left alone: its `due_at` is no longer the lease this runner set. The ids
    renewed."""
    held = [effect for effect in claimed if effect.leased_until is not None]
    if not held:
        return set()
    lock_in_id_order(session, _EFFECTS.c.id, [effect.id for effect in held])
    params = {
        "ids": [effect.id for effect in held],
        "leased_until": list({effect.leased_until for effect in held}),
        "until": until,
    }
    return set(session.scalars(_RENEW, params))


def hand_back(session: Session, claimed: Iterable[Claimed], now: datetime) -> int:
    """Effects claimed and not started (the runner is stopping): due again at `now`, for the
    next runner to take at once rather than when the lease ends. An effect whose lease
    already ended (another runner may hold it now) is left alone. How many were."""
    held = sorted(
        (effect for effect in claimed if effect.leased_until is not None), key=lambda e: e.id
    )
    lock_in_id_order(session, _EFFECTS.c.id, [effect.id for effect in held])
    handed = 0
    for effect in held:
        done = session.execute(
            update(Effect)
            .where(
                Effect.id == effect.id,
                Effect.status == EffectStatus.PENDING,
                Effect.due_at == effect.leased_until,
            )
            .values(due_at=now)
            .execution_options(synchronize_session=False)
        )
        handed += rows_matched(done)
    return handed


def mark_done(session: Session, effect_id: int, result: Mapping[str, Any], now: datetime) -> bool:
    """Done, with its result (in the unit of work that handled the result). A real result
    beats a failure another runner recorded meanwhile (Stripe refusing a parallel call with
    the same key). False when another runner already finished it."""
    return _set(
        session,
        effect_id,
        (EffectStatus.PENDING, EffectStatus.FAILED),
        status=EffectStatus.DONE,
        result=dict(result),
        done_at=now,
        attempts=Effect.attempts + 1,
        error="",
    )


def retry_at(session: Session, effect_id: int, error: str, when: datetime) -> bool:
    """A transient failure: due again at `when`."""
    return _set(session, effect_id, due_at=when, attempts=Effect.attempts + 1, error=error[:2000])


def mark_failed(session: Session, effect_id: int, error: str, now: datetime) -> bool:
    """Refused for good (or out of attempts): never run again."""
    return _set(
        session,
        effect_id,
        status=EffectStatus.FAILED,
        done_at=now,
        attempts=Effect.attempts + 1,
        error=error[:2000],
    )


def _set(
    session: Session,
    effect_id: int,
    from_statuses: tuple[EffectStatus, ...] = (EffectStatus.PENDING,),
    **values: Any,
) -> bool:
    done = session.execute(
        update(Effect)
        .where(Effect.id == effect_id, Effect.status.in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(done) == 1


def first_runs_in_flight(session: Session, since: datetime) -> int:
    """Effects recorded since `since` whose first run has not ended: claimed by a runner, or
    due and about to be (every effect is recorded due at once; one tried and waiting out its
    backoff has an attempt counted)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Effect)
            .where(
                Effect.status == EffectStatus.PENDING,
                Effect.attempts == 0,
                Effect.created_at >= since,
            )
        )
        or 0
    )


def next_due(session: Session) -> datetime | None:
    """When the earliest pending effect is due (a runner sleeps until then)."""
    return session.scalar(
        select(Effect.due_at)
        .where(Effect.status == EffectStatus.PENDING)
        .order_by(Effect.due_at)
        .limit(1)
    )


def on_recorded(waker: Callable[[], None]) -> Callable[[], None]:
    """Call `waker` after every commit that recorded an effect (in this process, or in
    another one on PostgreSQL: `store/listener.py`); returns what undoes it."""
    return _recorded.subscribe(lambda _kinds: waker())
