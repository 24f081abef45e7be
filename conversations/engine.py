"""The chat engine: each recorded update handled once, in order per person, in one unit of work.

Per-person order across many workers: `handle(n)` never runs update n while an earlier update
of the same person is pending. It first processes that person's earliest pending update, with
the row locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises
all writers), then the next, until it reaches n. A second worker asked for a later update
therefore waits on the earlier row's lock, then finds it handled and moves on.

Failures (`conversations.failures`): a transient one (the database busy, a lost race) is
tried again at once, then left pending with a due time for the sweep, her later messages
waiting behind it while it is due soon; a bug is answered at once (an apology, her flow reset, the
menu), its row parked as failed, community managers alerted (rate-limited), and her next
message handled normally.

Stopping (`stopping`, set by the composition root on SIGINT or SIGTERM): the engine starts no
new update, and a failure while the process stops (a pool refusing work as the interpreter
shuts down, a connection closed under it) is not the update's fault: it is rolled back and
handed back as it was, pending, with no attempt counted and no apology, for the next start.

Group commit (`handle_many`): updates ready together share one unit of work and one commit.
Until that commit nothing of the group is durable and none of its replies can be delivered; a
crash before it leaves the whole group pending, to be handled again. A failing step rolls the
group back (nothing of it is kept: steps record what must reach the outside world and
change nothing outside the transaction); the others are handled again without it, and it
alone, as `handle` does: each of her earlier and later messages is handled exactly once. The
group's reads and writes that every update repeats are made once for the group
(`conversations.group.GroupBatch`).

Floods (`conversations.floods`, when the engine is given a `FloodLimit`): a person's
messages beyond the first few within a second are handled as every other, and their answers
are held a moment and replaced by the next, so the burst is answered once.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import cast

from sqlalchemy import Table, bindparam, exists, select
from sqlalchemy.orm import Session

from conversations import bursts, failures, floods, outbox, phone_link, replies
from conversations.dispatch import context_from_snapshot, run_turn, snapshot_of
from conversations.floods import FloodLimit, FloodWatch, Pace
from conversations.flow import FlowRegistry, StepContext
from conversations.group import GroupBatch
from conversations.i18n import Translator
from conversations.inbox import (
    MARK_HANDLED,
    MAX_ATTEMPTS,
    PICKED_COLUMNS,
    Picked,
    is_pending,
    load_inbound,
    pending_inbox,
)
from conversations.marketplace import Marketplace
from conversations.messages import Outbound
from conversations.notice_choices import answer_to_notice, notice_taking_words
from conversations.notify.failures import ALERT_WINDOW, alert_managers
from conversations.people import Person, find_or_create_person
from conversations.ports import StopSignal
from conversations.state import ConversationSnapshot, SqlStateStore
from store.errors import NotFound, PermissionDenied, StoreError
from store.models import InboxMessage, InboxStatus, User
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    HANDLED = "handled"
    REFUSED = "refused"  # a store rule said no: the person got a kind explanation
    FAILED = "failed"  # a bug: rolled back, parked; she was answered and her flow reset
    RETRY = "retry"  # a transient error: rolled back, pending again once its backoff is over
    ALREADY_HANDLED = "already_handled"  # a duplicate call; nothing done
    DEFERRED = "deferred"  # an earlier update of the same person must succeed first
    NOT_FOUND = "not_found"
    HANDED_BACK = "handed_back"  # the process is stopping: left pending for the next start


_INBOX = cast(Table, InboxMessage.__table__)
_EARLIER = _INBOX.alias("earlier")
# Built once; SQLAlchemy's compiled cache serves every update after the first. Both use the
# (status, id) index: a person's rows are found among the few not handled yet, never by
# walking the channel's whole history.
_TARGET = select(
    _INBOX.c.channel,
    _INBOX.c.platform_user_id,
    exists()
    .where(
        _EARLIER.c.channel == _INBOX.c.channel,
        _EARLIER.c.platform_user_id == _INBOX.c.platform_user_id,
        _EARLIER.c.id <= _INBOX.c.id,
        _EARLIER.c.status == InboxStatus.AWAITING_MEDIA,
    )
    .label("awaiting_media"),
).where(_INBOX.c.id == bindparam("inbox_id"))
_NEXT_PENDING = (
    select(*PICKED_COLUMNS)
    .where(
        _INBOX.c.channel == bindparam("channel"),
        _INBOX.c.platform_user_id == bindparam("platform_user_id"),
        _INBOX.c.id <= bindparam("inbox_id"),
        is_pending(),
    )
    .order_by(_INBOX.c.id)
    .limit(1)
    .with_for_update()
)
_NEXT_PENDING = _NEXT_PENDING.add_columns(_INBOX.c.retry_at)
_STATUS = select(_INBOX.c.status).where(_INBOX.c.id == bindparam("inbox_id"))
# `_TARGET` and `_NEXT_PENDING` in one statement, the person read from the target row: one
# round trip fewer for nearly every update (on PostgreSQL each costs a wait). No row found
# (the target unknown, handled already, awaiting media, or only now unlocked) is answered by
# the two statements above.
_TARGET_ROW = _INBOX.alias("target")
_AWAITING_MEDIA = (
    exists()
    .where(
        _EARLIER.c.channel == _INBOX.c.channel,
        _EARLIER.c.platform_user_id == _INBOX.c.platform_user_id,
        _EARLIER.c.id <= bindparam("inbox_id"),
        _EARLIER.c.status == InboxStatus.AWAITING_MEDIA,
    )
    .label("awaiting_media")
)
_PICK = (
    select(*PICKED_COLUMNS, _INBOX.c.retry_at, _AWAITING_MEDIA)
    .where(
        _INBOX.c.channel
        == select(_TARGET_ROW.c.channel)
        .where(_TARGET_ROW.c.id == bindparam("inbox_id"))
        .scalar_subquery(),
        _INBOX.c.platform_user_id
        == select(_TARGET_ROW.c.platform_user_id)
        .where(_TARGET_ROW.c.id == bindparam("inbox_id"))
        .scalar_subquery(),
        _INBOX.c.id <= bindparam("inbox_id"),
        is_pending(),
    )
    .order_by(_INBOX.c.id)
    .limit(1)
    .with_for_update(of=_INBOX)
)


@dataclass(frozen=True)
class HandleResult:
    inbox_id: int
    outcome: Outcome
    user_id: int | None = None
    outbox_ids: tuple[int, ...] = ()

    @property
    def handled_now(self) -> bool:
        """This call handled the update: answered it, refused it kindly, or (a bug) answered
        it with an apology and parked it."""
        return self.outcome in (Outcome.HANDLED, Outcome.REFUSED, Outcome.FAILED)


def sweep_all(sweep: Callable[[int], Sequence[HandleResult]], batch: int = 100) -> int:
    """Run a sweep (`ChatEngine.handle_pending`, or a channel's that first fetches what it needs)
    batch after batch while they come full; how many updates it handled. A full batch that
    handled none (all deferred, failing transiently again, or handed back while stopping)
    ends it: the next sweep tries them again."""
    total = 0
    while True:
        results = sweep(batch)
        handled = sum(result.handled_now for result in results)
        total += handled
        if len(results) < batch or not handled:
            return total


class ChatEngine:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        flows: FlowRegistry,
        market: Marketplace,
        clock: Callable[[], datetime] = utcnow,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        stopping: StopSignal | None = None,
        quick_retries: Sequence[float] = failures.QUICK_RETRIES,
        sleep: Callable[[float], object] = time.sleep,
        alert_window: timedelta = ALERT_WINDOW,
        flood: FloodLimit | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._flows = flows
        self._market = market
        self._clock = clock
        self._max_attempts = max_attempts
        self._stopping: StopSignal = stopping or threading.Event()
        self._quick_retries = tuple(quick_retries)
        self._sleep = sleep
        self._alert_window = alert_window
        self._floods = FloodWatch(flood) if flood is not None else None

    def handle(self, inbox_id: int) -> HandleResult:
        """Handle a recorded update (and, first, any earlier pending one of the same person)."""
        started = time.perf_counter()
        result: HandleResult | None = None
        try:
            result = self._handle_alone(inbox_id)
            return result
        finally:
            self._observe(result, time.perf_counter() - started)

    def _handle_alone(self, inbox_id: int) -> HandleResult:
        """One unit of work per row (no savepoint: a failure rolls it all back, and is
        answered in a fresh one). A transient failure is tried again at once, after the
        pauses `quick_retries` lists, before it is left for the sweep."""
        quick = iter(self._quick_retries)
        while True:
            if self._stopping.is_set():
                return HandleResult(inbox_id, Outcome.HANDED_BACK)
            failure: Exception | None = None
            row_id: int | None = None
            try:
                with self._uow_factory() as uow:
                    picked = self._pick(uow.session, inbox_id)
                    if isinstance(picked, HandleResult):
                        return picked
                    row_id = picked.id
                    result = self._process(uow.session, picked, None)
                    uow.commit()
            except Exception as exc:  # every failure is answered below or by _recover
                failure = exc
            if failure is not None:  # the unit of work has rolled back
                if failures.is_transient(failure) and not self._stopping.is_set():
                    pause = next(quick, None)
                    if pause is not None:
                        self._sleep(pause)
                        continue
                if row_id is None:  # no row taken yet (the database busy): nothing to mark
                    if self._stopping.is_set():
                        return self._hand_back([inbox_id], failure)[0]
                    if not failures.is_transient(failure):
                        raise failure
                    logger.warning(
                        "inbox row %s left for the sweep: %s", inbox_id, type(failure).__name__
                    )
                    return HandleResult(inbox_id, Outcome.RETRY)
                result = self._recover(row_id, failure)
            if row_id == inbox_id:
                return result
            if result.outcome in (Outcome.RETRY, Outcome.HANDED_BACK):
                # Hers wait behind an earlier one failing transiently (or left as it was).
                outcome = Outcome.DEFERRED if result.outcome is Outcome.RETRY else result.outcome
                return HandleResult(inbox_id, outcome)
            quick = iter(self._quick_retries)  # the next row has its own quick retries

    def handle_many(self, inbox_ids: Sequence[int]) -> list[HandleResult]:
        """Handle several recorded updates (group commit): one unit of work and one commit
        for them all. Nothing of the group is durable (nor its replies deliverable) before
        that commit. Failures are rare, so no savepoint guards each update (one costs about
        a fifth of a menu update): when an update's step fails, the unit of work is rolled
        back, the updates before it are handled again as a group, the failing one alone (and
        answered as `handle` answers it), then those after it. When the commit itself fails
        (a deadlock, a lost connection) each update is handled again on its own."""
        if len(inbox_ids) < 2:
            return [self.handle(inbox_id) for inbox_id in inbox_ids]
        if self._stopping.is_set():
            return self._hand_back(inbox_ids)
        timed: list[tuple[HandleResult, float]] = []
        try:
            with self._uow_factory() as uow:
                group = GroupBatch.open(uow.session, inbox_ids, now=self._clock())
                with group:
                    for inbox_id in inbox_ids:
                        started = time.perf_counter()
                        handled = self._handle_in(uow.session, inbox_id, group)
                        timed.append((handled, time.perf_counter() - started))
                    group.settle()
                uow.commit()
        except Exception as exc:
            if self._stopping.is_set():
                return self._hand_back(inbox_ids, exc)
            failed = len(timed)
            if failed == len(inbox_ids):  # the commit failed
                logger.warning(
                    "group of %s updates rolled back (%s); handling each on its own",
                    len(inbox_ids),
                    type(exc).__name__,
                )
                return [self.handle(inbox_id) for inbox_id in inbox_ids]
            return [
                *self.handle_many(inbox_ids[:failed]),
                self.handle(inbox_ids[failed]),
                *self.handle_many(inbox_ids[failed + 1 :]),
            ]
        results = []
        for result, seconds in timed:
            replies = group.outbox_ids.get(result.inbox_id, ())
            if replies:  # queued when the group settled
                result = dataclasses.replace(result, outbox_ids=replies + result.outbox_ids)
            self._observe(result, seconds)
            results.append(result)
        return results

    def handle_pending(self, limit: int = 100) -> list[HandleResult]:
        """A sweep: (re)process pending updates in arrival order, each person's in sequence."""
        with self._uow_factory(read_only=True) as uow:
            ids = [row.id for row in pending_inbox(uow.session, limit, now=self._clock())]
        return self.handle_many(ids)

    def _observe(self, result: HandleResult | None, seconds: float) -> None:
        """Called once per update handled (and committed); `result` None when it raised."""

    def _handle_in(self, session: Session, inbox_id: int, group: GroupBatch) -> HandleResult:
        """`inbox_id` handled in the caller's transaction, after the earlier pending updates
        of the same person; from what `group` loaded when it can be. A failing step raises:
        the caller rolls back."""
        plain = group.row(inbox_id)
        if plain is not None:
            result = self._process(session, plain, group)
            group.release()
            return result
        while True:
            picked = self._pick(session, inbox_id)
            if isinstance(picked, HandleResult):
                return picked
            # Her user may be created in a savepoint that a racing worker makes roll back:
            # the group's writes go in before it, not into it.
            group.settle()
            result = self._process(session, picked, group)
            # The next update starts from the database, as in a unit of work of its own.
            group.release()
            if picked.id == inbox_id:
                return result

    def _pick(self, session: Session, inbox_id: int) -> Picked | HandleResult:
        """The person's earliest pending update up to `inbox_id`, locked; or why there is none."""
        found = session.execute(_PICK, {"inbox_id": inbox_id}).one_or_none()
        if found is not None:
            *columns, retry_at, awaiting_media = found
            if awaiting_media:  # its adapter handles it (and what follows) later
                return HandleResult(inbox_id, Outcome.DEFERRED)
            return self._picked(inbox_id, columns, retry_at)
        target = session.execute(_TARGET, {"inbox_id": inbox_id}).one_or_none()
        if target is None:
            return HandleResult(inbox_id, Outcome.NOT_FOUND)
        if target.awaiting_media:  # its adapter handles it (and what follows) later
            return HandleResult(inbox_id, Outcome.DEFERRED)
        params = {
            "channel": target.channel,
            "platform_user_id": target.platform_user_id,
            "inbox_id": inbox_id,
        }
        while True:
            found = session.execute(_NEXT_PENDING, params).one_or_none()
            if found is not None:
                *columns, retry_at = found
                return self._picked(inbox_id, columns, retry_at)
            # None pending: done already, or (PostgreSQL) the row we waited for was handled
            # meanwhile and the locking re-check dropped it; look again unless n is done.
            status = session.execute(_STATUS, params).scalar_one()
            if status is InboxStatus.HANDLED:
                return HandleResult(inbox_id, Outcome.ALREADY_HANDLED)
            if status is InboxStatus.FAILED:
                return HandleResult(inbox_id, Outcome.FAILED)

    def _picked(
        self, inbox_id: int, columns: Sequence[object], retry_at: datetime | None
    ) -> Picked | HandleResult:
        picked = Picked(*columns)  # type: ignore[arg-type]
        if picked.id != inbox_id and retry_at is not None:
            # An earlier one waits out a transient failure's backoff: hers waits too while it
            # is due soon; due later, it is tried again now.
            wait = retry_at - self._clock()
            if timedelta(0) < wait <= failures.WAIT_BEHIND:
                return HandleResult(inbox_id, Outcome.DEFERRED)
        return picked

    def _process(self, session: Session, row: Picked, group: GroupBatch | None) -> HandleResult:
        now = self._clock()
        inbound = load_inbound(row)
        pace = (
            self._floods.pace(row.channel, row.platform_user_id, now)
            if self._floods is not None
            else Pace.QUIET
        )
        in_burst = pace is Pace.BURST
        person = group.person(row) if group else None
        if person is None:
            person = find_or_create_person(
                session,
                inbound.channel,
                inbound.platform_user_id,
                now=now,
                profile_name=inbound.profile_name,
                locale_hint=inbound.locale_hint,
                first_words=inbound.text,
                default_locale=self._market.config.default_locale,
            )
        # Her verified number may make her one person with an account on another channel.
        arriving = person.is_new
        person, linked = phone_link.link_sender_phone(session, person, inbound, now)
        states = SqlStateStore(session, self._clock)
        loaded = group.state(person.user.id) if group else None
        if loaded is None:
            if person.state is not None:  # read along with her
                loaded = person.state
            elif person.is_new:  # a user made by this update has no state yet
                loaded = ConversationSnapshot()
            else:
                loaded = states.load(person.user.id)
        ctx = context_from_snapshot(
            loaded,
            session=session,
            user=person.user,
            channel=inbound.channel,
            now=now,
            registry=self._flows,
            market=self._market,
        )
        if not person.is_new:  # a newcomer is welcomed first
            phone_link.tell(ctx, inbound, linked, arrived=arriving)
        # A number typed after a notice may be an answer to the notice (read before the turn:
        # the turn itself reads no storage of its own).
        typed = self._market.capabilities.of(inbound.channel).typed_choices
        inbound = answer_to_notice(
            session, person.user.id, inbound, ctx.offered, loaded, typed_choices=typed
        )
        # Her words may answer a notice that reads them (her appeal, after the suspension).
        notice = notice_taking_words(
            session, person.user, inbound, ctx.offered, loaded, self._flows
        )
        run_turn(ctx, inbound, is_new=person.is_new, notice=notice)
        if person.is_new:
            phone_link.tell(ctx, inbound, linked)
        self._merge_replies(ctx)
        snapshot = snapshot_of(ctx, loaded)
        if group is not None and (ctx.notifications or in_burst):
            # Queued now, a notice would reach its reader before the replies the group still
            # holds for her earlier updates (rare: the group's writes go in first); a burst's
            # answer replaces those held for her earlier ones, which must be in the outbox.
            group.settle()
        if group is not None and group.defer(row, person.user.id, snapshot, ctx.replies, now):
            outbox_ids = self._write_notifications(session, ctx, row.id)
        else:
            states.save(person.user.id, snapshot)
            if in_burst:
                outbox_ids = self._write_burst_replies(
                    session, ctx, row.id, person.platform_user_id
                )
            else:
                if pace is Pace.AFTER_BURST and ctx.replies:
                    # A burst's answer still held would come after this newer one.
                    self._drop_held_answers(session, ctx, person.platform_user_id)
                outbox_ids = self._write_replies(session, ctx, row.id, person.platform_user_id)
            outbox_ids += self._write_notifications(session, ctx, row.id)
            session.execute(MARK_HANDLED, {"inbox_id": row.id, "now": now})
        session.flush()
        return HandleResult(row.id, Outcome.HANDLED, person.user.id, outbox_ids)

    def _merge_replies(self, ctx: StepContext) -> None:
        """The turn's replies as few messages as her channel takes (`bursts`)."""
        ctx.replies = bursts.merged(ctx.replies, self._market.capabilities.of(ctx.channel))

    def _write_replies(
        self,
        session: Session,
        ctx: StepContext,
        inbox_id: int,
        platform_user_id: str,
        *,
        key: Callable[[int, int], str] = outbox.reply_key,
        due: datetime | None = None,
    ) -> tuple[int, ...]:
        return tuple(
            outbox.enqueue(
                session,
                ctx.user.id,
                ctx.channel,
                platform_user_id,
                outbound,
                dedupe_key=key(inbox_id, n),
                now=ctx.now,
                due=due,
            )
            for n, outbound in enumerate(ctx.replies)
        )

    def _write_burst_replies(
        self, session: Session, ctx: StepContext, inbox_id: int, platform_user_id: str
    ) -> tuple[int, ...]:
        """Her answer in a burst replaces the burst's answers still held, and is held a
        window in its turn (one with a payment link goes at once)."""
        assert self._floods is not None
        window = self._floods.limit.window
        self._drop_held_answers(session, ctx, platform_user_id)
        if any(floods.carries_payment(outbound) for outbound in ctx.replies):
            return self._write_replies(session, ctx, inbox_id, platform_user_id)
        return self._write_replies(
            session, ctx, inbox_id, platform_user_id, key=floods.burst_key, due=ctx.now + window
        )

    def _drop_held_answers(self, session: Session, ctx: StepContext, platform_user_id: str) -> None:
        assert self._floods is not None
        floods.drop_held_answers(
            session, ctx.channel, platform_user_id, ctx.now, self._floods.limit.window
        )

    def _write_notifications(
        self, session: Session, ctx: StepContext, inbox_id: int
    ) -> tuple[int, ...]:
        ids = []
        for n, (user_id, message) in enumerate(ctx.notifications):
            if not isinstance(message, Outbound):
                recipient = session.get(User, user_id)
                message = message(Translator(recipient.locale if recipient else "en"))
            sent = outbox.notify(
                session, user_id, message, dedupe_key=f"inbox:{inbox_id}:n{n}", now=ctx.now
            )
            if sent is not None:
                ids.append(sent)
        return tuple(ids)

    def _hand_back(
        self, inbox_ids: Sequence[int], exc: Exception | None = None
    ) -> list[HandleResult]:
        """The process is stopping: these updates stay as they are, for the next start."""
        if exc is not None:
            logger.info(
                "inbox rows %s handed back: stopping (%s)",
                ", ".join(map(str, inbox_ids)),
                type(exc).__name__,
            )
        return [HandleResult(inbox_id, Outcome.HANDED_BACK) for inbox_id in inbox_ids]

    def _recover(self, row_id: int, exc: Exception) -> HandleResult:
        """After a rollback of the whole unit of work: answer in a fresh one (unless the
        failure came from the process stopping: then nothing is written)."""
        if self._stopping.is_set():
            return self._hand_back([row_id], exc)[0]
        try:
            with self._uow_factory() as uow:
                result = self._recover_in(uow.session, row_id, exc)
                uow.commit()
        except Exception as again:
            if self._stopping.is_set():
                return self._hand_back([row_id], again)[0]
            if failures.is_transient(again):  # the database busy: left pending, as it was
                logger.warning("inbox row %s left for the sweep: %s", row_id, type(again).__name__)
                return HandleResult(row_id, Outcome.RETRY)
            # Answering failed too: park the row alone, so the sweep does not try it forever.
            logger.error(
                "inbox row %s: answering its failure failed: %s at %s",
                row_id,
                type(again).__name__,
                _where(again),
            )
            with self._uow_factory() as uow:
                result = self._park(uow.session, row_id, exc)
                uow.commit()
        return result

    def _recover_in(self, session: Session, row_id: int, exc: Exception) -> HandleResult:
        """After the step's rollback: refuse kindly, put off a transient failure, or answer
        a bug (`conversations.failures`)."""
        if isinstance(exc, StoreError):
            return self._refuse(session, row_id, exc)
        row = session.get(InboxMessage, row_id, with_for_update=True)
        if row is None or row.status is InboxStatus.HANDLED:
            return HandleResult(row_id, Outcome.ALREADY_HANDLED)
        if row.status is InboxStatus.FAILED:  # parked meanwhile by another worker
            return HandleResult(row_id, Outcome.FAILED)
        now = self._clock()
        row.attempts += 1
        # Message text, payloads and SQL parameters may hold personal data: not logged.
        row.error = f"{type(exc).__name__} at {_where(exc)}"
        if failures.is_transient(exc) and row.attempts < self._max_attempts:
            row.retry_at = failures.retry_due(now, row.attempts)
            logger.warning(
                "inbox row %s failed transiently (attempt %s), due again in %s: %s",
                row_id,
                row.attempts,
                failures.backoff(row.attempts),
                row.error,
            )
            return HandleResult(row_id, Outcome.RETRY)
        row.status = InboxStatus.FAILED
        row.handled_at = now
        row.retry_at = None
        logger.error("inbox row %s failed (parked): %s", row_id, row.error)
        user_id = self._start_again(session, row, now)
        self._alert(session, row.error, now)
        return HandleResult(row_id, Outcome.FAILED, user_id)

    def _park(self, session: Session, row_id: int, exc: Exception) -> HandleResult:
        """The last resort: the row parked as failed, with no answer."""
        row = session.get(InboxMessage, row_id, with_for_update=True)
        if row is None or row.status is not InboxStatus.RECEIVED:
            return HandleResult(row_id, Outcome.ALREADY_HANDLED)
        now = self._clock()
        row.status, row.handled_at, row.retry_at = InboxStatus.FAILED, now, None
        row.attempts += 1
        row.error = f"{type(exc).__name__} at {_where(exc)} (not answered)"
        self._alert(session, row.error, now)
        return HandleResult(row_id, Outcome.FAILED)

    def _alert(self, session: Session, error: str, now: datetime) -> None:
        alerted = alert_managers(session, error, now, self._alert_window)
        if alerted:
            logger.info("failure alert sent to %s community manager(s)", alerted)

    def _start_again(self, session: Session, row: InboxMessage, now: datetime) -> int:
        """After a bug: her flow reset (keeping what it keeps), an apology and the menu."""
        person = self._person_of(session, row, now)
        states = SqlStateStore(session, self._clock)
        loaded = states.load(person.user.id)

        def context(snapshot: ConversationSnapshot) -> StepContext:
            return context_from_snapshot(
                snapshot,
                session=session,
                user=person.user,
                channel=row.channel,
                now=now,
                registry=self._flows,
                market=self._market,
            )

        try:
            ctx = context(loaded)
        except Exception as exc:  # her saved state cannot be read: nothing of it is kept
            logger.error("inbox row %s: state dropped: %s", row.id, type(exc).__name__)
            ctx = context(ConversationSnapshot(version=loaded.version))
        failures.start_again(ctx)
        self._merge_replies(ctx)
        states.save(person.user.id, snapshot_of(ctx, loaded))
        self._write_replies(session, ctx, row.id, row.platform_user_id)
        return person.user.id

    def _refuse(self, session: Session, row_id: int, exc: StoreError) -> HandleResult:
        if isinstance(exc, PermissionDenied):
            message = replies.SORRY_NOT_ALLOWED
        elif isinstance(exc, NotFound):
            message = replies.SORRY_NOT_FOUND
        else:
            message = replies.SORRY_GENERIC
        row = session.get(InboxMessage, row_id, with_for_update=True)
        if row is None or row.status is InboxStatus.HANDLED:
            return HandleResult(row_id, Outcome.ALREADY_HANDLED)
        logger.info("inbox row %s refused: %s", row_id, type(exc).__name__)
        user_id = self._say_sorry(session, row, message)
        row.status = InboxStatus.HANDLED
        row.handled_at = self._clock()
        row.error = type(exc).__name__
        return HandleResult(row_id, Outcome.REFUSED, user_id)

    def _person_of(self, session: Session, row: InboxMessage, now: datetime) -> Person:
        return find_or_create_person(
            session,
            row.channel,
            row.platform_user_id,
            now=now,
            locale_hint=row.payload.get("locale_hint"),
            first_words=str(row.payload.get("text") or ""),
            default_locale=self._market.config.default_locale,
        )

    def _say_sorry(self, session: Session, row: InboxMessage, message: str) -> int:
        now = self._clock()
        person = self._person_of(session, row, now)
        text = Translator(person.user.locale)._(message)
        # One apology per update, however many times it is retried.
        outbox.enqueue(
            session,
            person.user.id,
            row.channel,
            row.platform_user_id,
            Outbound(text=text),
            dedupe_key=f"inbox:{row.id}:sorry",
            now=now,
        )
        return person.user.id


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"
