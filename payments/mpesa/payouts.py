"""Artisans paid by M-Pesa B2C, the store side: what a payout run queues, what M-Pesa's
answers do, and which payouts a status query must settle.

A run (`send_payouts`) locks each artisan, takes what she is owed less what is already in
flight to her (`ledger.available_balance`), rounds it down to whole shillings and, from
MPESA_PAYOUT_MIN_MINOR up, records a queued request and its effect: the B2C call goes out
after the commit (`payments.mpesa.payout_effects`), with the request's `originator_id` as
OriginatorConversationID, so a request sent again is the same payout to M-Pesa. A second
run, or two at once, finds the money in flight and queues nothing.

M-Pesa's result (`record_result`) is recorded once: a success posts the ledger's payout with
the receipt (and only then is the money gone from her balance); a busy M-Pesa is asked
again later; anything else fails the request, and the money is hers for the next run. A
queue timeout, or a call whose answer was lost, leaves the request `unknown`: nothing is sent
again for it until a transaction-status query (`due_for_query`, ten minutes on) says what
became of it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from payments.events import (
    PayoutDoubt,
    PayoutFailed,
    PayoutFailure,
    PayoutInDoubt,
    PayoutPaid,
    PayoutPaidAfterFailure,
)
from payments.mpesa.models import DarajaResult, msisdn
from store import events
from store.errors import NotFound
from store.models import Artisan, MpesaPayout, MpesaPayoutStatus, Payout
from store.money import Money
from store.services import effects, ledger

logger = logging.getLogger(__name__)

SEND_EFFECT: Final = "mpesa.b2c"
STATUS_EFFECT: Final = "mpesa.b2c-status"
RESULT_PATH: Final = "/webhooks/mpesa/b2c/{token}/result"
TIMEOUT_PATH: Final = "/webhooks/mpesa/b2c/{token}/timeout"
# A transaction-status result is not a payout's result (its ResultCode 0 only says the query
# worked; the payout's fate is in its ResultParameters) and names the query, not the payout:
# it comes to an address of its own that names the payout asked about.
STATUS_PATH: Final = "/webhooks/mpesa/b2c/{token}/status/{payout}"
COMPLETED: Final = "completed"  # ResultParameters' TransactionStatus of a payout made
ANSWER_WAIT: Final = timedelta(minutes=10)  # a result later than this is asked for
RETRY_WAIT: Final = timedelta(minutes=10)  # before asking a busy M-Pesa again
MOST_ATTEMPTS: Final = 5
SHILLING: Final = 100

# B2C ResultCodes, as Safaricom documents them.
BUSY: Final = frozenset({17, 26})  # internal failure, traffic blocking: ask again later
NOT_FOUND: Final = 2032  # a status query: M-Pesa has no such transaction, none was made
FAILURES: Final = {
    **dict.fromkeys((7, 12, 14, 2040), PayoutFailure.WRONG_NUMBER),
    **dict.fromkeys((2, 3, 4, 8), PayoutFailure.LIMITS),
    **dict.fromkeys((1, 5, 11, 13, 18, 20, 2001), PayoutFailure.SHOP_ACCOUNT),
}


@dataclass(frozen=True)
class PayoutUrls:
    result: str
    timeout: str
    status: str = ""  # STATUS_PATH with the token filled in and "{payout}" left

    def status_for(self, originator_id: str) -> str:
        return self.status.replace("{payout}", originator_id)


def payout_urls(public_base_url: str, token: str) -> PayoutUrls:
    base = public_base_url.rstrip("/")
    return PayoutUrls(
        result=base + RESULT_PATH.format(token=token),
        timeout=base + TIMEOUT_PATH.format(token=token),
        status=base + STATUS_PATH.replace("{token}", token),
    )


class Skip(StrEnum):
    BELOW_MINIMUM = "below the minimum"
    NO_NUMBER = "no M-Pesa number"
    NOT_MPESA = "not a Kenyan M-Pesa number"
    IN_FLIGHT = "a payout to her is in flight"


@dataclass(frozen=True)
class Queued:
    slug: str
    amount: Money
    phone: str
    originator_id: str


@dataclass(frozen=True)
class Skipped:
    slug: str
    why: Skip
    available: Money


def send_payouts(
    session: Session,
    *,
    currency: str,
    minimum_minor: int,
    now: datetime,
    slugs: Sequence[str] = (),
    requested_by_user_id: int | None = None,
) -> list[Queued | Skipped]:
    """Queue a payout to each artisan named (`slugs`; none: everyone owed money) whose
    available balance is at least `minimum_minor` and who has an M-Pesa number. Raises
    `store.errors.NotFound` for a slug that is no artisan's."""
    outcomes: list[Queued | Skipped] = []
    for artisan in _artisans(session, currency, slugs):
        ledger.lock_artisan(session, artisan.id)
        outcome = _queue_one(session, artisan, currency, minimum_minor, now, requested_by_user_id)
        if outcome is None and slugs:  # named, owed nothing
            outcome = Skipped(artisan.slug, Skip.BELOW_MINIMUM, Money(0, currency))
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def _artisans(session: Session, currency: str, slugs: Sequence[str]) -> list[Artisan]:
    if slugs:
        found = {a.slug: a for a in session.scalars(select(Artisan).where(Artisan.slug.in_(slugs)))}
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise NotFound("artisan", missing[0])
        return [found[slug] for slug in dict.fromkeys(slugs)]
    owed = [artisan_id for artisan_id, _ in ledger.owed_to_artisans(session, currency)]
    by_id = {a.id: a for a in session.scalars(select(Artisan).where(Artisan.id.in_(owed)))}
    return [by_id[artisan_id] for artisan_id in owed]


