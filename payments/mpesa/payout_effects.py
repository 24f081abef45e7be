"""The Daraja calls of a payout, run as effects (after the commit that queued them, outside
any transaction): the B2C request, and the transaction-status query of one not answered.
Their results come back in units of work of their own (`payments.mpesa.payouts`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from payments.events import PayoutDoubt
from payments.mpesa.client import DarajaClient
from payments.mpesa.errors import DarajaUnavailable, MalformedDarajaBody
from payments.mpesa.models import B2CRequest, TransactionStatusRequest
from payments.mpesa.payouts import (
    SEND_EFFECT,
    STATUS_EFFECT,
    PayoutUrls,
    by_originator,
    record_maybe_sent,
    record_refused,
    record_sent,
    unclear,
)
from store.effect_runner import EffectKind
from store.models import MpesaPayoutStatus
from store.services.effects import Claimed
from store.uow import UnitOfWorkFactory

REMARKS = "Soko payout"
SEND_ATTEMPTS = 10  # calls that never reached Daraja, with backoff: about twenty minutes


def _never_received(exc: BaseException) -> bool:
    """Worth sending again: Daraja cannot have acted on it (no connection, throttled)."""
    return isinstance(exc, DarajaUnavailable) and not exc.maybe_received


def _query_failed(exc: BaseException) -> bool:
    return isinstance(exc, DarajaUnavailable)


def payout_effect_kinds(
    client: DarajaClient, urls: PayoutUrls, uow_factory: UnitOfWorkFactory
) -> list[EffectKind]:
    def send(claimed: Claimed) -> Mapping[str, Any]:
        originator = str(claimed.payload["payout"])
        with uow_factory(read_only=True) as uow:
            request = by_originator(uow.session, originator)
            if request is None or request.status != MpesaPayoutStatus.QUEUED:
                return {"outcome": "skipped"}
            b2c = B2CRequest(
                originator_conversation_id=originator,
                amount_minor=request.amount_minor,
                currency=request.currency,
                phone=request.phone,
                remarks=REMARKS,
                result_url=urls.result,
                timeout_url=urls.timeout,
            )
        try:
            accepted = client.b2c(b2c)
        except DarajaUnavailable as lost:
            if not lost.maybe_received:
                raise
            return {"outcome": "unknown"}
        except MalformedDarajaBody:  # a 200 Daraja garbled: it took the request
            return {"outcome": "unknown"}
        return {"outcome": "sent", "conversation_id": accepted.conversation_id}

    def sent(session: Session, claimed: Claimed, result: Mapping[str, Any], now: datetime) -> None:
        originator = str(claimed.payload["payout"])
        if result.get("outcome") == "sent":
            record_sent(session, originator, str(result["conversation_id"]), now)
        elif result.get("outcome") == "unknown":
            record_maybe_sent(session, originator, now)

    def refused(session: Session, claimed: Claimed, error: str, now: datetime) -> None:
        record_refused(session, str(claimed.payload["payout"]), error, now)

    def query(claimed: Claimed) -> Mapping[str, Any]:
        originator = str(claimed.payload["payout"])
        asked = client.transaction_status(
            TransactionStatusRequest(
                result_url=urls.status_for(originator),
                timeout_url=urls.status_for(originator),  # a queue timeout: still unknown
                originator_conversation_id=originator,
                remarks=REMARKS,
            )
        )
        return {"conversation_id": asked.conversation_id}

    def queried(
        session: Session, claimed: Claimed, result: Mapping[str, Any], now: datetime
    ) -> None:
        """Nothing to write: the result comes to the ResultURL."""

    def query_refused(session: Session, claimed: Claimed, error: str, now: datetime) -> None:
        """Daraja would not even say: the payout stays held, so managers must know."""
        request = by_originator(session, str(claimed.payload["payout"]), lock=True)
        if request is not None and request.status == MpesaPayoutStatus.UNKNOWN:
            unclear(session, request, PayoutDoubt.STATUS_REFUSED, now)
        elif request is not None and request.status == MpesaPayoutStatus.SENT:
            request.status = MpesaPayoutStatus.UNKNOWN
            unclear(session, request, PayoutDoubt.STATUS_REFUSED, now)

    return [
        EffectKind(SEND_EFFECT, send, sent, refused, _never_received, SEND_ATTEMPTS),
        EffectKind(STATUS_EFFECT, query, queried, query_refused, _query_failed),
    ]
