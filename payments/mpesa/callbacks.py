"""Strict parsing of what Daraja posts to the shop: the STK callback and the Result of B2C
and transaction status (also posted, for a timeout, to QueueTimeOutURL). A body that is not
Daraja's shape raises `MalformedDarajaBody` naming what is wrong, never echoing values.
These say nothing about whether the body is genuine: Daraja signs nothing, so the caller
checks the token in the path, that the id is one it issued, and confirms by a query."""

from __future__ import annotations

import json
from typing import Any

from payments.mpesa.errors import MalformedDarajaBody
from payments.mpesa.models import DarajaResult, StkCallback, shillings_to_minor


def parse_stk_callback(body: bytes | str | dict[str, Any]) -> StkCallback:
    """`{"Body": {"stkCallback": {...}}}` as Daraja posts it to CallBackURL."""
    callback = _object(_object(_json(body), "Body"), "stkCallback")
    result_code = _int(callback, "ResultCode")
    items = _metadata(callback, "CallbackMetadata", "Item", "Name")
    if result_code == 0 and not {"Amount", "MpesaReceiptNumber"} <= items.keys():
        raise MalformedDarajaBody("a successful stkCallback without Amount or receipt")
    amount = items.get("Amount")
    try:
        amount_minor = None if amount is None else shillings_to_minor(amount)
    except ValueError as wrong:
        raise MalformedDarajaBody(f"stkCallback Amount: {wrong}") from None
    return StkCallback(
        merchant_request_id=_str(callback, "MerchantRequestID"),
        checkout_request_id=_str(callback, "CheckoutRequestID"),
        result_code=result_code,
        result_desc=_str(callback, "ResultDesc", required=False),
        amount_minor=amount_minor,
        receipt=items.get("MpesaReceiptNumber"),
        phone=items.get("PhoneNumber"),
        transaction_date=items.get("TransactionDate"),
    )


def parse_b2c_result(body: bytes | str | dict[str, Any]) -> DarajaResult:
    """`{"Result": {...}}` as Daraja posts it to ResultURL (or QueueTimeOutURL)."""
    result = _object(_json(body), "Result")
    return DarajaResult(
        result_code=_int(result, "ResultCode"),
        result_desc=_str(result, "ResultDesc", required=False),
        originator_conversation_id=_str(result, "OriginatorConversationID"),
        conversation_id=_str(result, "ConversationID", required=False),
        transaction_id=_str(result, "TransactionID", required=False),
        parameters=_metadata(result, "ResultParameters", "ResultParameter", "Key"),
    )


parse_transaction_status_result = parse_b2c_result


def _json(body: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(body, dict):
        return body
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedDarajaBody("the body is not JSON") from None
    if not isinstance(parsed, dict):
        raise MalformedDarajaBody("the body is not a JSON object")
    return parsed


def _object(parent: dict[str, Any], name: str) -> dict[str, Any]:
    found = parent.get(name)
    if not isinstance(found, dict):
        raise MalformedDarajaBody(f"{name} is missing or not an object")
    return found


def _str(parent: dict[str, Any], name: str, *, required: bool = True) -> str:
    found = parent.get(name)
    if found in (None, "") and not required:  # a status result's TransactionID is often ""
        return ""
    if isinstance(found, bool) or not isinstance(found, str | int) or found == "":
        raise MalformedDarajaBody(f"{name} is missing or not text")
    return str(found)


def _int(parent: dict[str, Any], name: str) -> int:
    found = parent.get(name)
    if isinstance(found, str) and found.strip().isdigit():
        return int(found)
    if isinstance(found, bool) or not isinstance(found, int):
        raise MalformedDarajaBody(f"{name} is missing or not a number")
    return found


def _metadata(parent: dict[str, Any], outer: str, inner: str, key: str) -> dict[str, str]:
    """Daraja's lists of {"Name"/"Key": …, "Value": …} as a dict of text; an item without a
    Value (Daraja sends {"Name": "Balance"}) is left out. A single item may come as an
    object instead of a list."""
    container = parent.get(outer)
    if container is None:
        return {}
    if not isinstance(container, dict):
        raise MalformedDarajaBody(f"{outer} is not an object")
    items = container.get(inner)
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise MalformedDarajaBody(f"{outer}.{inner} is missing or not a list")
    found: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get(key), str):
            raise MalformedDarajaBody(f"an item of {outer}.{inner} has no {key}")
        value = item.get("Value")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise MalformedDarajaBody(f"{outer} {item[key]} is not text or a number")
        found[item[key]] = _text(value)
    return found


def _text(value: str | int | float) -> str:
    return str(value)  # 1.0 → "1.0"; Daraja sends phone numbers as integers
