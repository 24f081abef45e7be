"""`POST /webhooks/mpesa/b2c/{token}/result` and `…/timeout`: M-Pesa's answer to a payout;
`…/status/{payout}`: its answer to a transaction-status query about that payout.

Daraja signs nothing, so whoever knows the address could post. The token in the path is
compared first, in constant time, before the body is even read (a wrong one: 404, nothing
read); the body is read within a cap; then it must parse as Daraja's Result and name a payout
of ours (its OriginatorConversationID), else nothing changes and managers are alerted. The
result is recorded once, in one unit of work (a second delivery finds the payout settled),
and Daraja gets its acknowledgement.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conversations.notify import payouts as payout_notices
from handlers.bodies import read_body
from payments.mpesa.callbacks import parse_b2c_result
from payments.mpesa.errors import MalformedDarajaBody
from payments.mpesa.models import DarajaResult
from payments.mpesa.payouts import (
    RESULT_PATH,
    STATUS_PATH,
    TIMEOUT_PATH,
    Recorded,
    record_result,
    record_status,
)
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

# A Result is under two kilobytes; this leaves room and no more.
MAX_BODY_BYTES = 16 * 1024
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


def payout_webhook_routes(
    uow_factory: UnitOfWorkFactory,
    token: str,
    clock: Callable[[], datetime],
    on_refused: Callable[[], None] = lambda: None,
) -> list[Route]:
    """`on_refused` is told of each call refused for its token (metrics)."""
    expected = token.encode()

    def record(result: DarajaResult, timed_out: bool, asked_about: str | None) -> Recorded:
        with uow_factory() as uow:
            now = clock()
            if asked_about is None:
                recorded = record_result(uow.session, result, now, timed_out=timed_out)
            else:
                recorded = record_status(uow.session, asked_about, result, now)
            if recorded == Recorded.NOT_OURS:
                payout_notices.result_not_ours(uow.session, now)
            uow.commit()
        return recorded

    def endpoint(timed_out: bool, status: bool = False) -> Callable[[Request], object]:
        async def answer(request: Request) -> Response:
            given = str(request.path_params.get("token", "")).encode()
            if not expected or not hmac.compare_digest(given, expected):
                logger.warning("mpesa payout callback: wrong token")
                on_refused()
                return JSONResponse({"error": "not found"}, status_code=404)
            body = await read_body(request, MAX_BODY_BYTES)
            try:
                result = parse_b2c_result(body)
            except MalformedDarajaBody as wrong:
                logger.warning("mpesa payout callback: %s", wrong)
                return JSONResponse({"error": "not a Daraja result"}, status_code=400)
            asked_about = str(request.path_params.get("payout", "")) if status else None
            recorded = await run_in_threadpool(record, result, timed_out, asked_about)
            if recorded == Recorded.NOT_OURS:
                logger.warning("mpesa payout callback: names no payout of ours")
            else:
                logger.info("mpesa payout callback: %s", recorded.value)
            return JSONResponse(ACCEPTED)

        return answer

    return [
        Route(RESULT_PATH, endpoint(False), methods=["POST"], name="mpesa_payout_result"),
        Route(TIMEOUT_PATH, endpoint(True), methods=["POST"], name="mpesa_payout_timeout"),
        Route(STATUS_PATH, endpoint(False, True), methods=["POST"], name="mpesa_payout_status"),
    ]
