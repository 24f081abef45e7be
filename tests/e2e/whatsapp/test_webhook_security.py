"""Forged, replayed and malicious Twilio requests: refused before anything is written."""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from store.models import InboxMessage, OutboxMessage
from tests.e2e.whatsapp.harness import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, WhatsApp
from tests.fakes.twilio_api import FakeTwilio, Served
from tests.integration.conversations.listing_support import photo

PHONE = "+254722000111"


def rows(whatsapp: WhatsApp) -> tuple[int, int]:
    with whatsapp.uow_factory(read_only=True) as uow:
        inbox = uow.session.scalar(select(func.count()).select_from(InboxMessage))
        outbox = uow.session.scalar(select(func.count()).select_from(OutboxMessage))
    return inbox or 0, outbox or 0


def test_unsigned_request_is_refused_and_nothing_written(whatsapp: WhatsApp) -> None:
    form = whatsapp.form(PHONE, "Hi")
    response = whatsapp.client.post("/webhooks/twilio/whatsapp", data=form)
    assert response.status_code == 403
    assert rows(whatsapp) == (0, 0)


def test_wrongly_signed_request_is_refused(whatsapp: WhatsApp) -> None:
    form = whatsapp.form(PHONE, "Hi")
    forged = base64.b64encode(b"x" * 20).decode()
    assert whatsapp.post(form, signature=forged).status_code == 403
    assert rows(whatsapp) == (0, 0)


def test_replay_with_a_changed_body_is_refused(whatsapp: WhatsApp) -> None:
    form = whatsapp.form(PHONE, "Hi")
    signature = whatsapp.sign(form)
    assert whatsapp.post({**form, "Body": "menu"}, signature=signature).status_code == 403
    assert whatsapp.post({**form, "WaId": "254799999999"}, signature=signature).status_code == 403
    assert rows(whatsapp) == (0, 0)


def test_a_signature_for_another_url_is_refused(whatsapp: WhatsApp) -> None:
    # Signed for the address the request came in on (Host header), not the public one.
    form = whatsapp.form(PHONE, "Hi")
    validator_url = "http://internal:8000/webhooks/twilio/whatsapp"
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(AUTH_TOKEN).compute_signature(validator_url, form)
    response = whatsapp.client.post(
        "/webhooks/twilio/whatsapp",
        data=form,
        headers={"X-Twilio-Signature": signature, "X-Forwarded-Host": "internal:8000"},
    )
    assert response.status_code == 403
    assert rows(whatsapp) == (0, 0)


def test_a_genuine_request_behind_a_tls_proxy_is_accepted(whatsapp: WhatsApp) -> None:
    form = whatsapp.form(PHONE, "Hi")
    response = whatsapp.client.post(
        "/webhooks/twilio/whatsapp",
        data=form,
        headers={
            "X-Twilio-Signature": whatsapp.sign(form),
            "X-Forwarded-Proto": "http",
            "X-Forwarded-Host": "evil.example",
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")
    assert rows(whatsapp)[0] == 1
    assert PUBLIC_BASE_URL.startswith("https://")


def test_status_callbacks_must_be_signed_too(whatsapp: WhatsApp) -> None:
    form = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "failed", "ErrorCode": "30003"}
    response = whatsapp.client.post("/webhooks/twilio/status", data=form)
    assert response.status_code == 403


@pytest.fixture
def evil_server() -> Iterator[list[str]]:
    """Somewhere a forged media URL might point (an internal service, say)."""
    hits: list[str] = []

    async def anything(request: Request) -> Response:
        hits.append(request.url.path)
        return Response(photo(9), media_type="image/jpeg")

    app = Starlette(routes=[Route("/{path:path}", anything, methods=["GET"])])
    with Served(app) as port:
        hits.append(f"port:{port}")
        yield hits


def test_a_media_url_outside_twilio_is_never_fetched(
    whatsapp: WhatsApp, evil_server: list[str], fake_twilio: FakeTwilio
) -> None:
    port = evil_server.pop(0).removeprefix("port:")
    evil = [
        f"http://127.0.0.1:{port}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1",
        f"http://localhost:{fake_twilio.port}/cdn/anything",  # the CDN is no source
        f"{fake_twilio.base_url}/2010-04-01/Accounts/AC{'9' * 32}/Messages/MM1/Media/ME1",
        f"http://{ACCOUNT_SID}:{AUTH_TOKEN}@127.0.0.1:{port}/steal",
    ]
    answers = whatsapp.send(PHONE, "", media=evil)
    assert evil_server == []  # not one request reached it
    assert not [r for r in fake_twilio.requests if r.method == "GET"]
    assert answers  # the message itself was still handled, each photo kept as refused
    with whatsapp.uow_factory(read_only=True) as uow:
        [row] = uow.session.scalars(select(InboxMessage)).all()
        assert row.payload["photos"] == [{"refused": "not_received"}] * len(evil)


def test_media_is_fetched_with_basic_auth_only_from_twilio_and_not_sent_to_the_cdn(
    whatsapp: WhatsApp, fake_twilio: FakeTwilio
) -> None:
    urls = [fake_twilio.add_media(photo(n)) for n in (1, 2)]
    whatsapp.send(PHONE, "", media=urls)
    gets = [r for r in fake_twilio.requests if r.method == "GET"]
    api = [r for r in gets if r.host.startswith("127.0.0.1")]
    cdn = [r for r in gets if r.host.startswith("localhost")]
    assert len(api) == 2
    assert all(r.authorized for r in api)
    assert len(cdn) == 2
    assert not any(r.authorized for r in cdn)


def test_the_auth_token_never_reaches_the_logs(
    whatsapp: WhatsApp, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    whatsapp.send(PHONE, "Hi", media=[fake_twilio.add_media(photo(3))])
    fake_twilio.fail_next(500, 20500)
    whatsapp.send(PHONE, "menu")
    whatsapp.post(whatsapp.form(PHONE, "x"), signature="bad")
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert caplog.records
    assert AUTH_TOKEN not in caplog.text
    assert credentials not in caplog.text


def test_the_same_message_twice_in_parallel_has_one_effect(whatsapp_on_both: WhatsApp) -> None:
    whatsapp = whatsapp_on_both
    form = whatsapp.form(PHONE, "Hi")
    signature = whatsapp.sign(form)
    barrier = threading.Barrier(4)
    codes: list[int] = []

    def post() -> None:
        barrier.wait()
        codes.append(whatsapp.post(form, signature=signature).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200, 200, 200, 200]
    inbox, outbox = rows(whatsapp)
    assert inbox == 1
    whatsapp.deliver()
    answers = whatsapp.new_messages(PHONE)
    assert answers[0].body.startswith("Welcome to Soko!")
    assert len(answers) == outbox  # one set of answers, not four
