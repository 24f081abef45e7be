"""`POST /webhooks/mpesa/stk/{token}`: the STK push callback Daraja posts once the buyer
answered the prompt (or did not).

Daraja signs nothing: the secret in the path (MPESA_CALLBACK_TOKEN) is compared in constant
time before anything else. A wrong one gets 404 with nothing read (not the body, not the
database); it is counted (metrics' signature failures) and community managers are alerted
after the answer, at most once per alert window (held in this process too, so a flood of
probes costs the database one write per window).

With the right token the body is read within a cap (`handlers.bodies`), parsed strictly, and
recorded on its push (`payments.mpesa.stk_results.record_callback`: a push we sent and that
is still open, once). Daraja gets `{"ResultCode": 0, "ResultDesc": "Accepted"}` at once,
whatever the callback named, so it stops sending it: a callback for a push we never sent or
closed changes nothing and alerts the managers. Nothing is paid here: the STK query queued
by the recording (an effect, after the commit) confirms the payment first.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from handlers.bodies import read_body
from payments.events import PhonePaymentDoubt, PhonePaymentDoubted
from payments.mpesa.callbacks import parse_stk_callback
from payments.mpesa.errors import MalformedDarajaBody
from payments.mpesa.models import StkCallback
from payments.mpesa.stk import CALLBACK_PATH
from payments.mpesa.stk_results import CallbackOutcome, record_callback
from store import events
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

# An STK callback is well under a kilobyte.
MAX_BODY_BYTES = 16 * 1024
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}
PROBE_ALERT_WINDOW = timedelta(minutes=15)


class _Window:
    """At most one alert per window from this process."""

    def __init__(self, window: timedelta) -> None:
        self._seconds = window.total_seconds()
        self._last: float | None = None
        self._lock = threading.Lock()

    def open(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._last is not None and now - self._last < self._seconds:
                return False
            self._last = now
            return True


def stk_webhook_routes(
    uow_factory: UnitOfWorkFactory,
    token: str,
    clock: Callable[[], datetime],
    on_refused: Callable[[], None] = lambda: None,
) -> list[Route]:
    """`on_refused` is told of each call refused for its token (metrics)."""
    expected = token.encode()
    probes = _Window(PROBE_ALERT_WINDOW)

    def alert_probe() -> None:
        try:
            with uow_factory() as uow:
                doubted = PhonePaymentDoubted(PhonePaymentDoubt.WRONG_TOKEN)
                events.publish(uow.session, doubted, clock())
                uow.commit()
        except Exception:
            logger.exception("M-Pesa callback with a wrong token: the alert was not written")

    def record(callback: StkCallback) -> CallbackOutcome:
        with uow_factory() as uow:
            outcome = record_callback(uow.session, callback, clock())
            uow.commit()
        return outcome

    async def webhook(request: Request) -> Response:
        given = str(request.path_params.get("token", "")).encode()
        if not hmac.compare_digest(given, expected):
            on_refused()
            logger.warning("M-Pesa callback with a wrong token: refused")
            task = BackgroundTask(alert_probe) if probes.open() else None
            return JSONResponse({"error": "not found"}, status_code=404, background=task)
        body = await read_body(request, MAX_BODY_BYTES)
        try:
            callback = parse_stk_callback(body)
        except MalformedDarajaBody as wrong:
            logger.warning("M-Pesa callback refused: %s", wrong)
            return JSONResponse({"ResultCode": 1, "ResultDesc": "Rejected"}, status_code=400)
        outcome = await run_in_threadpool(record, callback)
        logger.info("M-Pesa callback %s: %s", callback.checkout_request_id, outcome.value)
        return JSONResponse(ACCEPTED)

    return [Route(CALLBACK_PATH, webhook, methods=["POST"], name="mpesa_stk_callback")]