def _queue_one(
    session: Session,
    artisan: Artisan,
    currency: str,
    minimum_minor: int,
    now: datetime,
    requested_by_user_id: int | None,
) -> Queued | Skipped | None:
    """Her payout queued, why not, or None: nothing owed and nobody asked for her."""
    available = ledger.available_balance(session, artisan.id, currency)
    amount = Money(available.amount - available.amount % SHILLING, currency)
    if amount.amount < max(minimum_minor, SHILLING):
        if ledger.in_flight(session, artisan.id, currency).amount:
            return Skipped(artisan.slug, Skip.IN_FLIGHT, available)
        return Skipped(artisan.slug, Skip.BELOW_MINIMUM, available) if available.amount else None
    if not artisan.mpesa_phone:
        return Skipped(artisan.slug, Skip.NO_NUMBER, available)
    try:
        msisdn(artisan.mpesa_phone)
    except ValueError:
        return Skipped(artisan.slug, Skip.NOT_MPESA, available)
    request = MpesaPayout(
        originator_id=f"soko-{uuid.uuid4().hex}",
        artisan_id=artisan.id,
        amount_minor=amount.amount,
        currency=currency,
        phone=artisan.mpesa_phone,
        status=MpesaPayoutStatus.QUEUED,
        result_desc="",
        attempts=0,
        requested_by_user_id=requested_by_user_id,
        created_at=now,
    )
    session.add(request)
    session.flush()
    _record_send(session, request, now)
    return Queued(artisan.slug, amount, artisan.mpesa_phone, request.originator_id)


def _record_send(session: Session, request: MpesaPayout, now: datetime) -> None:
    key = f"{SEND_EFFECT}:{request.originator_id}:{request.attempts + 1}"
    effects.record(session, SEND_EFFECT, key, {"payout": request.originator_id}, now, due_at=now)


def by_originator(
    session: Session, originator_id: str, *, lock: bool = False
) -> MpesaPayout | None:
    query = select(MpesaPayout).where(MpesaPayout.originator_id == originator_id)
    return session.scalar(query.with_for_update() if lock else query)


# --- what the B2C call answered (the effect's result) -----------------------------------


def record_sent(session: Session, originator_id: str, conversation_id: str, now: datetime) -> None:
    """Daraja accepted the request: in flight until M-Pesa's result comes."""
    request = by_originator(session, originator_id, lock=True)
    if request is None:
        return
    request.conversation_id = request.conversation_id or conversation_id
    if request.status == MpesaPayoutStatus.QUEUED:  # a fast result may have come first
        request.status = MpesaPayoutStatus.SENT
        request.attempts += 1
        request.sent_at = now


def record_maybe_sent(session: Session, originator_id: str, now: datetime) -> None:
    """The call's answer was lost: Daraja may have taken it. Only a status query may say
    whether to send it again."""
    request = by_originator(session, originator_id, lock=True)
    if request is not None and request.status == MpesaPayoutStatus.QUEUED:
        request.status = MpesaPayoutStatus.UNKNOWN
        request.attempts += 1
        request.sent_at = now


def record_refused(session: Session, originator_id: str, error: str, now: datetime) -> None:
    """Daraja refused the request (or could not be reached however often tried): nothing
    was paid, the money stays hers, managers are told (its words are in the listing)."""
    request = by_originator(session, originator_id, lock=True)
    if request is not None and request.status == MpesaPayoutStatus.QUEUED:
        _fail(session, request, PayoutFailure.REFUSED, None, error, now)


