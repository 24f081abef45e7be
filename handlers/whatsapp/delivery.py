"""The outbox → Twilio's Messages API, within WhatsApp's rules.

One pass (`deliver_due`):

1. *claim* due WhatsApp rows in a short transaction, moving their `next_attempt_at` a lease
   ahead so other workers skip them (PostgreSQL also skips the locked rows) — no transaction is
   held open while Twilio is called;
2. *send* each one: inside the 24-hour window as rendered freely (`render`); outside it as its
   approved utility template, if it names one and it is provisioned; otherwise it is HELD until
   the person writes again (`window`);
3. *record* the outcome: sent (with the Twilio SID, which status callbacks refer to), retried
   later with backoff (429 / 20429, 63018 and other passing trouble, network errors), held
   (63016: Twilio says the window is closed), or failed — logged at WARNING, never silent.
   Anything unexpected (a bug, an answer the SDK cannot read) is an attempt like any other.

Throughput stays under Twilio's 80 messages per second per sender: never more than 80 in any
one-second window (`RateLimiter`). A message
that takes several Twilio messages (long text, image then buttons) records how many parts went
out, so a retry does not repeat them.

While `run` runs, a thread of its own renews the leases of the rows claimed (short, `LEASE`)
every `RENEW_SECONDS`, so the rows of a sender that died are due again within seconds, and
beats the sender's heartbeat (`delivery:whatsapp`) every `BEAT_SECONDS`, idle or not; each in
a unit of work of its own.

Stopping (`close`): no new claim and no new send; the send in flight has a grace period, then
every row still claimed is handed back (due again at once), whether the thread sending it
finished or is stuck waiting for Twilio.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from sqlalchemy import select, update
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from conversations.messages import ImageRef, Outbound
from conversations.outbox import (
    due_messages,
    mark_failed,
    mark_sent,
    mark_unreachable,
    outbound_of,
    release,
    renew_claims,
)
from handlers.rate_window import SlidingWindow
from handlers.whatsapp import window
from handlers.whatsapp.render import TwilioMessage, render, render_template
from handlers.whatsapp.templates import TemplateSids
from store import heartbeats
from store.db import is_database_busy
from store.models import Channel, OutboxMessage, User
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

MESSAGES_PER_SECOND = 80  # Twilio's WhatsApp throughput per sender
RATE_LIMIT_CODES = frozenset({20429, 63018})
TRANSIENT_CODES = RATE_LIMIT_CODES | {30001, 30008}  # queue overflow, unknown error
WINDOW_CLOSED_CODES = frozenset({63016})
# The number is not on WhatsApp / not a valid recipient: trying again cannot help.
UNREACHABLE_CODES = frozenset({63003, 63024})
MAX_ATTEMPTS = 10
LEASE = timedelta(seconds=10)  # renewed every RENEW_SECONDS while the rows are held
RENEW_SECONDS = 3.0
BEAT_SECONDS = 5.0
HEARTBEAT = heartbeats.delivery(Channel.WHATSAPP.value)
PARTS_KEY = "whatsapp_parts_sent"


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, … at most 15 minutes."""
    return timedelta(seconds=min(5 * 2 ** max(attempts, 0), 900))


