"""The real `DarajaClient` against the fake Daraja API (tests/fakes/daraja_api.py), and
Daraja's callbacks delivered to a shop-like receiver and parsed."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from payments.mpesa.callbacks import parse_b2c_result, parse_stk_callback
from payments.mpesa.client import (
    B2C_PATH,
    OAUTH_PATH,
    STK_PUSH_PATH,
    STK_QUERY_PATH,
    DarajaClient,
    DarajaConfig,
)
from payments.mpesa.errors import DarajaAuthFailed, DarajaRefused, DarajaUnavailable
from payments.mpesa.models import B2CRequest, StkPushRequest, TransactionStatusRequest
from tests.fakes import daraja_api
from tests.fakes.daraja_api import FakeDaraja, make_certificate
from tests.fakes.serving import free_port, serve_app


@dataclass
class Receiver:
    """The shop's side of Daraja's callbacks: what was posted to which path."""

    url: str = ""
    posted: list[tuple[str, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self, path: str) -> list[bytes]:
        with self.lock:
            return [body for where, body in self.posted if where == path]


@pytest.fixture(scope="module")
def daraja() -> Iterator[tuple[FakeDaraja, str]]:
    fake = FakeDaraja.make()
    with daraja_api.serve(fake) as url:
        yield fake, url


@pytest.fixture
def fake(daraja: tuple[FakeDaraja, str]) -> Iterator[FakeDaraja]:
    fake = daraja[0]
    yield fake
    fake.release()
    fake.failing.clear()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    async def record(request: Request) -> JSONResponse:
        with found.lock:
            found.posted.append((request.url.path, await request.body()))
        return JSONResponse({"ResultCode": 0, "ResultDesc": "Accepted"})

    with serve_app(Starlette(routes=[Route("/{path:path}", record, methods=["POST"])])) as url:
        found.url = url
        yield found


@pytest.fixture
def pauses() -> list[float]:
    return []


def config_for(url: str, fake: FakeDaraja, **change: Any) -> DarajaConfig:
    config = DarajaConfig(
        base_url=url,
        consumer_key=daraja_api.CONSUMER_KEY,
        consumer_secret=daraja_api.CONSUMER_SECRET,
        shortcode=daraja_api.SHORTCODE,
        passkey=daraja_api.PASSKEY,
        initiator_name=daraja_api.INITIATOR_NAME,
        initiator_password=daraja_api.INITIATOR_PASSWORD,
        certificate=fake.certificate,
        read_timeout=0.5,
    )
    return replace(config, **change)


@pytest.fixture
def client(daraja: tuple[FakeDaraja, str], pauses: list[float]) -> Iterator[DarajaClient]:
    fake, url = daraja
    with DarajaClient(config_for(url, fake), sleep=pauses.append) as made:
        yield made


def a_push(receiver: Receiver, **change: Any) -> StkPushRequest:
    values: dict[str, Any] = {
        "amount_minor": 150_000,
        "currency": "KES",
        "phone": "+254708374149",
        "account_reference": "SK-ABC234",
        "description": "Soko order",
        "callback_url": f"{receiver.url}/mpesa/stk/SK-ABC234",
    }
    return StkPushRequest(**(values | change))


def a_payout(receiver: Receiver, payout_id: str) -> B2CRequest:
    return B2CRequest(
        originator_conversation_id=payout_id,
        amount_minor=250_000,
        currency="KES",
        phone="254722000111",
        remarks="Soko payout",
        result_url=f"{receiver.url}/mpesa/b2c/{payout_id}/result",
        timeout_url=f"{receiver.url}/mpesa/b2c/{payout_id}/timeout",
    )


# --- the token ---------------------------------------------------------------------------


def test_the_token_is_fetched_once_and_reused(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver
) -> None:
    before = fake.token_requests
    accepted = client.stk_push(a_push(receiver))
    client.stk_query(accepted.checkout_request_id)
    client.stk_query(accepted.checkout_request_id)
    assert fake.token_requests - before == 1


def test_a_token_daraja_refuses_is_replaced_once(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver
) -> None:
    accepted = client.stk_push(a_push(receiver))
    fake.expire_tokens()
    before, queries = fake.token_requests, fake.calls(STK_QUERY_PATH)

    assert client.stk_query(accepted.checkout_request_id).pending

    assert fake.token_requests - before == 1
    assert fake.calls(STK_QUERY_PATH) - queries == 2  # refused, then with the new token


def test_threads_share_one_token_fetch(daraja: tuple[FakeDaraja, str]) -> None:
    fake, url = daraja
    with DarajaClient(config_for(url, fake)) as client:
        before = fake.token_requests
        with ThreadPoolExecutor(max_workers=8) as pool:
            tokens = set(pool.map(lambda _: client.token(), range(16)))
    assert len(tokens) == 1
    assert fake.token_requests - before == 1


def test_one_token_expired_early_is_replaced(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver
) -> None:
    accepted = client.stk_push(a_push(receiver))
    fake.expire_tokens(client.token())
    before = fake.token_requests
    assert client.stk_query(accepted.checkout_request_id).pending
    assert fake.token_requests - before == 1


def test_the_token_is_renewed_before_it_expires(
    daraja: tuple[FakeDaraja, str], receiver: Receiver
) -> None:
    fake, url = daraja
    now = [1000.0]
    with DarajaClient(config_for(url, fake), monotonic=lambda: now[0]) as client:
        before = fake.token_requests
        first = client.token()
        now[0] += daraja_api.TOKEN_SECONDS - 61  # inside the margin of a minute: kept
        assert client.token() == first
        now[0] += 2
        assert client.token() != first
    assert fake.token_requests - before == 2


def test_wrong_consumer_keys_fail_as_auth_failed_without_the_secret(
    daraja: tuple[FakeDaraja, str], receiver: Receiver
) -> None:
    fake, url = daraja
    wrong = config_for(url, fake, consumer_secret="wrong-consumer-secret-77")
    before = fake.calls(STK_PUSH_PATH)
    with DarajaClient(wrong) as client, pytest.raises(DarajaAuthFailed) as failed:
        client.stk_push(a_push(receiver))
    assert "wrong-consumer-secret-77" not in str(failed.value)
    assert fake.calls(STK_PUSH_PATH) == before  # nothing pushed


# --- STK push and query ------------------------------------------------------------------


def test_a_push_the_buyer_pays_is_called_back_and_confirmed_by_a_query(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver
) -> None:
    accepted = client.stk_push(a_push(receiver))
    sent = fake.pushes[accepted.checkout_request_id].body
    assert (sent["Amount"], sent["PartyA"], sent["PhoneNumber"]) == (
        1500,
        "254708374149",
        "254708374149",
    )
    assert (sent["AccountReference"], sent["TransactionType"]) == (
        "SK-ABC234",
        "CustomerPayBillOnline",
    )
    assert client.stk_query(accepted.checkout_request_id).pending

    fake.answer_push(accepted.checkout_request_id, 0)

    [body] = receiver.bodies("/mpesa/stk/SK-ABC234")[-1:]
    callback = parse_stk_callback(body)
    assert (callback.checkout_request_id, callback.paid, callback.amount_minor) == (
        accepted.checkout_request_id,
        True,
        150_000,
    )
    assert callback.receipt
    assert callback.phone == "254708374149"
    queried = client.stk_query(accepted.checkout_request_id)
    assert (queried.paid, queried.result_code) == (True, 0)


@pytest.mark.parametrize("code", [1032, 1037, 1, 2001])
def test_a_push_that_fails_is_called_back_and_queried_with_its_code(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver, code: int
) -> None:
    accepted = client.stk_push(a_push(receiver, account_reference=f"SK-{code}"))
    fake.answer_push(accepted.checkout_request_id, code)
    [body] = receiver.bodies("/mpesa/stk/SK-ABC234")[-1:]
    callback = parse_stk_callback(body)
    assert (callback.result_code, callback.paid, callback.amount_minor) == (code, False, None)
    assert client.stk_query(accepted.checkout_request_id).result_code == code


def test_a_callback_can_be_held_duplicated_or_never_sent(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver
) -> None:
    path = "/mpesa/stk/held"
    url = f"{receiver.url}{path}"
    held = client.stk_push(a_push(receiver, callback_url=url))
    fake.answer_push(held.checkout_request_id, 0, deliver=0)
    assert receiver.bodies(path) == []
    assert client.stk_query(held.checkout_request_id).paid  # the query knows all the same

    assert fake.deliver_push(held.checkout_request_id, times=3) == [200, 200, 200]
    bodies = receiver.bodies(path)
    assert len(bodies) == 3
    assert len(set(bodies)) == 1


def test_a_wrong_passkey_is_refused_with_dara_jas_code(
    daraja: tuple[FakeDaraja, str], receiver: Receiver
) -> None:
    fake, url = daraja
    wrong = config_for(url, fake, passkey="not-the-passkey")
    with DarajaClient(wrong) as client, pytest.raises(DarajaRefused) as refused:
        client.stk_push(a_push(receiver))
    assert (refused.value.status, refused.value.error_code) == (400, "400.002.02")
    assert "Invalid Password" in str(refused.value)
    assert "not-the-passkey" not in str(refused.value)


def test_a_push_that_fails_5xx_is_not_sent_again(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver, pauses: list[float]
) -> None:
    before = fake.calls(STK_PUSH_PATH)
    fake.fail_next(STK_PUSH_PATH, 500)
    with pytest.raises(DarajaUnavailable) as failed:
        client.stk_push(a_push(receiver))
    assert (failed.value.maybe_received, failed.value.status) == (True, 500)
    assert fake.calls(STK_PUSH_PATH) - before == 1
    assert pauses == []


def test_a_push_left_unanswered_times_out_and_is_not_sent_again(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver
) -> None:
    before = fake.calls(STK_PUSH_PATH)
    fake.hang(STK_PUSH_PATH)
    with pytest.raises(DarajaUnavailable, match="ReadTimeout") as failed:
        client.stk_push(a_push(receiver))
    assert failed.value.maybe_received
    fake.release()  # Daraja may act on it now: it was sent once, never twice
    assert fake.calls(STK_PUSH_PATH) - before == 1


def test_a_throttled_push_is_tried_again_a_bounded_number_of_times(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver, pauses: list[float]
) -> None:
    before = fake.calls(STK_PUSH_PATH)
    fake.fail_next(STK_PUSH_PATH, 429)
    assert client.stk_push(a_push(receiver)).checkout_request_id
    assert fake.calls(STK_PUSH_PATH) - before == 2
    assert pauses == [0.5]

    fake.fail_next(STK_PUSH_PATH, 429, 429, 429, 429)
    with pytest.raises(DarajaUnavailable, match="429") as failed:
        client.stk_push(a_push(receiver))
    assert not failed.value.maybe_received
    assert fake.calls(STK_PUSH_PATH) - before == 2 + 3
    assert pauses == [0.5, 0.5, 1.0]


def test_a_query_is_tried_again_with_backoff_then_gives_up(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver, pauses: list[float]
) -> None:
    accepted = client.stk_push(a_push(receiver))
    fake.answer_push(accepted.checkout_request_id, 0)
    before = fake.calls(STK_QUERY_PATH)

    fake.fail_next(STK_QUERY_PATH, 503, 500)
    assert client.stk_query(accepted.checkout_request_id).paid
    assert pauses == [0.5, 1.0]

    fake.fail_next(STK_QUERY_PATH, 503, 503, 503, 503)
    with pytest.raises(DarajaUnavailable) as failed:
        client.stk_query(accepted.checkout_request_id)
    assert failed.value.status == 503
    assert fake.calls(STK_QUERY_PATH) - before == 3 + 3
    fake.failing.clear()


def test_a_query_left_unanswered_is_tried_again(
    daraja: tuple[FakeDaraja, str], receiver: Receiver, pauses: list[float]
) -> None:
    fake, url = daraja
    with DarajaClient(config_for(url, fake, retries=1), sleep=pauses.append) as client:
        accepted = client.stk_push(a_push(receiver))
        before = fake.calls(STK_QUERY_PATH)
        fake.hang(STK_QUERY_PATH)
        with pytest.raises(DarajaUnavailable, match="ReadTimeout"):
            client.stk_query(accepted.checkout_request_id)
        fake.release()
    assert fake.calls(STK_QUERY_PATH) - before == 2
    assert pauses == [0.5]


def test_daraja_unreachable_is_tried_again_and_said_to_have_received_nothing(
    daraja: tuple[FakeDaraja, str], receiver: Receiver, pauses: list[float]
) -> None:
    fake, _ = daraja
    nowhere = f"http://127.0.0.1:{free_port()}"
    client = DarajaClient(config_for(nowhere, fake), sleep=pauses.append)
    with client, pytest.raises(DarajaUnavailable, match="ConnectError") as failed:
        client.stk_push(a_push(receiver))
    assert not failed.value.maybe_received
    assert pauses == [0.5, 1.0]  # the OAuth call, tried three times


class RefuseConnections(httpx.HTTPTransport):
    """Connections to `path` cannot be made, `times` times: the request never left."""

    def __init__(self, path: str, times: int) -> None:
        super().__init__()
        self.path, self.times = path, times

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self.path and self.times:
            self.times -= 1
            raise httpx.ConnectError("connection refused", request=request)
        return super().handle_request(request)


def test_a_push_that_could_not_connect_is_sent_again(
    daraja: tuple[FakeDaraja, str], receiver: Receiver, pauses: list[float]
) -> None:
    fake, url = daraja
    refusing = RefuseConnections(STK_PUSH_PATH, times=2)
    before = len(fake.pushes)
    with DarajaClient(config_for(url, fake), transport=refusing, sleep=pauses.append) as client:
        accepted = client.stk_push(a_push(receiver))
    assert accepted.checkout_request_id in fake.pushes
    assert len(fake.pushes) - before == 1
    assert pauses == [0.5, 1.0]


# --- B2C and transaction status ----------------------------------------------------------


def test_a_payout_with_the_real_certificate_is_paid_and_its_result_posted(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver
) -> None:
    accepted = client.b2c(a_payout(receiver, "payout-1"))
    assert accepted.originator_conversation_id == "payout-1"
    sent = fake.payouts["payout-1"].body
    assert (sent["Amount"], sent["PartyB"], sent["CommandID"]) == (
        2500,
        "254722000111",
        "BusinessPayment",
    )
    assert fake.payouts["payout-1"].credential_ok

    fake.answer_payout("payout-1", 0)

    [body] = receiver.bodies("/mpesa/b2c/payout-1/result")
    result = parse_b2c_result(body)
    assert (result.succeeded, result.originator_conversation_id, result.amount_minor) == (
        True,
        "payout-1",
        250_000,
    )
    assert result.receipt
    assert result.conversation_id == accepted.conversation_id


def test_a_payout_sealed_with_another_certificate_fails_2001(
    daraja: tuple[FakeDaraja, str], receiver: Receiver
) -> None:
    fake, url = daraja
    other, _ = make_certificate()
    with DarajaClient(config_for(url, fake, certificate=other)) as client:
        client.b2c(a_payout(receiver, "payout-2"))
    fake.answer_payout("payout-2", 0)
    [body] = receiver.bodies("/mpesa/b2c/payout-2/result")
    assert parse_b2c_result(body).result_code == 2001


def test_a_payout_that_times_out_is_posted_to_the_timeout_url(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver
) -> None:
    client.b2c(a_payout(receiver, "payout-3"))
    fake.answer_payout("payout-3", 1, timeout=True)
    assert receiver.bodies("/mpesa/b2c/payout-3/result") == []
    [body] = receiver.bodies("/mpesa/b2c/payout-3/timeout")
    assert parse_b2c_result(body).originator_conversation_id == "payout-3"


def test_a_payout_that_fails_5xx_is_not_sent_again(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver
) -> None:
    before = fake.calls(B2C_PATH)
    fake.fail_next(B2C_PATH, 503)
    with pytest.raises(DarajaUnavailable) as failed:
        client.b2c(a_payout(receiver, "payout-4"))
    assert failed.value.maybe_received
    assert fake.calls(B2C_PATH) - before == 1
    assert "payout-4" not in fake.payouts


def test_the_transaction_status_of_a_payout_is_posted_to_the_result_url(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver
) -> None:
    client.b2c(a_payout(receiver, "payout-5"))
    client.transaction_status(
        TransactionStatusRequest(
            originator_conversation_id="payout-5",
            result_url=f"{receiver.url}/mpesa/status/result",
            timeout_url=f"{receiver.url}/mpesa/status/timeout",
        )
    )
    sent = fake.status_queries[-1].body
    assert (sent["CommandID"], sent["IdentifierType"]) == ("TransactionStatusQuery", "4")
    # Asked by the payout's own id, as Safaricom names the field; no receipt known yet.
    assert (sent["OriginalConversationID"], sent["TransactionID"]) == ("payout-5", "")
    fake.answer_status()
    result = parse_b2c_result(receiver.bodies("/mpesa/status/result")[-1])
    # ResultCode 0 is the query's; the payout's outcome is in the parameters.
    assert result.succeeded
    assert result.originator_conversation_id != "payout-5"
    assert result.parameters["TransactionStatus"] == "Completed"
    assert result.parameters["ReceiptNo"] == fake.payouts["payout-5"].receipt


# --- secrets -----------------------------------------------------------------------------


def test_no_secret_is_logged_or_put_in_an_error(
    client: DarajaClient, fake: FakeDaraja, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    accepted = client.stk_push(a_push(receiver))
    fake.expire_tokens()
    client.stk_query(accepted.checkout_request_id)
    fake.fail_next(STK_PUSH_PATH, 500)
    fake.fail_next(STK_QUERY_PATH, 503, 503, 503)
    for call in (
        lambda: client.stk_push(a_push(receiver)),
        lambda: client.stk_query(accepted.checkout_request_id),
    ):
        try:
            call()
        except DarajaUnavailable as failed:
            errors.append(str(failed))
    client.b2c(a_payout(receiver, "payout-6"))
    client.transaction_status(
        TransactionStatusRequest(
            transaction_id="SFK00000001",
            result_url=f"{receiver.url}/s",
            timeout_url=f"{receiver.url}/t",
        )
    )
    secrets = [
        daraja_api.CONSUMER_SECRET,
        daraja_api.PASSKEY,
        daraja_api.INITIATOR_PASSWORD,
        fake.pushes[accepted.checkout_request_id].body["Password"],
        fake.payouts["payout-6"].body["SecurityCredential"],
        *fake.issued_tokens,
    ]
    written = caplog.text + "\n".join(errors)
    assert len(errors) == 2
    assert STK_PUSH_PATH in caplog.text  # the logs say what was called, and how it went
    assert [secret for secret in secrets if secret in written] == []


def test_an_error_message_that_echoes_a_secret_is_scrubbed(receiver: Receiver) -> None:
    fake = FakeDaraja.make()
    passwords: list[str] = []

    def echo(request: httpx.Request) -> httpx.Response:
        if request.url.path == OAUTH_PATH:
            return httpx.Response(200, json={"access_token": "tok-echoed-9", "expires_in": "3599"})
        sent = json.loads(request.content)
        passwords.append(sent["Password"])
        return httpx.Response(
            400,
            json={
                "errorCode": "400.002.02",
                "errorMessage": f"Bad password {sent['Password']} for {daraja_api.PASSKEY}"
                f" with tok-echoed-9",
            },
        )

    config = config_for("http://daraja.test", fake)
    client = DarajaClient(config, transport=httpx.MockTransport(echo))
    with client, pytest.raises(DarajaRefused) as refused:
        client.stk_push(a_push(receiver))
    message = str(refused.value)
    assert message.startswith("Daraja refused the request (400 400.002.02: Bad password")
    assert daraja_api.PASSKEY not in message
    assert "tok-echoed-9" not in message
    assert passwords
    assert passwords[0] not in message


# --- separate shortcodes ---------------------------------------------------------------


def test_a_till_is_paid_to_its_till_number_signed_with_the_store_number(
    daraja: tuple[FakeDaraja, str], fake: FakeDaraja, receiver: Receiver
) -> None:
    till = replace(
        config_for(daraja[1], fake),
        transaction_type="CustomerBuyGoodsOnline",
        till_number=daraja_api.TILL_NUMBER,
    )
    with DarajaClient(till) as client:
        accepted = client.stk_push(a_push(receiver))
    sent = fake.pushes[accepted.checkout_request_id].body
    assert (sent["BusinessShortCode"], sent["PartyB"]) == (
        daraja_api.SHORTCODE,
        daraja_api.TILL_NUMBER,
    )
    # Without the till number, Daraja refuses a buy-goods push paid to the store number.
    with (
        DarajaClient(replace(till, till_number="")) as client,
        pytest.raises(DarajaRefused),
    ):
        client.stk_push(a_push(receiver))


def test_payouts_come_from_the_b2c_shortcode(
    daraja: tuple[FakeDaraja, str], fake: FakeDaraja, receiver: Receiver
) -> None:
    fake.b2c_shortcode = daraja_api.B2C_SHORTCODE
    try:
        with DarajaClient(replace(config_for(daraja[1], fake), b2c_shortcode="600999")) as client:
            client.b2c(a_payout(receiver, "payout-b2c-1"))
            client.transaction_status(
                TransactionStatusRequest(
                    originator_conversation_id="payout-b2c-1",
                    result_url=f"{receiver.url}/mpesa/status/result",
                    timeout_url=f"{receiver.url}/mpesa/status/timeout",
                )
            )
        assert fake.payouts["payout-b2c-1"].body["PartyA"] == "600999"
        assert fake.status_queries[-1].body["PartyA"] == "600999"
        with DarajaClient(config_for(daraja[1], fake)) as client, pytest.raises(DarajaRefused):
            client.b2c(a_payout(receiver, "payout-b2c-2"))  # from the STK shortcode
    finally:
        fake.b2c_shortcode = daraja_api.SHORTCODE