# --- M-Pesa's result, posted to ResultURL (or QueueTimeOutURL) ---------------------------


class Recorded(StrEnum):
    PAID = "paid"
    FAILED = "failed"
    AGAIN = "asked again"  # busy, or never made: sent again
    UNKNOWN = "unknown"  # timed out in Daraja's queue: a status query settles it
    DUPLICATE = "duplicate"  # already settled: nothing changes
    NOT_OURS = "not ours"  # no request of ours has this OriginatorConversationID


def record_result(
    session: Session, result: DarajaResult, now: datetime, *, timed_out: bool = False
) -> Recorded:
    """Apply M-Pesa's result to the request it names, once."""
    request = by_originator(session, result.originator_conversation_id, lock=True)
    if request is None:
        return Recorded.NOT_OURS
    failed = request.status == MpesaPayoutStatus.FAILED
    if request.status == MpesaPayoutStatus.PAID or (failed and (timed_out or not result.succeeded)):
        return Recorded.DUPLICATE
    if failed:  # M-Pesa paid after all: the ledger must say so, or she is paid twice
        logger.error("mpesa payout %s: M-Pesa paid it after it was failed", request.id)
    request.conversation_id = request.conversation_id or result.conversation_id or None
    if timed_out:
        request.status = MpesaPayoutStatus.UNKNOWN
        request.checked_at = now
        return Recorded.UNKNOWN
    request.result_code = result.result_code
    request.result_desc = result.result_desc[:200]
    request.answered_at = now
    if result.succeeded:
        receipt = result.receipt
        if not receipt:
            logger.warning("mpesa payout %s: a success without a receipt", request.id)
            request.status = MpesaPayoutStatus.UNKNOWN
            return Recorded.UNKNOWN
        payout = _pay(session, request, receipt, now)
        if failed:
            events.publish(session, PayoutPaidAfterFailure(payout), now)
        return Recorded.PAID
    if result.result_code == NOT_FOUND or (
        result.result_code in BUSY and request.attempts < MOST_ATTEMPTS
    ):
        wait = timedelta(0) if result.result_code == NOT_FOUND else RETRY_WAIT
        request.status = MpesaPayoutStatus.QUEUED
        _record_send(session, request, now + wait)
        return Recorded.AGAIN
    why = FAILURES.get(result.result_code)
    if why is None:
        why = PayoutFailure.UNANSWERED if result.result_code in BUSY else PayoutFailure.REFUSED
    _fail(session, request, why, result.result_code, result.result_desc, now)
    return Recorded.FAILED


def _pay(session: Session, request: MpesaPayout, receipt: str, now: datetime) -> Payout:
    payout = ledger.record_mpesa_payout(session, request, receipt, now)
    request.status = MpesaPayoutStatus.PAID
    request.receipt = payout.mpesa_reference
    request.payout_id = payout.id
    events.publish(session, PayoutPaid(payout), now)
    return payout


# --- a transaction-status query's result (STATUS_PATH) ------------------------------------


def record_status(
    session: Session, originator_id: str, result: DarajaResult, now: datetime
) -> Recorded:
    """What a transaction-status query about the payout `originator_id` found. Paid only
    when M-Pesa says the transaction completed, with its receipt and the payout's amount;
    "not found": never made, so it is sent again (the same OriginatorConversationID); the
    query refused, or any other answer: it stays unknown (nothing is sent again) and
    managers are told to look."""
    request = by_originator(session, originator_id, lock=True)
    if request is None:
        return Recorded.NOT_OURS
    if request.status in (MpesaPayoutStatus.PAID, MpesaPayoutStatus.FAILED):
        if request.status == MpesaPayoutStatus.FAILED and _completed(result):
            return record_result(session, _as_payout_result(request, result), now)
        return Recorded.DUPLICATE
    if request.status == MpesaPayoutStatus.QUEUED:  # already being sent again
        return Recorded.DUPLICATE
    request.checked_at = now
    if result.result_code == NOT_FOUND:
        request.status = MpesaPayoutStatus.QUEUED
        _record_send(session, request, now)
        return Recorded.AGAIN
    if _completed(result):
        receipt = result.parameters.get("ReceiptNo", "").strip()
        amount = _amount(result)
        if receipt and amount == request.amount_minor:
            request.result_code = 0
            request.result_desc = result.result_desc[:200]
            request.answered_at = now
            _pay(session, request, receipt, now)
            return Recorded.PAID
        logger.error("mpesa payout %s: completed, but no receipt or another amount", request.id)
    request.status = MpesaPayoutStatus.UNKNOWN
    doubt = PayoutDoubt.STATUS_UNCLEAR if result.succeeded else PayoutDoubt.STATUS_REFUSED
    unclear(session, request, doubt, now)
    return Recorded.UNKNOWN


