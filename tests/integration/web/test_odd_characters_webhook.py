"""A WhatsApp message with a NUL byte and a right-to-left override, through the real webhook
on both databases: recorded cleaned (PostgreSQL text cannot hold NUL), never a 500, never
lost, and answered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, select
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.container import Container
from bot.routes import channel_routes
from bot.web import create_app
from store.models import Channel, Identity, InboxMessage, InboxStatus, OutboxMessage
from tests.integration.web.conftest import BASE_URL, make_container

TWILIO_TOKEN = "twilio-token"
PATH = "/webhooks/twilio/whatsapp"


@pytest.fixture
def whatsapp(engine: Engine, tmp_path: Path) -> Iterator[tuple[Container, TestClient]]:
    container = make_container(
        engine,
        tmp_path / "media",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=SecretStr(TWILIO_TOKEN),
    )
    app = create_app(container, channel_routes(container))
    with TestClient(app, base_url=BASE_URL) as client:
        yield container, client
    container.close()


def post_signed(client: TestClient, form: dict[str, str]) -> int:
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(BASE_URL + PATH, form)
    response = client.post(PATH, data=form, headers={"X-Twilio-Signature": signature})
    return response.status_code


def test_a_nul_byte_and_a_bidi_override_are_cleaned_before_the_message_is_recorded(
    whatsapp: tuple[Container, TestClient],
) -> None:
    container, client = whatsapp
    form = {
        "MessageSid": "SM" + "a" * 32,
        "WaId": "254712345678",
        "From": "whatsapp:+254712345678",
        "ProfileName": "Ami\u202ena\x00",
        "Body": "habari\x00 yako\x07\nmama",
    }

    assert post_signed(client, form) == 200

    with container.uow_factory() as uow:
        row = uow.session.execute(select(InboxMessage)).scalar_one()
        assert row.payload["text"] == "habari yako\nmama"
        assert row.payload["profile_name"] == "Amina"
        assert row.status == InboxStatus.HANDLED
        identity = uow.session.execute(
            select(Identity).where(Identity.channel == Channel.WHATSAPP)
        ).scalar_one()
        assert identity.profile_name == "Amina"
        answered = uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.platform_user_id == "+254712345678")
        ).scalars()
        assert list(answered)
