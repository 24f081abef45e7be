"""Daraja's bodies, as Safaricom's documentation shows them, parsed strictly; requests that
Daraja would refuse (or that would charge a wrong amount) refused before they are sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from payments.mpesa.callbacks import parse_b2c_result, parse_stk_callback
from payments.mpesa.errors import MalformedDarajaBody
from payments.mpesa.models import B2CRequest, StkPushRequest, StkResultCode


def stk_paid() -> dict[str, Any]:
    return {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": "29115-34620561-1",
                "CheckoutRequestID": "ws_CO_191220191020363925",
                "ResultCode": 0,
                "ResultDesc": "The service request is processed successfully.",
                "CallbackMetadata": {
                    "Item": [
                        {"Name": "Amount", "Value": 1.00},
                        {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
                        {"Name": "Balance"},
                        {"Name": "TransactionDate", "Value": 20191219102115},
                        {"Name": "PhoneNumber", "Value": 254708374149},
                    ]
                },
            }
        }
    }


def b2c_paid() -> dict[str, Any]:
    return {
        "Result": {
            "ResultType": 0,
            "ResultCode": 0,
            "ResultDesc": "The service request is processed successfully.",
            "OriginatorConversationID": "payout-42",
            "ConversationID": "AG_20191219_00005797af5d7d75f652",
            "TransactionID": "NLJ41HAY6Q",
            "ResultParameters": {
                "ResultParameter": [
                    {"Key": "TransactionAmount", "Value": 10},
                    {"Key": "TransactionReceipt", "Value": "NLJ41HAY6Q"},
                    {"Key": "B2CRecipientIsRegisteredCustomer", "Value": "Y"},
                    {"Key": "ReceiverPartyPublicName", "Value": "254708374149 - John Doe"},
                    {"Key": "TransactionCompletedDateTime", "Value": "19.12.2019 11:45:50"},
                ]
            },
            "ReferenceData": {"ReferenceItem": {"Key": "QueueTimeoutURL", "Value": "https://x"}},
        }
    }


def test_a_paid_stk_callback_gives_its_amount_receipt_and_phone() -> None:
    callback = parse_stk_callback(json.dumps(stk_paid()).encode())
    assert callback.paid
    assert callback.checkout_request_id == "ws_CO_191220191020363925"
    assert (callback.amount_minor, callback.receipt, callback.phone) == (
        100,
        "NLJ7RT61SV",
        "254708374149",
    )
    assert callback.transaction_date == "20191219102115"


def test_a_cancelled_stk_callback_has_no_metadata() -> None:
    body = {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": "8555-67195-1",
                "CheckoutRequestID": "ws_CO_27072017151044001",
                "ResultCode": 1032,
                "ResultDesc": "Request cancelled by user",
            }
        }
    }
    callback = parse_stk_callback(body)
    assert callback.result_code == StkResultCode.CANCELLED
    assert not callback.paid
    assert (callback.amount_minor, callback.receipt) == (None, None)


def broken(change: str) -> Any:
    body = stk_paid()
    inner = body["Body"]["stkCallback"]
    if change == "no CheckoutRequestID":
        del inner["CheckoutRequestID"]
    elif change == "ResultCode text":
        inner["ResultCode"] = "zero"
    elif change == "paid without receipt":
        inner["CallbackMetadata"]["Item"] = [{"Name": "Amount", "Value": 1}]
    elif change == "amount in fractions of a cent":
        inner["CallbackMetadata"]["Item"][0]["Value"] = 1.005
    elif change == "amount infinite":
        return json.dumps(body).replace("1.0", "Infinity", 1).encode()  # Python's JSON reads it
    elif change == "items not a list":
        inner["CallbackMetadata"]["Item"] = "Amount=1"
    elif change == "no Body":
        return {"stkCallback": inner}
    elif change == "not JSON":
        return b"<html>502</html>"
    elif change == "a list":
        return b"[]"
    return body


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("no CheckoutRequestID", "CheckoutRequestID"),
        ("ResultCode text", "ResultCode"),
        ("paid without receipt", "receipt"),
        ("amount in fractions of a cent", "Amount"),
        ("amount infinite", "Amount"),
        ("items not a list", "Item"),
        ("no Body", "Body"),
        ("not JSON", "not JSON"),
        ("a list", "not a JSON object"),
    ],
)
def test_a_malformed_stk_callback_is_refused_saying_why(change: str, says: str) -> None:
    with pytest.raises(MalformedDarajaBody, match=says):
        parse_stk_callback(broken(change))


def test_a_b2c_result_gives_the_payout_id_receipt_and_amount() -> None:
    result = parse_b2c_result(json.dumps(b2c_paid()))
    assert result.succeeded
    assert result.originator_conversation_id == "payout-42"
    assert (result.receipt, result.amount_minor) == ("NLJ41HAY6Q", 1000)
    assert result.parameters["ReceiverPartyPublicName"] == "254708374149 - John Doe"


def test_a_failed_b2c_result_and_a_malformed_one() -> None:
    body = b2c_paid()
    body["Result"].update(ResultCode=2001, ResultDesc="The initiator information is invalid.")
    del body["Result"]["ResultParameters"]
    failed = parse_b2c_result(body)
    assert (failed.succeeded, failed.result_code, failed.amount_minor) == (False, 2001, None)
    del body["Result"]["OriginatorConversationID"]
    with pytest.raises(MalformedDarajaBody, match="OriginatorConversationID"):
        parse_b2c_result(body)


def push(**change: Any) -> StkPushRequest:
    values: dict[str, Any] = {
        "amount_minor": 150_000,
        "currency": "KES",
        "phone": "+254 708 374149",
        "account_reference": "SK-ABC234",
        "description": "Soko order",
        "callback_url": "https://shop.example/webhooks/mpesa/stk/t",
    }
    return StkPushRequest(**(values | change))


def test_a_push_is_whole_shillings_to_a_kenyan_mobile() -> None:
    request = push()
    assert (request.shillings, request.phone) == (1500, "254708374149")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"currency": "USD"}, "KES only"),
        ({"amount_minor": 150_050}, "whole number of shillings"),
        ({"amount_minor": 0}, "whole number of shillings"),
        ({"phone": "0708374149"}, "254712345678"),
        ({"phone": "255708374149"}, "254712345678"),
        ({"description": "Soko order SK-1"}, "TransactionDesc"),
        ({"account_reference": ""}, "AccountReference"),
        ({"callback_url": "ftp://x"}, "CallBackURL"),
    ],
)
def test_a_push_daraja_would_refuse_is_refused_first(change: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        push(**change)


def test_a_payout_is_whole_shillings_too() -> None:
    with pytest.raises(ValueError, match="whole number"):
        B2CRequest("payout-1", 1050, "KES", "254708374149", "Soko payout", "https://r", "https://t")
