"""A fake Safaricom Daraja API on 127.0.0.1, for the real `DarajaClient`.

What it serves (JSON, like sandbox.safaricom.co.ke):
- ``GET /oauth/v1/generate?grant_type=client_credentials`` (Basic auth with the consumer key
  and secret): a fresh token with ``expires_in`` (text, as Daraja sends it); every other
  endpoint refuses an unknown or expired token with 401. `expire_tokens()` ends them early.
- ``POST /mpesa/stkpush/v1/processrequest``: checks the password against shortcode + passkey +
  Timestamp and the fields Daraja checks, records the push and answers its CheckoutRequestID.
  `answer_push(id, code, deliver=N)` plays the buyer (0 paid, 1, 1032, 1037, 2001…) and posts
  the callback to CallBackURL N times (0: held for `deliver_push`, or never sent).
- ``POST /mpesa/stkpushquery/v1/query``: the push's outcome; Daraja's 500 "being processed"
  until she answers.
- ``POST /mpesa/b2c/v3/paymentrequest``: decrypts the SecurityCredential with the test's private
  key, records the request under its OriginatorConversationID and accepts it;
  `answer_payout` posts the result to ResultURL (or the timeout to QueueTimeOutURL). A wrong
  credential fails 2001, as M-Pesa does.
- ``POST /mpesa/transactionstatus/v1/query``: accepted; `answer_status` posts the result.

And misbehaving: `hang(path)` holds calls until `release()` (past the client's timeout; the
held request is then carried out), `fail_next(path, 500, 429…)` answers with those statuses
and acts on nothing. Every call is logged in `requests`.

The key pair and certificate are made per test run (`make_certificate`): nothing that looks
like a real secret is committed.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.serving import TLS, serve_app


def make_certificate() -> tuple[bytes, rsa.RSAPrivateKey]:
    """A throwaway RSA key pair and a self-signed certificate (PEM) for its public half,
    made per test run: the fake decrypts SecurityCredentials with the private key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake daraja test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key


CONSUMER_KEY = "fake-consumer-key"
CONSUMER_SECRET = "fake-consumer-secret"
SHORTCODE = "174379"  # the sandbox's STK store number
TILL_NUMBER = "5123456"  # a till paid with CustomerBuyGoodsOnline
B2C_SHORTCODE = "600999"  # the sandbox's B2C shortcodes are 600xxx
PASSKEY = "fake-passkey-0123456789abcdef"
INITIATOR_NAME = "soko_api"
INITIATOR_PASSWORD = "fake-initiator-pw"
TOKEN_SECONDS = 3599
_TIMESTAMP = re.compile(r"[0-9]{14}")

STK_RESULTS: dict[int, str] = {
    0: "The service request is processed successfully.",
    1: "The balance is insufficient for the transaction.",
    1032: "Request cancelled by user",
    1037: "DS timeout user cannot be reached",
    2001: "The initiator information is invalid.",
}


def daraja_error(status: int, code: str, message: str) -> Response:
    return JSONResponse(
        {"requestId": f"fake-{secrets.token_hex(4)}", "errorCode": code, "errorMessage": message},
        status_code=status,
    )


@dataclass
class Push:
    body: dict[str, Any]
    checkout_request_id: str
    merchant_request_id: str
    result_code: int | None = None  # None: the buyer has not answered yet
    callback: dict[str, Any] | None = None


@dataclass
class AsyncRequest:
    """A B2C or transaction-status request: its body and what the fake answered."""

    path: str
    body: dict[str, Any]
    conversation_id: str
    credential_ok: bool
    result_code: int | None = None  # what M-Pesa made of it; None: carried out, unanswered
    receipt: str = field(default_factory=lambda: f"SFP{secrets.token_hex(4).upper()}")


