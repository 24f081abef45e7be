"""Talking to the web app as Twilio does (signed form posts), and reading what the real twilio
`Client` sent to the fake Twilio API."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.container import Container
from bot.settings import Settings
from bot.web import create_app
from bot.whatsapp import WhatsAppChannel, build_whatsapp
from bot.wiring import host
from handlers.whatsapp.delivery import DeliveryReport, RateLimiter
from handlers.whatsapp.media import MediaPolicy
from handlers.whatsapp.webhook import STATUS_PATH, WHATSAPP_PATH
from store.uow import UnitOfWorkFactory
from tests.fakes.twilio_api import FakeTwilio, SentMessage
from tests.said import things_in_all

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "whatsapp-test-auth-token-" + "7" * 7
PUBLIC_BASE_URL = "https://shop.example"
SENDER = "whatsapp:+14155238886"
_sids = itertools.count(1)


def message_sid() -> str:
    return f"SM{next(_sids):032x}"


def settings_for(
    database_url: str, tmp_path: Path, fake: FakeTwilio, *, payments_demo: bool = False
) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        media_dir=tmp_path / "media",
        public_base_url=PUBLIC_BASE_URL,
        allowed_hosts=["internal"],  # the proxy's upstream name, sent as Host
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=SENDER,
        twilio_api_base_url=fake.base_url,
        twilio_templates_file=tmp_path / "twilio_templates.json",
        payments_demo=payments_demo,
        # The harness writes at machine speed, each message as soon as the last was answered:
        # no person does. Floods have their own tests (test_flood_run.py, test_floods.py).
        flood_messages=1000,
    )


def rendered(message: SentMessage) -> str:
    """What the person reads: the body, or a content template's text with its buttons."""
    if not message.content_sid:
        return message.body
    variables = message.content_variables
    return variables.get("1", "")


@dataclass
class WhatsApp:
    client: TestClient
    channel: WhatsAppChannel
    fake: FakeTwilio
    container: Container
    seen: dict[str, int] = field(default_factory=dict)

    @property
    def uow_factory(self) -> UnitOfWorkFactory:
        return self.container.uow_factory

    def form(
        self,
        phone: str,
        text: str = "",
        *,
        media: Sequence[str | tuple[str, str]] = (),
        button: tuple[str, str] | None = None,
        profile_name: str = "Wanjiru",
        sid: str | None = None,
    ) -> dict[str, str]:
        wa_id = phone.removeprefix("+")
        form = {
            "SmsMessageSid": sid or message_sid(),
            "NumMedia": str(len(media)),
            "ProfileName": profile_name,
            "MessageType": "image" if media else "text",
            "SmsSid": "",
            "WaId": wa_id,
            "SmsStatus": "received",
            "Body": text,
            "To": SENDER,
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "AccountSid": ACCOUNT_SID,
            "From": f"whatsapp:{phone}",
            "ApiVersion": "2010-04-01",
        }
        form["MessageSid"] = form["SmsMessageSid"]
        form["SmsSid"] = form["SmsMessageSid"]
        for n, item in enumerate(media):
            url, content_type = (item, "image/jpeg") if isinstance(item, str) else item
            form[f"MediaUrl{n}"] = url
            form[f"MediaContentType{n}"] = content_type
        if button is not None:
            form["ButtonPayload"], form["ButtonText"] = button
            form["MessageType"] = "button"
        return form

    def sign(self, form: dict[str, str], path: str = WHATSAPP_PATH) -> str:
        validator = RequestValidator(AUTH_TOKEN)
        return str(validator.compute_signature(PUBLIC_BASE_URL + path, form))

    def post(
        self, form: dict[str, str], *, signature: str | None = None, path: str = WHATSAPP_PATH
    ) -> httpx.Response:
        if signature is None:
            signature = self.sign(form, path)
        headers = {"X-Twilio-Signature": signature}
        # Behind the proxy the app is reached over plain http on another host name.
        return self.client.post(f"http://internal:8000{path}", data=form, headers=headers)

    def status(self, sid: str, status: str, error_code: str = "") -> httpx.Response:
        form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID}
        if error_code:
            form["ErrorCode"] = error_code
        return self.post(form, path=STATUS_PATH)

    def deliver(self) -> DeliveryReport:
        return self.channel.delivery.deliver_due()

    def send(self, phone: str, text: str = "", **kwargs: object) -> list[str]:
        """Write as `phone`; what the bot answered (delivered through the fake Twilio)."""
        response = self.post(self.form(phone, text, **kwargs))  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        return self.inbox(phone)

    def inbox(self, phone: str) -> list[str]:
        """What reached `phone` since the last look (after one delivery pass)."""
        self.deliver()
        return things_in_all(rendered(m) for m in self.new_messages(phone))

    def new_messages(self, phone: str) -> list[SentMessage]:
        messages = self.fake.messages_to(phone)
        start = self.seen.get(phone, 0)
        self.seen[phone] = len(messages)
        return messages[start:]


def open_whatsapp(
    database_url: str, tmp_path: Path, fake: FakeTwilio, *, payments_demo: bool = False
) -> Iterator[WhatsApp]:
    container = Container(settings_for(database_url, tmp_path, fake, payments_demo=payments_demo))
    policy = MediaPolicy.for_account(ACCOUNT_SID, fake.base_url)
    # The one test-only widening: the fake CDN lives on localhost under plain http.
    policy = MediaPolicy(
        account_sid=policy.account_sid,
        source_origins=policy.source_origins,
        extra_cdn_origins=frozenset({fake.cdn_origin}),
    )
    channel = build_whatsapp(host(container), media_policy=policy, limiter=RateLimiter(rate=1000))
    app = create_app(container, channel.webhooks.routes())
    try:
        with TestClient(app, base_url="http://internal:8000") as client:
            yield WhatsApp(client, channel, fake, container)
    finally:
        channel.close()
        container.close()


def new_phone() -> str:
    return "+2547" + "".join(secrets.choice("0123456789") for _ in range(8))
