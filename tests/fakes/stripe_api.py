"""A fake Stripe API for tests: the real `stripe` library talks to it over HTTP.

What it serves (form-encoded requests, JSON answers, like api.stripe.com):
Checkout Sessions create / retrieve / expire / list, Refunds create / list, Events list.
Idempotency keys behave like Stripe's: the same key and parameters return the first
answer; the same key with other parameters is an error. Stripe's rule that a session
expires 30 minutes to 24 hours after creation is enforced.

Test helpers play the buyer and Stripe: ``pay`` completes a session (creating its
PaymentIntent and Charge), ``expire_now``, and every change emits the event Stripe would,
which ``signed`` turns into a webhook body and Stripe-Signature header (``deliver`` posts it
to a shop, as often as asked: Stripe delivers an event more than once).

And Stripe misbehaving: ``hang(path)`` holds every POST to ``path`` unanswered until
``release()`` (a client with a timeout times out meanwhile; the request is then carried out,
as when Stripe got it but the answer was lost); ``fail_next(path, 503, 500)`` answers the
next POSTs with those statuses; ``fail_refunds`` answers every refund 500.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.serving import TLS, serve_app

API_KEY = "sk_test_fake"
WEBHOOK_SECRET = "whsec_test_secret"
_KEY_PART = re.compile(r"\[([^\]]*)\]")


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's nested form encoding (``a[b][0][c]=v``) back into dicts and lists."""
    root: dict[str, Any] = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True):
        head = raw_key.split("[", 1)[0]
        parts = [head, *_KEY_PART.findall(raw_key)]
        node: Any = root
        for part, following in itertools.pairwise(parts):
            container: Any = [] if following.isdigit() else {}
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if node[index] is None:
                    node[index] = container
                node = node[index]
            else:
                node = node.setdefault(part, container)
        last = parts[-1]
        if isinstance(node, list):
            index = int(last)
            while len(node) <= index:
                node.append(None)
            node[index] = value
        else:
            node[last] = value
    return root


def stripe_error(message: str, status: int = 400, kind: str = "invalid_request_error") -> Response:
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status)