@dataclass
class FakeDaraja:
    certificate: bytes
    private_key: rsa.RSAPrivateKey
    clock: Any = time.time
    b2c_shortcode: str = SHORTCODE  # the PartyA B2C and status queries must come from
    tokens: dict[str, float] = field(default_factory=dict)  # token → expires at
    token_requests: int = 0
    issued_tokens: list[str] = field(default_factory=list)
    pushes: dict[str, Push] = field(default_factory=dict)
    payouts: dict[str, AsyncRequest] = field(default_factory=dict)  # by OriginatorConversationID
    status_queries: list[AsyncRequest] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    failing: dict[str, list[int]] = field(default_factory=dict)
    hung_paths: set[str] = field(default_factory=set)
    deliveries: list[tuple[str, int]] = field(default_factory=list)  # (url, status)
    _released: threading.Event = field(default_factory=threading.Event)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def make(cls) -> FakeDaraja:
        certificate, private_key = make_certificate()
        return cls(certificate=certificate, private_key=private_key)

    # --- misbehaving like the real one -----------------------------------------------------

    def expire_tokens(self, *tokens: str) -> None:
        """These tokens (none named: every one issued so far) are refused from now on (401),
        as after Daraja's hour."""
        with self._lock:
            for token in tokens or list(self.tokens):
                self.tokens.pop(token, None)

    def fail_next(self, path: str, *statuses: int) -> None:
        """Answer the next calls to `path` with these statuses (429, 500, 503…), acting on
        none of them."""
        with self._lock:
            self.failing.setdefault(path, []).extend(statuses)

    def hang(self, path: str) -> None:
        """Hold calls to `path` unanswered until `release()` (past the client's timeout); a
        held request is then carried out, as when Daraja got it but the answer was lost."""
        self._released.clear()
        self.hung_paths.add(path)

    def release(self) -> None:
        self.hung_paths.clear()
        self._released.set()

    def calls(self, path: str) -> int:
        return sum(1 for _, called in self.requests if called == path)

    # --- the HTTP API ----------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/oauth/v1/generate", self._oauth, methods=["GET"]),
                Route("/mpesa/stkpush/v1/processrequest", self._stk_push, methods=["POST"]),
                Route("/mpesa/stkpushquery/v1/query", self._stk_query, methods=["POST"]),
                Route("/mpesa/b2c/v3/paymentrequest", self._b2c, methods=["POST"]),
                Route("/mpesa/transactionstatus/v1/query", self._status, methods=["POST"]),
            ]
        )

    async def _gate(self, request: Request) -> Response | None:
        """What happens before the endpoint: recorded, held, failed as scripted."""
        path = request.url.path
        with self._lock:
            self.requests.append((request.method, path))
        if path in self.hung_paths:
            # Read (and keep) the body first: the client gives up before the release, and
            # the held request must still be carried out then.
            await request.body()
            await asyncio.to_thread(self._released.wait)
        with self._lock:
            failing = self.failing.get(path)
            status = failing.pop(0) if failing else None
        if status == 429:
            return daraja_error(429, "429.001.01", "Too Many Requests - Spike arrest violation")
        if status is not None:
            return daraja_error(status, "500.003.02", "System is busy. Please try again later.")
        return None

    async def _oauth(self, request: Request) -> Response:
        gated = await self._gate(request)
        if gated is not None:
            return gated
        expected = base64.b64encode(f"{CONSUMER_KEY}:{CONSUMER_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return daraja_error(400, "400.008.01", "Invalid Authentication passed")
        if request.query_params.get("grant_type") != "client_credentials":
            return daraja_error(400, "400.008.02", "Invalid grant type passed")
        token = secrets.token_urlsafe(20)
        with self._lock:
            self.token_requests += 1
            self.tokens[token] = self.clock() + TOKEN_SECONDS
            self.issued_tokens.append(token)
        # Daraja sends expires_in as text.
        return JSONResponse({"access_token": token, "expires_in": str(TOKEN_SECONDS)})

    async def _authorized(self, request: Request) -> dict[str, Any] | Response:
        gated = await self._gate(request)
        if gated is not None:
            return gated
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        with self._lock:
            expires = self.tokens.get(token)
        if expires is None or expires <= self.clock():
            return daraja_error(401, "404.001.03", "Invalid Access Token")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return daraja_error(400, "400.002.05", "Invalid Request Payload")
        if not isinstance(body, dict):
            return daraja_error(400, "400.002.05", "Invalid Request Payload")
        return body

    def _password_ok(self, body: dict[str, Any]) -> bool:
        stamp = str(body.get("Timestamp", ""))
        expected = base64.b64encode(f"{SHORTCODE}{PASSKEY}{stamp}".encode()).decode()
        return (
            _TIMESTAMP.fullmatch(stamp) is not None
            and body.get("BusinessShortCode") == SHORTCODE
            and body.get("Password") == expected
        )

    async def _stk_push(self, request: Request) -> Response:
        body = await self._authorized(request)
        if isinstance(body, Response):
            return body
        if not self._password_ok(body):
            return daraja_error(400, "400.002.02", "Bad Request - Invalid Password")
        buy_goods = body.get("TransactionType") == "CustomerBuyGoodsOnline"
        if body.get("PartyB") != (TILL_NUMBER if buy_goods else SHORTCODE):
            return daraja_error(400, "400.002.02", "Bad Request - Invalid PartyB")
        amount = body.get("Amount")
        if not isinstance(amount, int) or amount < 1:
            return daraja_error(400, "400.002.02", "Bad Request - Invalid Amount")
        if not re.fullmatch(r"254[17][0-9]{8}", str(body.get("PhoneNumber", ""))):
            return daraja_error(400, "400.002.02", "Bad Request - Invalid PhoneNumber")
        if len(str(body.get("TransactionDesc", ""))) > 13:
            return daraja_error(400, "400.002.02", "Bad Request - Invalid TransactionDesc")
        if not str(body.get("CallBackURL", "")).startswith(("http://", "https://")):
            return daraja_error(400, "400.002.02", "Bad Request - Invalid CallBackURL")
        n = next(self._ids)
        push = Push(body, f"ws_CO_fake{n:08d}", f"fake-{n}-1")
        with self._lock:
            self.pushes[push.checkout_request_id] = push
        return JSONResponse(
            {
                "MerchantRequestID": push.merchant_request_id,
                "CheckoutRequestID": push.checkout_request_id,
                "ResponseCode": "0",
                "ResponseDescription": "Success. Request accepted for processing",
                "CustomerMessage": "Success. Request accepted for processing",
            }
        )

    async def _stk_query(self, request: Request) -> Response:
        body = await self._authorized(request)
        if isinstance(body, Response):
            return body
        if not self._password_ok(body):
            return daraja_error(400, "400.002.02", "Bad Request - Invalid Password")
        push = self.pushes.get(str(body.get("CheckoutRequestID")))
        if push is None:
            return daraja_error(400, "400.002.02", "Bad Request - Invalid CheckoutRequestID")
        if push.result_code is None:
            return daraja_error(500, "500.001.1001", "The transaction is being processed")
        return JSONResponse(
            {
                "ResponseCode": "0",
                "ResponseDescription": "The service request has been accepted successsfully",
                "MerchantRequestID": push.merchant_request_id,
                "CheckoutRequestID": push.checkout_request_id,
                "ResultCode": str(push.result_code),
                "ResultDesc": STK_RESULTS.get(push.result_code, "Failed"),
            }
        )

    def _credential_ok(self, body: dict[str, Any]) -> bool:
        try:
            opened = self.private_key.decrypt(
                base64.b64decode(str(body.get("SecurityCredential", ""))), padding.PKCS1v15()
            )
        except ValueError:
            return False
        return opened == INITIATOR_PASSWORD.encode()

    async def _b2c(self, request: Request) -> Response:
        body = await self._authorized(request)
        if isinstance(body, Response):
            return body
        originator = str(body.get("OriginatorConversationID") or "")
        if body.get("CommandID") != "BusinessPayment" or not originator:
            return daraja_error(400, "400.002.02", "Bad Request - Invalid CommandID")
        if str(body.get("PartyA")) != self.b2c_shortcode:
            return daraja_error(400, "400.002.02", "Bad Request - Invalid PartyA")
        accepted = AsyncRequest(
            request.url.path, body, f"AG_fake_{next(self._ids):08d}", self._credential_ok(body)
        )
        with self._lock:
            self.payouts[originator] = accepted
        return _accepted(accepted, originator)

    async def _status(self, request: Request) -> Response:
        body = await self._authorized(request)
        if isinstance(body, Response):
            return body
        if body.get("CommandID") != "TransactionStatusQuery" or not (
            body.get("OriginalConversationID") or body.get("TransactionID")
        ):
            return daraja_error(400, "400.002.02", "Bad Request - Invalid CommandID")
        if str(body.get("PartyA")) != self.b2c_shortcode:
            return daraja_error(400, "400.002.02", "Bad Request - Invalid PartyA")
        accepted = AsyncRequest(
            request.url.path, body, f"AG_fake_{next(self._ids):08d}", self._credential_ok(body)
        )
        with self._lock:
            self.status_queries.append(accepted)
        return _accepted(accepted, f"fake-status-{len(self.status_queries)}")

    # --- playing the buyer, M-Pesa and Daraja's callbacks ----------------------------------

    def answer_push(
        self, checkout_request_id: str, result_code: int, *, deliver: int = 1
    ) -> dict[str, Any]:
        """The buyer answers the prompt (0 paid; 1, 1032, 1037, 2001…): the callback Daraja
        would post, delivered `deliver` times now (0: held, or never sent)."""
        with self._lock:
            push = self.pushes[checkout_request_id]
            push.result_code = result_code
            push.callback = stk_callback(push, result_code)
        self.deliver_push(checkout_request_id, times=deliver)
        return push.callback

    def deliver_push(self, checkout_request_id: str, *, times: int = 1) -> list[int]:
        """Post the push's callback (held until now) to its CallBackURL `times` times."""
        push = self.pushes[checkout_request_id]
        assert push.callback is not None, "the buyer has not answered yet"
        return [self._post(push.body["CallBackURL"], push.callback) for _ in range(times)]

    def answer_payout(
        self, originator_conversation_id: str, result_code: int = 0, *, timeout: bool = False
    ) -> dict[str, Any]:
        """M-Pesa's result of a B2C request, posted to its ResultURL; with `timeout`, the
        queue timeout posted to QueueTimeOutURL instead. A request whose credential did not
        decrypt to the initiator's password fails 2001 whatever is asked."""
        payout = self.payouts[originator_conversation_id]
        if not payout.credential_ok:
            result_code = 2001
        if not timeout:
            payout.result_code = result_code
        result = b2c_result(payout, originator_conversation_id, result_code)
        url = payout.body["QueueTimeOutURL" if timeout else "ResultURL"]
        self._post(url, result)
        return result

    def answer_status(self, index: int = -1, transaction_status: str = "") -> dict[str, Any]:
        """The result of a transaction-status query, posted to its ResultURL, as Daraja
        writes it: ResultCode 0 says the QUERY worked and names the query (its own ids); what
        became of the payout is in ResultParameters (TransactionStatus "Completed" with its
        ReceiptNo and Amount, or "Failed"). A payout M-Pesa never got: 2032, not found.
        `transaction_status` overrides what the fake would say."""
        query = self.status_queries[index]
        originator = str(query.body.get("OriginalConversationID") or "")
        payout = self.payouts.get(originator)
        result: dict[str, Any] = {
            "ResultType": 0,
            "OriginatorConversationID": f"fake-status-{index % len(self.status_queries) + 1}",
            "ConversationID": query.conversation_id,
            "TransactionID": "",
        }
        if not query.credential_ok:
            result |= {"ResultCode": 2001, "ResultDesc": "The initiator information is invalid."}
        elif payout is None:
            result |= {"ResultCode": 2032, "ResultDesc": "The transaction was not found."}
        else:
            made = payout.result_code in (None, 0)
            status = transaction_status or ("Completed" if made else "Failed")
            result |= {
                "ResultCode": 0,
                "ResultDesc": "The service request is processed successfully.",
                "ResultParameters": {
                    "ResultParameter": [
                        {"Key": "DebitPartyName", "Value": f"{payout.body.get('PartyA')} - Soko"},
                        {"Key": "CreditPartyName", "Value": f"{payout.body.get('PartyB')} - Fake"},
                        {"Key": "OriginatorConversationID", "Value": originator},
                        {"Key": "InitiatedTime", "Value": 20261204100000},
                        {"Key": "DebitAccountType", "Value": "Utility Account"},
                        {"Key": "DebitPartyCharges", "Value": ""},
                        {"Key": "TransactionReason", "Value": ""},
                        {"Key": "ReasonType", "Value": "Business Payment to Customer via API"},
                        {"Key": "TransactionStatus", "Value": status},
                        {"Key": "FinalisedTime", "Value": 20261204100001},
                        {"Key": "Amount", "Value": payout.body.get("Amount")},
                        {"Key": "ConversationID", "Value": payout.conversation_id},
                        {"Key": "ReceiptNo", "Value": payout.receipt if made else ""},
                    ]
                },
            }
        self._post(query.body["ResultURL"], {"Result": result})
        return {"Result": result}

    def _post(self, url: str, body: dict[str, Any]) -> int:
        status = httpx.post(url, json=body, timeout=10, verify=TLS).status_code
        with self._lock:
            self.deliveries.append((url, status))
        return status


def _accepted(accepted: AsyncRequest, originator: str) -> Response:
    return JSONResponse(
        {
            "ConversationID": accepted.conversation_id,
            "OriginatorConversationID": originator,
            "ResponseCode": "0",
            "ResponseDescription": "Accept the service request successfully.",
        }
    )


def stk_callback(push: Push, result_code: int) -> dict[str, Any]:
    callback: dict[str, Any] = {
        "MerchantRequestID": push.merchant_request_id,
        "CheckoutRequestID": push.checkout_request_id,
        "ResultCode": result_code,
        "ResultDesc": STK_RESULTS.get(result_code, "Failed"),
    }
    if result_code == 0:
        callback["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": float(push.body["Amount"])},
                {"Name": "MpesaReceiptNumber", "Value": f"SFK{secrets.token_hex(4).upper()}"},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": int(push.body["Timestamp"])},
                {"Name": "PhoneNumber", "Value": int(push.body["PhoneNumber"])},
            ]
        }
    return {"Body": {"stkCallback": callback}}


def b2c_result(request: AsyncRequest, originator: str, result_code: int) -> dict[str, Any]:
    receipt = request.receipt if result_code == 0 else ""
    result: dict[str, Any] = {
        "ResultType": 0,
        "ResultCode": result_code,
        "ResultDesc": STK_RESULTS.get(result_code, "The transaction failed."),
        "OriginatorConversationID": originator,
        "ConversationID": request.conversation_id,
        "TransactionID": receipt or "0000000000",
    }
    if result_code == 0:
        result["ResultParameters"] = {
            "ResultParameter": [
                {"Key": "TransactionAmount", "Value": request.body.get("Amount")},
                {"Key": "TransactionReceipt", "Value": receipt},
                {"Key": "ReceiverPartyPublicName", "Value": f"{request.body.get('PartyB')} - Fake"},
            ]
        }
    return {"Result": result}


def serve(fake: FakeDaraja) -> Any:
    """Run the fake Daraja API; a context manager yielding its base URL."""
    return serve_app(fake.app())