def unclear(session: Session, request: MpesaPayout, doubt: PayoutDoubt, now: datetime) -> None:
    """Managers told that a payout is held until someone finds out what became of it."""
    amount = Money(request.amount_minor, request.currency)
    events.publish(session, PayoutInDoubt(request.artisan_id, amount, request.phone, doubt), now)


def _completed(result: DarajaResult) -> bool:
    status = result.parameters.get("TransactionStatus", "")
    return result.succeeded and status.strip().lower() == COMPLETED


def _amount(result: DarajaResult) -> int | None:
    try:
        return result.amount_minor
    except ValueError:
        return None


def _as_payout_result(request: MpesaPayout, result: DarajaResult) -> DarajaResult:
    """A completed status result of a payout already failed, as the payout's own success."""
    receipt = result.parameters.get("ReceiptNo", "").strip()
    if _amount(result) != request.amount_minor:
        receipt = ""
    return DarajaResult(
        result_code=0,
        result_desc=result.result_desc,
        originator_conversation_id=request.originator_id,
        conversation_id="",
        transaction_id=receipt,
        parameters={"TransactionReceipt": receipt} if receipt else {},
    )


def _fail(
    session: Session,
    request: MpesaPayout,
    why: PayoutFailure,
    code: int | None,
    desc: str,
    now: datetime,
) -> None:
    request.status = MpesaPayoutStatus.FAILED
    request.result_code = code
    request.result_desc = desc[:200]
    request.answered_at = now
    amount = Money(request.amount_minor, request.currency)
    events.publish(session, PayoutFailed(request.artisan_id, amount, request.phone, why), now)


# --- the status-query job -----------------------------------------------------------------


def due_for_query(session: Session, now: datetime, *, wait: timedelta = ANSWER_WAIT) -> int:
    """Ask what became of every request in flight with no result `wait` after it was sent
    (or last asked about): a transaction-status query each, its result posted to the same
    ResultURL. How many were asked about."""
    last_asked = func.coalesce(MpesaPayout.checked_at, MpesaPayout.sent_at)
    due = session.scalars(
        select(MpesaPayout)
        .where(
            MpesaPayout.status.in_((MpesaPayoutStatus.SENT, MpesaPayoutStatus.UNKNOWN)),
            last_asked <= now - wait,
        )
        .order_by(MpesaPayout.id)
        .with_for_update(skip_locked=True)
    ).all()
    for request in due:
        _ask(session, request, now)
    return len(due)


def unresolved(session: Session) -> list[MpesaPayout]:
    """Requests in flight (queued, sent, unknown), oldest first: what reconcile asks about."""
    return list(
        session.scalars(
            select(MpesaPayout)
            .where(
                MpesaPayout.status.in_(
                    (MpesaPayoutStatus.QUEUED, MpesaPayoutStatus.SENT, MpesaPayoutStatus.UNKNOWN)
                )
            )
            .order_by(MpesaPayout.id)
        )
    )


def ask_now(session: Session, requests: Iterable[MpesaPayout], now: datetime) -> int:
    """A status query for each of `requests` sent (or maybe sent), whatever the time: what
    `soko admin reconcile` does. Queued ones still have their send to come."""
    asked = 0
    for request in requests:
        if request.status in (MpesaPayoutStatus.SENT, MpesaPayoutStatus.UNKNOWN):
            _ask(session, request, now)
            asked += 1
    return asked


def _ask(session: Session, request: MpesaPayout, now: datetime) -> None:
    request.checked_at = now
    key = f"{STATUS_EFFECT}:{request.originator_id}:{int(now.timestamp())}"
    effects.record(session, STATUS_EFFECT, key, {"payout": request.originator_id}, now)


# --- listing (`soko admin payouts`) -------------------------------------------------------


def recent(session: Session, limit: int = 50) -> list[tuple[MpesaPayout, Artisan]]:
    """The latest requests, newest first, with their artisans."""
    rows = session.execute(
        select(MpesaPayout, Artisan)
        .join(Artisan, Artisan.id == MpesaPayout.artisan_id)
        .order_by(MpesaPayout.id.desc())
        .limit(limit)
    )
    return [(request, artisan) for request, artisan in rows]