@dataclass
class FakeStripe:
    clock: Any = time.time  # seconds since the epoch; tests may move it
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, Any], str | None]] = field(default_factory=list)
    fail_refunds: bool = False
    hung_paths: set[str] = field(default_factory=set)
    hanging: int = 0  # requests held right now
    failing: dict[str, list[int]] = field(default_factory=dict)
    _released: threading.Event = field(default_factory=threading.Event)
    _idempotent: dict[tuple[str, str], tuple[dict[str, Any], int, Any]] = field(
        default_factory=dict
    )
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            for table in (self.sessions, self.charges, self.refunds, self._idempotent):
                table.clear()
            self.events.clear()
            self.requests.clear()
            self.fail_refunds = False
            self.failing.clear()
            self.clock = time.time
        self.release()

    def hang(self, path: str = "/v1/checkout/sessions") -> None:
        """Leave POSTs to `path` unanswered until `release()`."""
        self._released.clear()
        self.hung_paths.add(path)

    def release(self) -> None:
        self.hung_paths.clear()
        self._released.set()

    def fail_next(self, path: str, *statuses: int) -> None:
        """Answer the next POSTs to `path` with these statuses (a 5xx carries out nothing)."""
        self.failing.setdefault(path, []).extend(statuses)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}"

    # --- the HTTP API ----------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/checkout/sessions", self._sessions_endpoint, methods=["GET", "POST"]),
                Route("/v1/checkout/sessions/{id}", self._session_get, methods=["GET"]),
                Route("/v1/checkout/sessions/{id}/expire", self._session_expire, methods=["POST"]),
                Route("/v1/refunds", self._refunds_endpoint, methods=["GET", "POST"]),
                Route("/v1/events", self._events_list, methods=["GET"]),
            ]
        )

    async def _params(self, request: Request) -> dict[str, Any] | Response:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return stripe_error("Invalid API Key provided", 401, "authentication_error")
        if request.method == "GET":
            return decode_form(request.url.query)
        return decode_form((await request.body()).decode())

    async def _call(self, request: Request, handler: Any) -> Response:
        params = await self._params(request)
        if isinstance(params, Response):
            return params
        path = request.url.path
        if request.method == "POST" and path in self.hung_paths:
            self.hanging += 1
            try:
                await asyncio.to_thread(self._released.wait)
            finally:
                self.hanging -= 1
        key = request.headers.get("idempotency-key")
        with self._lock:
            failing = self.failing.get(path) if request.method == "POST" else None
            if failing:
                self.requests.append((request.method, path, params, key))
                status = failing.pop(0)
                return stripe_error("Stripe is having trouble", status, "api_error")
            self.requests.append((request.method, request.url.path, params, key))
            if key and request.method == "POST":
                known = self._idempotent.get((request.url.path, key))
                if known is not None:
                    if known[0] != params:
                        return stripe_error(
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                            400,
                            "idempotency_error",
                        )
                    return JSONResponse(known[2], status_code=known[1])
            status, body = handler(request, params)
            if key and request.method == "POST" and status < 500:
                self._idempotent[(request.url.path, key)] = (params, status, body)
        return JSONResponse(body, status_code=status)

    async def _sessions_endpoint(self, request: Request) -> Response:
        if request.method == "GET":
            return await self._call(request, self._list_sessions)
        return await self._call(request, self._create_session)

    async def _session_get(self, request: Request) -> Response:
        return await self._call(request, lambda r, p: self._get(self.sessions, r))

    async def _session_expire(self, request: Request) -> Response:
        return await self._call(request, self._expire)

    async def _refunds_endpoint(self, request: Request) -> Response:
        if request.method == "GET":
            return await self._call(request, self._list_refunds)
        return await self._call(request, self._create_refund)

    async def _events_list(self, request: Request) -> Response:
        return await self._call(request, lambda r, p: self._page(self.events, p, "/v1/events"))

    def _get(self, table: dict[str, dict[str, Any]], request: Request) -> tuple[int, Any]:
        found = table.get(request.path_params["id"])
        if found is None:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such object"}}
        return 200, found

    def _create_session(self, request: Request, params: dict[str, Any]) -> tuple[int, Any]:
        now = int(self.clock())
        expires_at = int(params.get("expires_at") or now + 24 * 3600)
        if not now + 30 * 60 <= expires_at <= now + 24 * 3600:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "param": "expires_at",
                    "message": "expires_at must be 30 minutes to 24 hours after creation",
                }
            }
        items = params.get("line_items") or []
        currencies = {item["price_data"]["currency"] for item in items}
        if len(currencies) != 1:
            return 400, {"error": {"type": "invalid_request_error", "message": "currency"}}
        total = sum(
            int(item["price_data"]["unit_amount"]) * int(item["quantity"]) for item in items
        )
        session_id = self.new_id("cs_test")
        checkout = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "mode": params.get("mode"),
            "amount_total": total,
            "currency": currencies.pop(),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata") or {},
            "expires_at": expires_at,
            "created": now,
            "payment_intent": None,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "locale": params.get("locale"),
            "shipping_address_collection": params.get("shipping_address_collection"),
            "collected_information": None,
            "line_items_sent": items,  # not Stripe's field: what the test wants to check
            "payment_intent_data_sent": params.get("payment_intent_data"),
        }
        self.sessions[session_id] = checkout
        return 200, checkout

    def _list_sessions(self, request: Request, params: dict[str, Any]) -> tuple[int, Any]:
        since = int((params.get("created") or {}).get("gte", 0))
        found = [s for s in self.sessions.values() if s["created"] >= since]
        return self._page(found, params, "/v1/checkout/sessions")

    def _page(
        self, items: list[dict[str, Any]], params: dict[str, Any], url: str
    ) -> tuple[int, Any]:
        newest_first = sorted(items, key=lambda item: item["id"], reverse=True)
        after = params.get("starting_after")
        if after:
            ids = [item["id"] for item in newest_first]
            newest_first = newest_first[ids.index(after) + 1 :] if after in ids else []
        limit = int(params.get("limit") or 10)
        page = newest_first[:limit]
        return 200, {
            "object": "list",
            "url": url,
            "data": page,
            "has_more": len(newest_first) > limit,
        }

    def _expire(self, request: Request, params: dict[str, Any]) -> tuple[int, Any]:
        checkout = self.sessions.get(request.path_params["id"])
        if checkout is None or checkout["status"] != "open":
            return 400, {"error": {"type": "invalid_request_error", "message": "not open"}}
        self._close(checkout)
        return 200, checkout

    def _create_refund(self, request: Request, params: dict[str, Any]) -> tuple[int, Any]:
        if self.fail_refunds:
            return 500, {"error": {"type": "api_error", "message": "try again"}}
        charge = next(
            (
                c
                for c in self.charges.values()
                if c["payment_intent"] == params.get("payment_intent")
            ),
            None,
        )
        if charge is None:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such payment"}}
        amount = int(params.get("amount") or charge["amount"] - charge["amount_refunded"])
        if amount <= 0 or charge["amount_refunded"] + amount > charge["amount"]:
            return 400, {"error": {"type": "invalid_request_error", "message": "amount too large"}}
        refund = {
            "id": self.new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "payment_intent": charge["payment_intent"],
            "currency": charge["currency"],
            "metadata": params.get("metadata") or {},
            "reason": params.get("reason"),
            "status": "succeeded",
            "created": int(self.clock()),
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, refund)
        self._emit("charge.refunded", charge)
        return 200, refund

    def _list_refunds(self, request: Request, params: dict[str, Any]) -> tuple[int, Any]:
        found = [r for r in self.refunds.values() if r["charge"] == params.get("charge")]
        return self._page(found, params, "/v1/refunds")

    # --- playing the buyer and Stripe ------------------------------------------------------

    def _emit(self, kind: str, obj: dict[str, Any], created: int | None = None) -> dict[str, Any]:
        snapshot = json.loads(json.dumps(obj))
        snapshot.pop("line_items_sent", None)
        snapshot.pop("payment_intent_data_sent", None)
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "type": kind,
            "created": created if created is not None else int(self.clock()),
            "livemode": False,
            "api_version": "2025-01-27.acacia",
            "data": {"object": snapshot},
        }
        self.events.append(event)
        return event

    def _close(self, checkout: dict[str, Any]) -> dict[str, Any]:
        checkout["status"] = "expired"
        return self._emit("checkout.session.expired", checkout)

    def pay(self, session_id: str, *, shipping: dict[str, Any] | None = None) -> dict[str, Any]:
        """The buyer pays on the Checkout page: the ``checkout.session.completed`` event."""
        with self._lock:
            checkout = self.sessions[session_id]
            assert checkout["status"] == "open", checkout["status"]
            intent = self.new_id("pi")
            charge = {
                "id": self.new_id("ch"),
                "object": "charge",
                "amount": checkout["amount_total"],
                "amount_refunded": 0,
                "currency": checkout["currency"],
                "payment_intent": intent,
                "refunded": False,
                "refunds": {"object": "list", "data": [], "has_more": False},
                "metadata": {},
            }
            self.charges[charge["id"]] = charge
            checkout.update(status="complete", payment_status="paid", payment_intent=intent)
            if shipping is not None:
                checkout["collected_information"] = {"shipping_details": shipping}
            return self._emit("checkout.session.completed", checkout)

    def expire_now(self, session_id: str) -> dict[str, Any]:
        with self._lock:
            return self._close(self.sessions[session_id])

    def refund_in_dashboard(self, payment_intent: str, amount: int) -> dict[str, Any]:
        """Someone refunds in the Stripe dashboard: the ``charge.refunded`` event."""
        with self._lock:
            charge = next(c for c in self.charges.values() if c["payment_intent"] == payment_intent)
            refund = {
                "id": self.new_id("re"),
                "object": "refund",
                "amount": amount,
                "charge": charge["id"],
                "payment_intent": payment_intent,
                "currency": charge["currency"],
                "metadata": {},
                "status": "succeeded",
                "created": int(self.clock()),
            }
            self.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunds"]["data"].insert(0, refund)
            return self._emit("charge.refunded", charge)

    def last_event(self, kind: str) -> dict[str, Any]:
        return next(event for event in reversed(self.events) if event["type"] == kind)


def signed(
    event: dict[str, Any], secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """A webhook delivery: the JSON body and its Stripe-Signature header (Stripe's scheme)."""
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp)
    return body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


def deliver(shop_url: str, event: dict[str, Any], *, times: int = 1) -> list[int]:
    """Post a signed event to a shop's webhook `times` times (Stripe retries, and may send
    an event twice even after a 200); the status of each delivery."""
    body, headers = signed(event)
    return [
        httpx.post(
            f"{shop_url}/webhooks/stripe", content=body, headers=headers, verify=TLS
        ).status_code
        for _ in range(times)
    ]


def serve(fake: FakeStripe) -> Any:
    """Run the fake Stripe API; a context manager yielding its base URL."""
    return serve_app(fake.app())


def client_for(base_url: str) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": base_url}, max_network_retries=0)
