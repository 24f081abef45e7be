"""`POST /webhooks/twilio/whatsapp` and `POST /webhooks/twilio/status`.

Each request's body is read within a cap and a deadline (`handlers.bodies`), and its
`X-Twilio-Signature` checked with twilio's `RequestValidator` before anything else. The signed
URL is rebuilt from `PUBLIC_BASE_URL` (the address Twilio was given) plus the path and query,
never from Host or X-Forwarded-* headers, so it works behind a proxy that ends TLS and cannot
be steered by a client. A message is then recorded once (the inbox is unique on
channel + MessageSid) and Twilio gets an empty TwiML answer at once; the photos are fetched and
the engine runs after the answer has gone (`processing`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import parse_qsl

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from twilio.request_validator import RequestValidator

from conversations.inbox import RecordResult
from handlers.bodies import read_body
from handlers.whatsapp.inbound import MalformedUpdate, WhatsAppUpdate, parse_update
from handlers.whatsapp.processing import WhatsAppProcessor, record_update
from handlers.whatsapp.status import PartRef, apply_status
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

WHATSAPP_PATH = "/webhooks/twilio/whatsapp"
STATUS_PATH = "/webhooks/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_FORM_BYTES = 64 * 1024  # a WhatsApp webhook form is a few kilobytes


class TwilioSignature:
    def __init__(self, auth_token: str, public_base_url: str) -> None:
        self._validator = RequestValidator(auth_token)
        self._base = public_base_url.rstrip("/")

    def url_of(self, request: Request) -> str:
        query = request.url.query
        return f"{self._base}{request.url.path}" + (f"?{query}" if query else "")

    def is_valid(self, request: Request, form: FormData) -> bool:
        signature = request.headers.get("x-twilio-signature", "")
        if not signature:
            return False
        return bool(self._validator.validate(self.url_of(request), form, signature))


class WhatsAppWebhooks:
    def __init__(
        self,
        signature: TwilioSignature,
        uow_factory: UnitOfWorkFactory,
        processor: WhatsAppProcessor,
        clock: Callable[[], datetime] = utcnow,
        on_refused: Callable[[], None] = lambda: None,
    ) -> None:
        """`on_refused` is told of each request refused for its signature (metrics)."""
        self._signature = signature
        self._on_refused = on_refused
        self._uow_factory = uow_factory
        self._processor = processor
        self._clock = clock

    def routes(self) -> list[BaseRoute]:
        return [
            Route(WHATSAPP_PATH, self.message, methods=["POST"]),
            Route(STATUS_PATH, self.status, methods=["POST"]),
        ]

    async def message(self, request: Request) -> Response:
        form = await self._signed_form(request)
        if isinstance(form, Response):
            return form
        try:
            update = parse_update(_text_fields(form))
        except MalformedUpdate as exc:
            logger.warning("whatsapp webhook: signed but unusable (%s)", exc.field)
            return Response(status_code=400)
        recorded = await run_in_threadpool(self._record, update)
        task = None if recorded.duplicate else BackgroundTask(self._process, recorded.inbox_id)
        return Response(EMPTY_TWIML, media_type="text/xml", background=task)

    async def status(self, request: Request) -> Response:
        form = await self._signed_form(request)
        if isinstance(form, Response):
            return form
        # The query is part of the signed address, so it is as trustworthy as the form.
        part = PartRef.of(request.query_params.get("outbox"), request.query_params.get("part"))
        await run_in_threadpool(self._apply_status, _text_fields(form), part)
        return Response(status_code=204)

    async def _signed_form(self, request: Request) -> FormData | Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return Response(status_code=415)
        body = await read_body(request, MAX_FORM_BYTES)
        try:
            pairs: list[tuple[str, str | UploadFile]] = [
                *parse_qsl(body.decode(), keep_blank_values=True)
            ]
        except UnicodeDecodeError:
            return Response(status_code=400)
        form = FormData(pairs)
        if not self._signature.is_valid(request, form):
            self._on_refused()
            logger.warning("twilio webhook %s: bad or missing signature", request.url.path)
            return Response(status_code=403)
        return form

    def _record(self, update: WhatsAppUpdate) -> RecordResult:
        with self._uow_factory() as uow:
            recorded = record_update(uow.session, update, self._clock())
            uow.commit()
        return recorded

    def _process(self, inbox_id: int) -> None:
        try:
            self._processor.process(inbox_id)
        except Exception:  # recorded already: the sweep tries again
            logger.exception("whatsapp inbox row %s: processing failed", inbox_id)

    def _apply_status(self, form: Mapping[str, str], part: PartRef | None) -> None:
        with self._uow_factory() as uow:
            apply_status(uow.session, form, self._clock(), part=part)
            uow.commit()


def _text_fields(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}