class RateLimiter:
    """At most `rate` messages in any one-second window for one sender number (a sliding
    window shared by the threads sending for it): the one sending process's limit is the
    fleet's. A send holds its place from its start until Twilio answers (`with slot():`),
    then counts for a second: whenever it reached Twilio, no second there holds more."""

    RECHECK_SECONDS = 0.02  # the window is full of sends in flight: one may end any moment

    def __init__(
        self,
        rate: int = MESSAGES_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._window = SlidingWindow(rate, 1.0)
        self._clock = clock
        self._sleep = sleep
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        while True:
            with self._lock:
                now = self._clock()
                wait = max(self._paused_until - now, self._window.wait(now))
                if wait <= 0:
                    self._window.reserve()
                    break
            self._sleep(min(wait, self.RECHECK_SECONDS) if math.isinf(wait) else wait)
        try:
            yield
        finally:
            with self._lock:
                self._window.release(self._clock())

    def pause(self, seconds: float) -> None:
        """Twilio said "too many": everyone sending for this number waits a little."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)


@dataclass(frozen=True)
class _Claim:
    id: int
    phone: str
    outbound: Outbound
    template: str
    attempts: int
    parts_sent: int
    locale: str
    last_inbound_at: datetime | None
    leased_until: datetime


@dataclass
class DeliveryReport:
    sent: int = 0
    held: int = 0
    retried: int = 0
    failed: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)


class WhatsAppDelivery:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        client: Client,
        *,
        sender: str,
        status_callback: str,
        templates: Callable[[], TemplateSids],
        image_url: Callable[[str], str],
        limiter: RateLimiter | None = None,
        clock: Callable[[], datetime] = utcnow,
        batch: int = 50,
        lease: timedelta = LEASE,
        renew_every: float = RENEW_SECONDS,
    ) -> None:
        self._uow_factory = uow_factory
        self._client = client
        self._sender = sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}"
        self._status_callback = status_callback
        self._templates = templates
        self._image_url = image_url
        self._limiter = limiter or RateLimiter()
        self._clock = clock
        self._batch = batch
        self._lease = lease
        self._renew_every = renew_every
        # Rows claimed and not settled yet, with when their lease ends; notified as they
        # settle (for `close`).
        self._claimed: dict[int, datetime] = {}
        self._claims = threading.Condition()
        self._closed = False
        self._woken = threading.Event()
        self._upkeep_over = threading.Event()

    def deliver_due(self) -> DeliveryReport:
        report = DeliveryReport()
        templates = self._templates()
        claims = self._claim()
        for n, claim in enumerate(claims):
            if self._closed:  # stopping: the rest is handed back rather than sent
                self._hand_back([c.id for c in claims[n:]])
                break
            try:
                outcome = self._deliver(claim, templates)
            except Exception as exc:  # a bug, or an answer nobody could read
                outcome = self._unexpected(claim, None, exc)
            self._settled(claim.id)
            report.outcomes[claim.id] = outcome
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    def wake(self) -> None:
        """Messages were queued: `run` looks at once rather than after its idle wait. Any
        thread may call it."""
        self._woken.set()

    def close(self, grace: float) -> None:
        """Stop: no new claims, no new sends; wait up to `grace` seconds for the send in
        flight, then hand back every row still claimed."""
        self._woken.set()  # `run` waiting idle sees the stop now
        with self._claims:
            self._closed = True
            self._claims.wait_for(lambda: not self._claimed, timeout=grace)
            stuck = list(self._claimed)
        if stuck:
            self._hand_back(stuck)
            logger.info("whatsapp: %s message(s) in flight handed back", len(stuck))
        self._upkeep_over.set()

    def run(self, stop: threading.Event, idle_seconds: float = 1.0) -> None:
        """Deliver until `stop` is set (and `close` called, or within `idle_seconds`); a pass
        that found nothing waits until `wake` (messages queued), or `idle_seconds` for
        retries that came due). Leases are renewed and the heartbeat beaten meanwhile, until
        `close` ends."""
        threading.Thread(target=self._keep_up, name="whatsapp-upkeep", daemon=True).start()
        while not stop.is_set():
            self._woken.clear()  # before the pass: a message queued during it wakes the next
            try:
                report = self.deliver_due()
            except Exception as exc:  # a database hiccup must not end delivery for good
                if not is_database_busy(exc):
                    logger.exception("whatsapp delivery pass failed")
                else:
                    logger.warning(
                        "whatsapp delivery: the database is busy (%s)", type(exc).__name__
                    )
                report = DeliveryReport()
            if not report.outcomes:
                self._woken.wait(idle_seconds)

    # --- upkeep: leases and heartbeat -----------------------------------------------------

    def _keep_up(self) -> None:
        renewed = beaten = -float("inf")
        tick = min(self._renew_every, BEAT_SECONDS) / 3
        while True:
            now = time.monotonic()
            try:
                if now - beaten >= BEAT_SECONDS:
                    beaten = now
                    self._beat()
                if now - renewed >= self._renew_every:
                    renewed = now
                    self._renew()
            except Exception as exc:  # the database busy or away: the next tick tries again
                logger.warning("whatsapp: renewal or heartbeat failed (%s)", type(exc).__name__)
            if self._upkeep_over.wait(tick):
                return

    def _beat(self) -> None:
        with self._uow_factory() as uow:
            heartbeats.beat(uow.session, HEARTBEAT, self._clock())
            uow.commit()

    def _renew(self) -> None:
        """One statement for every row still held (those settled meanwhile are left alone:
        their lease is no longer the one this sender set)."""
        with self._claims:
            if not self._claimed:
                return
            until = self._clock() + self._lease
            with self._uow_factory() as uow:
                renewed = renew_claims(
                    uow.session, list(self._claimed), set(self._claimed.values()), until
                )
                uow.commit()
            for outbox_id in renewed & self._claimed.keys():
                self._claimed[outbox_id] = until

    # --- claim ---------------------------------------------------------------------------

    def _claim(self) -> list[_Claim]:
        with self._claims:
            if self._closed:
                return []
            claims = self._claim_due()
            self._claimed.update((claim.id, claim.leased_until) for claim in claims)
        return claims

    def _settled(self, *outbox_ids: int) -> None:
        with self._claims:
            for outbox_id in outbox_ids:
                self._claimed.pop(outbox_id, None)
            self._claims.notify_all()

    def _hand_back(self, outbox_ids: list[int]) -> None:
        with self._uow_factory() as uow:
            release(uow.session, outbox_ids, self._clock())
            uow.commit()
        self._settled(*outbox_ids)

    def _claim_due(self) -> list[_Claim]:
        now = self._clock()
        with self._uow_factory() as uow:
            session = uow.session
            rows = due_messages(session, now, self._batch, channel=Channel.WHATSAPP)
            if not rows:
                return []
            locales = dict(
                session.execute(
                    select(User.id, User.locale).where(User.id.in_({r.user_id for r in rows}))
                ).all()
            )
            claims = [
                _Claim(
                    id=row.id,
                    phone=row.platform_user_id,
                    outbound=outbound_of(row),
                    template=row.template,
                    attempts=row.attempts,
                    parts_sent=int(row.payload.get(PARTS_KEY, 0)),
                    locale=locales.get(row.user_id, "en"),
                    last_inbound_at=window.last_inbound_at(session, row.platform_user_id),
                    leased_until=now + self._lease,
                )
                for row in rows
            ]
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([c.id for c in claims]))
                .values(next_attempt_at=now + self._lease)
                .execution_options(synchronize_session=False)
            )
            uow.commit()
        return claims

    # --- send ----------------------------------------------------------------------------

    def _deliver(self, claim: _Claim, templates: TemplateSids) -> str:
        now = self._clock()
        if window.is_open(claim.last_inbound_at, now):
            messages = render(
                claim.outbound, image_url=self._url_of, templates=templates, locale=claim.locale
            )
        else:
            as_template = (
                render_template(claim.outbound, claim.template, templates, claim.locale)
                if claim.template
                else None
            )
            if as_template is None:
                return self._hold(claim, "outside the 24-hour window, no template")
            messages = [as_template]
        sid = ""
        for part, message in enumerate(messages):
            if part < claim.parts_sent:
                continue
            try:
                sid = self._send(claim.phone, message, claim.id, part)
            except TwilioRestException as exc:
                return self._refused(claim, part, exc)
            except (TwilioException, requests.RequestException) as exc:
                return self._retry(claim, part, f"network: {type(exc).__name__}")
            except Exception as exc:
                return self._unexpected(claim, part, exc)
            if part + 1 < len(messages):
                self._record_parts(claim.id, part + 1)
        with self._uow_factory() as uow:
            mark_sent(uow.session, claim.id, sid, self._clock())
            uow.commit()
        return "sent"

    def _send(self, phone: str, message: TwilioMessage, outbox_id: int, part: int) -> str:
        # The row and part travel in the callback's address: a long message's earlier parts
        # have SIDs the row does not keep, and their failures must still reach it.
        callback = f"{self._status_callback}?{urlencode({'outbox': outbox_id, 'part': part})}"
        with self._limiter.slot():
            created: Any = self._client.messages.create(
                to=f"whatsapp:{phone}",
                from_=self._sender,
                status_callback=callback,
                **message.create_kwargs(),
            )
        return str(created.sid)

    def _url_of(self, image: ImageRef) -> str:
        return image.url or self._image_url(image.key)

    # --- record --------------------------------------------------------------------------

    def _refused(self, claim: _Claim, part: int, exc: TwilioRestException) -> str:
        code = int(exc.code or 0)
        if exc.status == 429 or code in RATE_LIMIT_CODES:
            self._limiter.pause(1.0)
        if code in WINDOW_CLOSED_CODES:
            self._record_parts(claim.id, part)
            return self._hold(claim, f"twilio {code}: outside the 24-hour window")
        if exc.status == 429 or exc.status >= 500 or code in TRANSIENT_CODES:
            return self._retry(claim, part, f"twilio {exc.status}/{code}")
        if code in UNREACHABLE_CODES:
            with self._uow_factory() as uow:
                mark_unreachable(uow.session, Channel.WHATSAPP, claim.phone, self._clock())
                uow.commit()
        return self._fail(claim, f"twilio {exc.status}/{code}")

    def _unexpected(self, claim: _Claim, part: int | None, exc: Exception) -> str:
        """Counted as an attempt like any other failure, so the row is retried with backoff
        and in the end failed, rather than taken up again after every lease for ever."""
        error = f"unexpected: {type(exc).__name__}"
        logger.error("outbox row %s: %s while sending", claim.id, error, exc_info=exc)
        try:
            return self._retry(claim, part, error)
        except Exception as recording:  # the database too: out again after the lease
            logger.warning("outbox row %s: not recorded (%s)", claim.id, type(recording).__name__)
            return "retried"

    def _retry(self, claim: _Claim, part: int | None, error: str) -> str:
        """Again after a backoff (`part`: how many parts went out, when known)."""
        if claim.attempts + 1 >= MAX_ATTEMPTS:
            return self._fail(claim, f"{error}, gave up after {claim.attempts + 1} attempts")
        if part is not None:
            self._record_parts(claim.id, part)
        retry_at = self._clock() + backoff(claim.attempts)
        with self._uow_factory() as uow:
            mark_failed(uow.session, claim.id, error, retry_at)
            uow.commit()
        logger.info("outbox row %s: %s; retry at %s", claim.id, error, retry_at.isoformat())
        return "retried"

    def _fail(self, claim: _Claim, error: str) -> str:
        with self._uow_factory() as uow:
            mark_failed(uow.session, claim.id, error, None)
            uow.commit()
        logger.warning("outbox row %s: whatsapp message NOT delivered: %s", claim.id, error)
        return "failed"

    def _hold(self, claim: _Claim, reason: str) -> str:
        with self._uow_factory() as uow:
            window.hold(uow.session, claim.id, reason)
            uow.commit()
        logger.info("outbox row %s held: %s", claim.id, reason)
        return "held"

    def _record_parts(self, outbox_id: int, parts: int) -> None:
        with self._uow_factory() as uow:
            row = uow.session.get(OutboxMessage, outbox_id)
            if row is not None and row.payload.get(PARTS_KEY, 0) != parts:
                row.payload = {**row.payload, PARTS_KEY: parts}
                uow.commit()
