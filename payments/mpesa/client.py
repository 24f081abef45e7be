"""`DarajaClient`: Safaricom's Daraja API over httpx, synchronous, typed.

Every call has explicit timeouts (connect 5 s, read 15 s by default). The OAuth token is
cached until `expires_in` less a margin, shared by threads (one fetch at a time), and fetched
again once when Daraja answers 401 to it.

Retries. Queries (OAuth, STK query, transaction status) change nothing at Safaricom, so a
timeout, a lost connection, a 5xx or a 429 is tried again, `retries` times at most with a
doubling pause. A request that moves money or buzzes a phone (STK push, B2C) is tried again
only when the failure proves Safaricom never acted on it: the connection could not be made
(no byte of the request left), Daraja's gateway refused the token (401, before the request
reached M-Pesa; tried once with a fresh token) or throttled it (429). After a read timeout, a
dropped connection mid-answer or a 5xx the request may have been taken: `DarajaUnavailable`
with `maybe_received=True`, and the caller checks (STK query, transaction status by its
OriginatorConversationID) before asking again — a second push would prompt the buyer twice,
a second B2C could pay twice.

Nothing secret (consumer secret, passkey, password, token, security credential) is logged or
put in an exception: logs name the path and the status; errors carry Daraja's errorCode and
errorMessage, scrubbed of the secrets all the same.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import httpx

from payments.mpesa.credentials import security_credential, stk_password, timestamp
from payments.mpesa.errors import (
    DarajaAuthFailed,
    DarajaError,
    DarajaRefused,
    DarajaUnavailable,
    MalformedDarajaBody,
)
from payments.mpesa.models import (
    B2CAccepted,
    B2CRequest,
    RequestAccepted,
    StkPushAccepted,
    StkPushRequest,
    StkQueryResult,
    TransactionStatusAccepted,
    TransactionStatusRequest,
)

log = logging.getLogger(__name__)

OAUTH_PATH: Final = "/oauth/v1/generate"
STK_PUSH_PATH: Final = "/mpesa/stkpush/v1/processrequest"
STK_QUERY_PATH: Final = "/mpesa/stkpushquery/v1/query"
# v3 takes the caller's OriginatorConversationID (v1 makes its own), so a payout's result and
# a status query are matched by the shop's payout id.
B2C_PATH: Final = "/mpesa/b2c/v3/paymentrequest"
TRANSACTION_STATUS_PATH: Final = "/mpesa/transactionstatus/v1/query"
# Daraja answers an STK query on a push the buyer has not answered yet with this.
STILL_PROCESSING: Final = "500.001.1001"
SHORTCODE_IDENTIFIER: Final = "4"


@dataclass(frozen=True)
class DarajaConfig:
    base_url: str
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    shortcode: str
    passkey: str = field(repr=False)
    transaction_type: str = "CustomerPayBillOnline"
    till_number: str = ""  # CustomerBuyGoodsOnline: PartyB; `shortcode` is the store number
    b2c_shortcode: str = ""  # B2C and transaction status come from it; "" = `shortcode`
    initiator_name: str = ""
    initiator_password: str = field(default="", repr=False)
    certificate: bytes = field(default=b"", repr=False)  # PEM or DER
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    retries: int = 2  # of a call that may be repeated; so 3 tries at most
    backoff_seconds: float = 0.5
    token_margin_seconds: float = 60.0

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.consumer_secret, self.passkey, self.initiator_password) if s)


class DarajaClient:
    def __init__(
        self,
        config: DarajaConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._now = now
        self._monotonic = monotonic
        self._sleep = sleep
        timeout = httpx.Timeout(
            config.read_timeout, connect=config.connect_timeout, pool=config.connect_timeout
        )
        self._http = httpx.Client(base_url=config.base_url, timeout=timeout, transport=transport)
        self._token_lock = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0
        self._credential: str | None = None  # the SecurityCredential, made once

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DarajaClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- the API ---------------------------------------------------------------------------

    def stk_push(self, request: StkPushRequest) -> StkPushAccepted:
        stamp = timestamp(self._now())
        config = self._config
        body = {
            "BusinessShortCode": config.shortcode,
            "Password": stk_password(config.shortcode, config.passkey, stamp),
            "Timestamp": stamp,
            "TransactionType": config.transaction_type,
            "Amount": request.shillings,
            "PartyA": request.phone,
            "PartyB": config.till_number or config.shortcode,
            "PhoneNumber": request.phone,
            "CallBackURL": request.callback_url,
            "AccountReference": request.account_reference,
            "TransactionDesc": request.description,
        }
        answer = self._post(STK_PUSH_PATH, body, idempotent=False)
        return StkPushAccepted(
            merchant_request_id=_field(answer, "MerchantRequestID"),
            checkout_request_id=_field(answer, "CheckoutRequestID"),
            response_description=_field(answer, "ResponseDescription", required=False),
            customer_message=_field(answer, "CustomerMessage", required=False),
        )

    def stk_query(self, checkout_request_id: str) -> StkQueryResult:
        stamp = timestamp(self._now())
        config = self._config
        body = {
            "BusinessShortCode": config.shortcode,
            "Password": stk_password(config.shortcode, config.passkey, stamp),
            "Timestamp": stamp,
            "CheckoutRequestID": checkout_request_id,
        }
        try:
            answer = self._post(STK_QUERY_PATH, body, idempotent=True)
        except DarajaUnavailable as busy:
            if busy.error_code == STILL_PROCESSING:
                return StkQueryResult(checkout_request_id, None, str(busy.args[0]))
            raise
        code = _field(answer, "ResultCode")
        if not code.lstrip("-").isdigit():
            raise MalformedDarajaBody("ResultCode is not a number")
        return StkQueryResult(
            checkout_request_id=_field(answer, "CheckoutRequestID"),
            result_code=int(code),
            result_desc=_field(answer, "ResultDesc", required=False),
            merchant_request_id=_field(answer, "MerchantRequestID", required=False),
        )

    def b2c(self, request: B2CRequest) -> B2CAccepted:
        config = self._config
        body = {
            "OriginatorConversationID": request.originator_conversation_id,
            "InitiatorName": config.initiator_name,
            "SecurityCredential": self._security_credential(),
            "CommandID": "BusinessPayment",
            "Amount": request.shillings,
            "PartyA": config.b2c_shortcode or config.shortcode,
            "PartyB": request.phone,
            "Remarks": request.remarks,
            "QueueTimeOutURL": request.timeout_url,
            "ResultURL": request.result_url,
            "Occasion": request.occasion,
        }
        return _accepted(self._post(B2C_PATH, body, idempotent=False))

    def transaction_status(self, request: TransactionStatusRequest) -> TransactionStatusAccepted:
        config = self._config
        body = {
            "Initiator": config.initiator_name,
            "SecurityCredential": self._security_credential(),
            "CommandID": "TransactionStatusQuery",
            "TransactionID": request.transaction_id,  # "" when asking by conversation id
            "OriginalConversationID": request.originator_conversation_id,
            "PartyA": config.b2c_shortcode or config.shortcode,
            "IdentifierType": SHORTCODE_IDENTIFIER,
            "ResultURL": request.result_url,
            "QueueTimeOutURL": request.timeout_url,
            "Remarks": request.remarks,
            "Occasion": "",
        }
        return _accepted(self._post(TRANSACTION_STATUS_PATH, body, idempotent=True))

    # --- the token -------------------------------------------------------------------------

    def token(self) -> str:
        """The cached access token, or a fresh one (one fetch at a time)."""
        with self._token_lock:
            if self._token is not None and self._monotonic() < self._token_until:
                return self._token
            return self._fetch_token()

    def _forget_token(self, stale: str) -> None:
        with self._token_lock:
            if self._token == stale:
                self._token = None

    def _fetch_token(self) -> str:
        config = self._config
        started = self._monotonic()

        def fetch() -> httpx.Response:
            return self._http.get(
                OAUTH_PATH,
                params={"grant_type": "client_credentials"},
                auth=(config.consumer_key, config.consumer_secret),
            )

        response = self._send(OAUTH_PATH, fetch, idempotent=True)
        if response.status_code in (400, 401, 403):
            raise DarajaAuthFailed(
                f"Daraja refused the consumer key and secret ({response.status_code})"
            )
        answer = self._answer(OAUTH_PATH, response)
        token = _field(answer, "access_token")
        try:
            lifetime = float(_field(answer, "expires_in"))
        except ValueError:
            raise MalformedDarajaBody("expires_in is not a number") from None
        self._token = token
        self._token_until = started + max(lifetime - config.token_margin_seconds, 0.0)
        log.debug("daraja: new access token for %.0f s", lifetime)
        return token

    # --- one call --------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any], *, idempotent: bool) -> dict[str, Any]:
        # Secrets made for this request, to scrub from what Daraja may echo back.
        hidden = tuple(
            str(body[name]) for name in ("Password", "SecurityCredential") if name in body
        )
        for fresh_token in (False, True):
            token = self.token()

            def post(token: str = token) -> httpx.Response:
                return self._http.post(
                    path, json=body, headers={"Authorization": f"Bearer {token}"}
                )

            response = self._send(path, post, idempotent=idempotent, hidden=hidden)
            if response.status_code != httpx.codes.UNAUTHORIZED:
                return self._answer(path, response, hidden)
            self._forget_token(token)
            if fresh_token:
                break
            log.info("daraja: %s refused the access token; fetching a new one", path)
        raise DarajaAuthFailed(f"Daraja refused a fresh access token on {path}")

    def _send(
        self,
        path: str,
        call: Callable[[], httpx.Response],
        *,
        idempotent: bool,
        hidden: tuple[str, ...] = (),
    ) -> httpx.Response:
        """`call()`, tried again after a failure that allows it (see the module's doc)."""
        tries = self._config.retries + 1
        for attempt in range(1, tries + 1):
            try:
                response = call()
            except (httpx.ConnectError, httpx.ConnectTimeout) as lost:
                failure = DarajaUnavailable(
                    f"Daraja unreachable on {path} ({type(lost).__name__})", maybe_received=False
                )
                repeatable = True
            except httpx.TransportError as lost:  # read timeout, dropped mid-answer
                failure = DarajaUnavailable(
                    f"no answer from Daraja on {path} ({type(lost).__name__})",
                    maybe_received=True,
                )
                repeatable = idempotent
            else:
                status = response.status_code
                log.debug("daraja: %s answered %s", path, status)
                if status == httpx.codes.TOO_MANY_REQUESTS:
                    failure = DarajaUnavailable(
                        f"Daraja throttled {path} (429)", maybe_received=False, status=status
                    )
                    repeatable = True
                elif status >= httpx.codes.INTERNAL_SERVER_ERROR:
                    failure = self._server_error(path, response, hidden)
                    repeatable = idempotent and not _still_processing(failure)
                else:
                    return response
            if not repeatable or attempt == tries:
                raise failure
            pause = self._config.backoff_seconds * 2 ** (attempt - 1)
            log.warning("daraja: %s; trying again in %.1f s", failure, pause)
            self._sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _server_error(
        self, path: str, response: httpx.Response, hidden: tuple[str, ...]
    ) -> DarajaUnavailable:
        code, message = _daraja_error(response)
        return DarajaUnavailable(
            self._scrub(
                f"Daraja failed on {path} ({response.status_code} {code}: {message})", hidden
            ),
            maybe_received=True,
            status=response.status_code,
            error_code=code,
        )

    def _answer(
        self, path: str, response: httpx.Response, hidden: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        if response.is_success:
            try:
                answer = response.json()
            except ValueError:
                raise MalformedDarajaBody(f"Daraja's answer on {path} is not JSON") from None
            if not isinstance(answer, dict):
                raise MalformedDarajaBody(f"Daraja's answer on {path} is not an object")
            return answer
        code, message = _daraja_error(response)
        raise DarajaRefused(response.status_code, code, self._scrub(message, hidden))

    def _security_credential(self) -> str:
        config = self._config
        if not (config.initiator_name and config.initiator_password and config.certificate):
            raise DarajaError("B2C needs the initiator name, password and certificate")
        if self._credential is None:
            # Daraja accepts one credential as often as it is sent (its portal makes one to
            # paste), so it is sealed once rather than on every call.
            self._credential = security_credential(config.initiator_password, config.certificate)
        return self._credential

    def _scrub(self, text: str, hidden: tuple[str, ...] = ()) -> str:
        known = (*self._config.secrets(), self._token or "", self._credential or "", *hidden)
        for secret in sorted(filter(None, known), key=len, reverse=True):
            text = text.replace(secret, "<redacted>")
        return text


def _still_processing(failure: DarajaUnavailable) -> bool:
    return failure.error_code == STILL_PROCESSING


def _daraja_error(response: httpx.Response) -> tuple[str, str]:
    """Daraja's {"errorCode": …, "errorMessage": …}, or the status alone."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = str(body.get("errorCode") or body.get("ResponseCode") or response.status_code)
        message = str(body.get("errorMessage") or body.get("ResponseDescription") or "")
        return code, message[:200]
    return str(response.status_code), response.reason_phrase


def _field(answer: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = answer.get(name)
    if value is None and not required:
        return ""
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MalformedDarajaBody(f"Daraja's answer has no {name}")
    return str(value)


def _accepted(answer: dict[str, Any]) -> RequestAccepted:
    return RequestAccepted(
        conversation_id=_field(answer, "ConversationID"),
        originator_conversation_id=_field(answer, "OriginatorConversationID"),
        response_description=_field(answer, "ResponseDescription", required=False),
    )
