"""Delivering the outbox to Telegram: within the rate limits, retrying what may succeed later,
giving up on what never will.

Each outbox row is marked sent right after its last part went out, and its chat's next message
waits for that commit (each part's message id is recorded as it goes, so a retry never repeats
a part); the marks of chats served in parallel share a transaction (`marks.GroupCommit`).
That makes delivery *at least once* in one narrow case only: the process dies after Telegram
accepted a message and before that commit, or Telegram accepted it but the answer never came back
(`TimedOut`); then the message is sent again after the lease runs out. Chats are served in
parallel, so one crash can repeat at most one message per chat being served at that moment.
We chose that over at most once, which would silently lose a reply (an order confirmation, a
payment link) whenever a send failed halfway.

Outcomes: 429 → the whole sender pauses for `retry_after` and the row is retried then;
network errors → retried with exponential backoff, up to `max_attempts`; 403 (the person
blocked the bot) → their identity is marked unreachable and the row failed, never retried;
400 for a stale photo `file_id` → the id is forgotten and the photo uploaded on the next try;
other 400s → failed (a bug to look at, logged without the message text); anything else (a
bug, an answer PTB cannot read) → an attempt like any other: retried with backoff, then failed.

A message that replaces the tapped one (a list's next page) is an edit of it; when Telegram
will not edit that message it is sent as a new one instead.

While `run` runs, the sender renews the leases of the rows it holds every `RENEW_SECONDS`
(so a pass may outlast the short lease, and a dead sender's rows are due again within it) and
beats its heartbeat (`delivery:telegram`) every `BEAT_SECONDS`, idle or not, each in a unit
of work of its own.

Stopping (`close`): no new pass starts; the passes in flight get a grace period, then are
cancelled, and every row claimed and not yet settled is handed back (the parts delivered so
far recorded), so after a restart it goes out at once rather than after the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session
from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    LabeledPrice,
    Message,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from conversations.outbox import mark_failed, mark_sent_many
from handlers.telegram import photos
from handlers.telegram.claims import (
    LEASE,
    RENEW_SECONDS,
    Job,
    claim_due,
    join_ids,
    mark_unreachable,
    recent_sends,
    record_progress,
    release,
    renew,
)
from handlers.telegram.limits import RateLimiter, SendLimits
from handlers.telegram.marks import GroupCommit
from handlers.telegram.render import Edit, Send, SendKind, render, render_edit
from store import heartbeats
from store.db import is_database_busy
from store.media.storage import MediaStore, MediaStoreError
from store.models import Channel
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(minutes=10)
BEAT_SECONDS = 5.0
HEARTBEAT = heartbeats.delivery(Channel.TELEGRAM.value)


class PhotoMissing(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(f"no stored photo {key!r}")
        self.key = key


class InvoiceImpossible(Exception):
    pass


class TelegramDelivery:
    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        media: MediaStore,
        *,
        limits: SendLimits | None = None,
        clock: Callable[[], datetime] = utcnow,
        batch: int = 200,
        max_attempts: int = MAX_ATTEMPTS,
        lease: timedelta = LEASE,
        renew_every: float = RENEW_SECONDS,
        payment_provider_token: str = "",
    ) -> None:
        self._lease = lease
        self._renew_every = renew_every
        self._payment_provider_token = payment_provider_token
        self._bot = bot
        self._uow_factory = uow_factory
        self._media = media
        self._limits = limits or SendLimits()
        self._limiter = RateLimiter(self._limits)
        self._clock = clock
        self._batch = batch
        self._max_attempts = max_attempts
        self._marks = GroupCommit(self._sent)
        # Rows claimed and not settled yet (sent, failed, released), by outbox id; the lock
        # keeps a claim and a hand-back from crossing.
        self._claimed: dict[int, Job] = {}
        self._claims_lock = threading.Lock()
        self._closed = False
        self._passes: set[asyncio.Task[int]] = set()

    async def run(
        self,
        wake: asyncio.Event,
        stop: asyncio.Event,
        idle: float = 1.0,
        *,
        grace: float,
    ) -> None:
        """Deliver until `stop` is set, then `close(grace)`; `wake` says new messages are
        waiting (else we look every `idle` seconds, for retries that came due)."""
        await self._remember_recent_sends()
        stopping = asyncio.ensure_future(stop.wait())
        upkeep = asyncio.create_task(self._keep_up())
        try:
            while not stop.is_set():
                wake.clear()  # before the pass: a message queued during it wakes the next
                passing = asyncio.ensure_future(self.deliver_due())
                await asyncio.wait({passing, stopping}, return_when="FIRST_COMPLETED")
                if not passing.done():
                    break  # stopping: `close` below finishes or cancels the pass
                try:
                    sent = 0 if passing.cancelled() else passing.result()
                except Exception as exc:
                    if not is_database_busy(exc):
                        logger.exception("telegram delivery pass failed")
                    else:
                        logger.warning(
                            "telegram delivery: the database is busy (%s)", type(exc).__name__
                        )
                    sent = 0
                if sent:
                    continue
                waiting = asyncio.ensure_future(wake.wait())
                await asyncio.wait({waiting, stopping}, timeout=idle, return_when="FIRST_COMPLETED")
                waiting.cancel()
        finally:
            stopping.cancel()
            # Nothing more to beat or renew: the grace (3 s) ends well within the leases,
            # and `close` hands back what is still held.
            upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upkeep
            await self.close(grace)

    async def _remember_recent_sends(self) -> None:
        """The sender before this one (a scheduler that died, with this one its standby, or
        this process before a restart) may have sent to a chat a moment ago: its sends count
        here too. Those marked sent are enough: a chat with a send it did not mark is held by
        that row's lease, longer than any window. Not knowing, we wait one window out."""
        window = max(self._limits.overall_seconds, self._limits.per_chat_seconds)
        try:
            recent = await asyncio.to_thread(self._recent_sends, window)
        except Exception as exc:
            logger.warning("telegram: recent sends unknown (%s); waiting", type(exc).__name__)
            await asyncio.sleep(window)
            return
        for chat, seconds_ago, parts in recent:
            for _ in range(parts):
                self._limiter.sent_earlier(chat, seconds_ago)

    def _recent_sends(self, window: float) -> list[tuple[str, float, int]]:
        with self._uow_factory(read_only=True) as uow:
            now = self._clock()
            sent = recent_sends(uow.session, now - timedelta(seconds=window))
        return [(chat, (now - at).total_seconds(), parts) for chat, at, parts in sent]

    async def _keep_up(self) -> None:
        """Renew the leases of what this sender holds every `renew_every` seconds, and beat
        its heartbeat every `BEAT_SECONDS`, until cancelled."""
        loop = asyncio.get_running_loop()
        renewed = beaten = -float("inf")
        while True:
            now = loop.time()
            try:
                if now - beaten >= BEAT_SECONDS:
                    beaten = now
                    await asyncio.to_thread(self._beat)
                if now - renewed >= self._renew_every:
                    renewed = now
                    await asyncio.to_thread(self._renew)
            except Exception as exc:  # the database busy or away: the next tick tries again
                logger.warning("telegram: renewal or heartbeat failed (%s)", type(exc).__name__)
            await asyncio.sleep(min(self._renew_every, BEAT_SECONDS) / 3)

    def _beat(self) -> None:
        with self._uow_factory() as uow:
            heartbeats.beat(uow.session, HEARTBEAT, self._clock())
            uow.commit()

    def _renew(self) -> None:
        """One statement for every row still held; the lock keeps a hand-back from crossing."""
        with self._claims_lock:
            jobs = list(self._claimed.values())
            if not jobs:
                return
            until = self._clock() + self._lease
            with self._uow_factory() as uow:
                renewed = renew(uow.session, jobs, until)
                uow.commit()
            for job in jobs:
                if job.outbox_id in renewed:
                    job.leased_until = until

    async def close(self, grace: float) -> None:
        """Stop: no new pass starts; passes in flight have `grace` seconds to finish, then
        are cancelled; every row still claimed is handed back."""
        self._closed = True
        if self._passes:
            _, unfinished = await asyncio.wait(set(self._passes), timeout=grace)
            for task in unfinished:
                task.cancel()
            if unfinished:
                await asyncio.wait(unfinished)
                logger.info("telegram: %s delivery pass(es) cancelled", len(unfinished))
        try:
            handed_back = await asyncio.to_thread(self._hand_back)
        except Exception:
            logger.exception("telegram: messages in flight not handed back (out after the lease)")
            return
        if handed_back:
            logger.info("telegram: %s message(s) in flight handed back", handed_back)

    async def deliver_due(self) -> int:
        """One pass: claim what is due and send it, each chat in order, chats in parallel.
        Nothing once `close` began. A pass cancelled midway leaves its claims to `close`."""
        task = asyncio.current_task()
        assert task is not None
        self._passes.add(task)
        try:
            jobs = await asyncio.to_thread(self._claim)
            by_chat: dict[str, list[Job]] = defaultdict(list)
            for job in jobs:
                by_chat[job.chat_id].append(job)
            results = await asyncio.gather(
                *(self._deliver_chat(chat) for chat in by_chat.values()), return_exceptions=True
            )
            failures = [result for result in results if isinstance(result, BaseException)]
            if failures:
                # An outcome the database did not take (busy, a timeout): what this pass still
                # holds goes back now, with the parts delivered, rather than staying claimed,
                # its lease renewed and the chat held behind it, for as long as this runs.
                await asyncio.to_thread(self._hand_back, jobs)
                raise failures[0]
            return len(jobs)
        finally:
            self._passes.discard(task)

    def _claim(self) -> list[Job]:
        with self._claims_lock:
            if self._closed:
                return []
            with self._uow_factory() as uow:
                jobs = claim_due(uow.session, self._clock(), self._batch, self._lease)
                uow.commit()
            self._claimed.update((job.outbox_id, job) for job in jobs)
        return jobs

    def _hand_back(self, only: Sequence[Job] | None = None) -> int:
        """Release every row still claimed, or those of `only` (recording the parts already
        delivered). Not held any more even when the release fails: then due after the lease."""
        with self._claims_lock:
            if only is None:
                jobs = list(self._claimed.values())
                self._claimed.clear()
            else:
                jobs = [job for job in only if self._claimed.pop(job.outbox_id, None) is not None]
            if jobs:
                jobs.sort(key=lambda job: job.outbox_id)  # rows locked in id order
                with self._uow_factory() as uow:
                    now = self._clock()
                    release(uow.session, [job.outbox_id for job in jobs], now)
                    for job in jobs:
                        if job.delivered:
                            record_progress(uow.session, job.outbox_id, job.delivered)
                    uow.commit()
        return len(jobs)

    def _settled(self, *outbox_ids: int) -> None:
        with self._claims_lock:
            for outbox_id in outbox_ids:
                self._claimed.pop(outbox_id, None)

    async def _deliver_chat(self, jobs: list[Job]) -> None:
        for n, job in enumerate(jobs):
            if not await self._deliver(job):
                # Later messages must not overtake this one: give their claims back.
                await asyncio.to_thread(self._release, [j.outbox_id for j in jobs[n + 1 :]])
                return

    async def _deliver(self, job: Job) -> bool:
        sends = render(job.outbound, job.locale)
        edit = render_edit(job.outbound, sends) if not job.delivered else None
        try:
            if edit is not None:
                await self._edit_in_place(job, edit)
            for send in sends[len(job.delivered) :]:
                async with self._limiter.slot(job.chat_id):
                    message = await self._send(job.chat_id, send)
                job.delivered.append(message.message_id)
                file_id = _photo_file_id(message) if send.kind is SendKind.PHOTO else None
                if len(job.delivered) < len(sends) or file_id:
                    await asyncio.to_thread(self._progress, job, send, file_id)
        except TelegramError as exc:
            await asyncio.to_thread(self._failed, job, exc)
            return False
        except (PhotoMissing, InvoiceImpossible) as exc:
            await asyncio.to_thread(self._give_up, job, str(exc))
            return False
        except Exception as exc:  # a bug, or an answer nobody could read
            await asyncio.to_thread(self._unexpected, job, exc)
            return False
        await self._marks.add(job)
        return True

    async def _send(self, chat_id: str, send: Send) -> Message:
        if send.kind is SendKind.MESSAGE:
            return await self._bot.send_message(chat_id, send.text, reply_markup=send.reply_markup)
        if send.kind is SendKind.INVOICE:
            return await self._send_invoice(chat_id, send)
        return await self._bot.send_photo(
            chat_id,
            await asyncio.to_thread(self._photo_input, send),
            caption=send.text or None,
            reply_markup=send.reply_markup,
        )

    async def _edit_in_place(self, job: Job, edit: Edit) -> None:
        """Show the message in the tapped one. When Telegram will not edit that (too old, a
        photo for a text or the other way round, deleted), `job.delivered` stays empty and the
        message is sent as new. "Not modified" counts as shown: it already says this (a
        double tap, or a retry after an edit whose answer was lost)."""
        send = edit.send
        markup = send.reply_markup if isinstance(send.reply_markup, InlineKeyboardMarkup) else None
        result: Message | bool | None = None
        try:
            async with self._limiter.slot(job.chat_id):
                if send.kind is SendKind.MESSAGE:
                    result = await self._bot.edit_message_text(
                        send.text,
                        chat_id=job.chat_id,
                        message_id=edit.message_id,
                        reply_markup=markup,
                    )
                else:
                    photo = await asyncio.to_thread(self._photo_input, send)
                    result = await self._bot.edit_message_media(
                        InputMediaPhoto(photo, caption=send.text or None),
                        chat_id=job.chat_id,
                        message_id=edit.message_id,
                        reply_markup=markup,
                    )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                logger.info(
                    "outbox row %s: message not edited (%s); sent instead", job.outbox_id, exc
                )
                return
        job.delivered.append(edit.message_id)
        if isinstance(result, Message) and send.kind is SendKind.PHOTO:
            file_id = _photo_file_id(result)
            if file_id:
                await asyncio.to_thread(self._progress, job, send, file_id)

    async def _send_invoice(self, chat_id: str, send: Send) -> Message:
        invoice = send.invoice
        assert invoice is not None
        if not self._payment_provider_token:
            raise InvoiceImpossible("no TELEGRAM_PAYMENT_PROVIDER_TOKEN to send an invoice with")
        return await self._bot.send_invoice(
            chat_id,
            title=invoice.title,
            description=invoice.description,
            payload=invoice.payload,
            currency=invoice.currency,
            prices=[LabeledPrice(price.label, price.amount) for price in invoice.prices],
            provider_token=self._payment_provider_token,
        )

    def _photo_input(self, send: Send) -> str | InputFile:
        image = send.image
        assert image is not None
        if image.url:
            return image.url  # Telegram fetches it
        with self._uow_factory(read_only=True) as uow:
            file_id = photos.known_file_id(uow.session, image.key)
        if file_id:
            return file_id
        try:
            data = self._media.get(image.key)
        except MediaStoreError as exc:  # S3 in trouble: tried again later, as the network is
            raise NetworkError(f"media store: {exc}") from exc
        if data is None:
            raise PhotoMissing(image.key)
        return InputFile(data, filename=image.key.rsplit("/", 1)[-1])

    # --- outcomes, each in its own transaction ---------------------------------------------

    def _progress(self, job: Job, send: Send, file_id: str | None) -> None:
        with self._uow_factory() as uow:
            record_progress(uow.session, job.outbox_id, job.delivered)
            if file_id and send.image is not None and send.image.key:
                photos.remember_file_id(uow.session, send.image.key, file_id)
            uow.commit()

    def _sent(self, jobs: Sequence[Job]) -> None:
        with self._uow_factory() as uow:
            now = self._clock()
            mark_sent_many(
                uow.session, [(job.outbox_id, join_ids(job.delivered)) for job in jobs], now
            )
            uow.commit()
        self._settled(*(job.outbox_id for job in jobs))

    def _release(self, outbox_ids: list[int]) -> None:
        with self._uow_factory() as uow:
            release(uow.session, outbox_ids, self._clock())
            uow.commit()
        self._settled(*outbox_ids)

    def _give_up(self, job: Job, error: str) -> None:
        logger.error("outbox row %s failed for good: %s", job.outbox_id, error)
        with self._uow_factory() as uow:
            mark_failed(uow.session, job.outbox_id, error, None)
            uow.commit()
        self._settled(job.outbox_id)

    def _failed(self, job: Job, exc: TelegramError) -> None:
        now = self._clock()
        error = f"{type(exc).__name__}: {exc}"
        with self._uow_factory() as uow:
            session = uow.session
            if job.delivered:
                record_progress(session, job.outbox_id, job.delivered)
            retry_at: datetime | None
            if isinstance(exc, RetryAfter):
                seconds = _seconds(exc)
                self._limiter.pause(seconds)
                retry_at = now + timedelta(seconds=seconds)
            elif isinstance(exc, Forbidden):
                mark_unreachable(session, job.chat_id, now)
                retry_at = None
            elif isinstance(exc, BadRequest):
                retry_at = self._after_bad_request(session, job, exc, now)
            elif isinstance(exc, NetworkError):
                retry_at = self._backoff(job, now)
            else:
                retry_at = None
            mark_failed(session, job.outbox_id, error, retry_at)
            uow.commit()
        self._settled(job.outbox_id)
        level = logging.WARNING if retry_at else logging.ERROR
        logger.log(level, "outbox row %s not sent (%s); retry: %s", job.outbox_id, error, retry_at)

    def _unexpected(self, job: Job, exc: Exception) -> None:
        """Counted as an attempt like any other failure, so the row is retried with backoff
        and in the end failed, rather than taken up again after every lease for ever."""
        error = f"unexpected: {type(exc).__name__}"
        logger.error("outbox row %s: %s while sending", job.outbox_id, error, exc_info=exc)
        now = self._clock()
        retry_at = self._backoff(job, now)
        try:
            with self._uow_factory() as uow:
                if job.delivered:
                    record_progress(uow.session, job.outbox_id, job.delivered)
                mark_failed(uow.session, job.outbox_id, error, retry_at)
                uow.commit()
        except Exception as recording:  # the database too: handed back at close or lease
            logger.warning(
                "outbox row %s: not recorded (%s)", job.outbox_id, type(recording).__name__
            )
            return
        self._settled(job.outbox_id)

    def _backoff(self, job: Job, now: datetime) -> datetime | None:
        """When to try again after this attempt failed; None once attempts are used up."""
        if job.attempts + 1 >= self._max_attempts:
            return None
        return now + min(timedelta(seconds=2**job.attempts), MAX_BACKOFF)

    def _after_bad_request(
        self, session: Session, job: Job, exc: BadRequest, now: datetime
    ) -> datetime | None:
        image = job.outbound.image
        if image is None or not image.key or "file" not in str(exc).lower():
            return None
        file_id = photos.known_file_id(session, image.key)
        if file_id is None or job.attempts + 1 >= self._max_attempts:
            return None
        photos.forget_file_id(session, file_id)
        return now


def _photo_file_id(message: Message) -> str | None:
    return message.photo[-1].file_id if message.photo else None


def _seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
