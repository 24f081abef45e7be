"""Typed requests to Daraja and what it answers. Requests check what Daraja would refuse, or
what would charge a wrong amount, before anything is sent: amounts are minor units with
their currency (KES, whole shillings only: Daraja takes integer shillings), phone numbers
as Safaricom writes them: 254, then 7 or 1, then eight digits (254712345678)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import Final

KES: Final = "KES"
CENTS_PER_SHILLING: Final = 100
DESCRIPTION_MAX: Final = 13  # TransactionDesc
ACCOUNT_REFERENCE_MAX: Final = 12
REMARKS_MAX: Final = 100
_MSISDN: Final = re.compile(r"254[17][0-9]{8}")


class StkResultCode(IntEnum):
    """The ResultCodes of an STK push the shop tells apart (others exist)."""

    SUCCESS = 0
    INSUFFICIENT_FUNDS = 1
    WRONG_PIN = 2001
    CANCELLED = 1032
    TIMED_OUT = 1037


def whole_shillings(amount_minor: int, currency: str) -> int:
    """`amount_minor` of `currency` as Daraja's Amount; ValueError for anything but a
    positive whole number of Kenyan shillings."""
    if currency != KES:
        raise ValueError(f"M-Pesa takes KES only, not {currency}")
    if amount_minor <= 0 or amount_minor % CENTS_PER_SHILLING:
        raise ValueError("M-Pesa takes a positive whole number of shillings")
    return amount_minor // CENTS_PER_SHILLING


def msisdn(phone: str) -> str:
    """A Safaricom number as Daraja wants it (254712345678); '+' and spaces are dropped."""
    digits = phone.replace(" ", "").removeprefix("+")
    if not _MSISDN.fullmatch(digits):
        raise ValueError("the phone number must be a Kenyan mobile number like 254712345678")
    return digits


def _short(text: str, limit: int, name: str) -> str:
    if not text or len(text) > limit:
        raise ValueError(f"{name} must be 1 to {limit} characters")
    return text


@dataclass(frozen=True)
class StkPushRequest:
    """Ask the buyer's phone to pay `amount_minor` KES to the shop's shortcode."""

    amount_minor: int
    currency: str
    phone: str
    account_reference: str  # the order code
    description: str
    callback_url: str

    def __post_init__(self) -> None:
        whole_shillings(self.amount_minor, self.currency)
        object.__setattr__(self, "phone", msisdn(self.phone))
        _short(self.account_reference, ACCOUNT_REFERENCE_MAX, "AccountReference")
        _short(self.description, DESCRIPTION_MAX, "TransactionDesc")
        if not self.callback_url.startswith("https://") and not self.callback_url.startswith(
            "http://"
        ):
            raise ValueError("CallBackURL must be an http(s) address")

    @property
    def shillings(self) -> int:
        return whole_shillings(self.amount_minor, self.currency)


@dataclass(frozen=True)
class StkPushAccepted:
    merchant_request_id: str
    checkout_request_id: str
    response_description: str
    customer_message: str


@dataclass(frozen=True)
class StkQueryResult:
    """Where a push stands. `result_code` None: still being processed (she has not answered
    the prompt yet)."""

    checkout_request_id: str
    result_code: int | None
    result_desc: str
    merchant_request_id: str = ""

    @property
    def pending(self) -> bool:
        return self.result_code is None

    @property
    def paid(self) -> bool:
        return self.result_code == StkResultCode.SUCCESS


@dataclass(frozen=True)
class B2CRequest:
    """Pay `amount_minor` KES to an artisan's phone. `originator_conversation_id` is the
    caller's own id for the payout (its payout id), which Daraja's result carries back."""

    originator_conversation_id: str
    amount_minor: int
    currency: str
    phone: str
    remarks: str
    result_url: str
    timeout_url: str
    occasion: str = ""

    def __post_init__(self) -> None:
        whole_shillings(self.amount_minor, self.currency)
        object.__setattr__(self, "phone", msisdn(self.phone))
        _short(self.originator_conversation_id, REMARKS_MAX, "OriginatorConversationID")
        _short(self.remarks, REMARKS_MAX, "Remarks")

    @property
    def shillings(self) -> int:
        return whole_shillings(self.amount_minor, self.currency)


@dataclass(frozen=True)
class RequestAccepted:
    """Daraja took an asynchronous request (B2C, transaction status); the result follows at
    the ResultURL."""

    conversation_id: str
    originator_conversation_id: str
    response_description: str


B2CAccepted = RequestAccepted
TransactionStatusAccepted = RequestAccepted


@dataclass(frozen=True)
class TransactionStatusRequest:
    """Ask what became of a transaction: by its M-Pesa receipt (`transaction_id`) or by
    the OriginatorConversationID the shop gave it."""

    result_url: str
    timeout_url: str
    transaction_id: str = ""
    originator_conversation_id: str = ""
    remarks: str = "status"

    def __post_init__(self) -> None:
        if not (self.transaction_id or self.originator_conversation_id):
            raise ValueError("a transaction id or an OriginatorConversationID is needed")
        _short(self.remarks, REMARKS_MAX, "Remarks")


@dataclass(frozen=True)
class StkCallback:
    """What Daraja posts to CallBackURL once the buyer answered the prompt (or did not)."""

    merchant_request_id: str
    checkout_request_id: str
    result_code: int
    result_desc: str
    amount_minor: int | None = None  # KES; only on success
    receipt: str | None = None  # MpesaReceiptNumber
    phone: str | None = None
    transaction_date: str | None = None  # YYYYMMDDHHMMSS, Nairobi

    @property
    def paid(self) -> bool:
        return self.result_code == StkResultCode.SUCCESS


@dataclass(frozen=True)
class DarajaResult:
    """What Daraja posts to a ResultURL (B2C, transaction status) or QueueTimeOutURL."""

    result_code: int
    result_desc: str
    originator_conversation_id: str
    conversation_id: str
    transaction_id: str
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.result_code == 0

    @property
    def amount_minor(self) -> int | None:
        amount = self.parameters.get("TransactionAmount") or self.parameters.get("Amount")
        return None if amount is None else shillings_to_minor(amount)

    @property
    def receipt(self) -> str | None:
        return self.parameters.get("TransactionReceipt") or self.transaction_id or None


B2CResult = DarajaResult


def shillings_to_minor(value: str) -> int:
    """Daraja's amount ("1", "1.00", 10) as KES minor units."""
    try:
        amount = Decimal(value) * CENTS_PER_SHILLING
    except InvalidOperation:
        raise ValueError("an amount that is not a number") from None
    if not amount.is_finite():  # Python's JSON reads Infinity and NaN
        raise ValueError("an amount that is not a number")
    if amount != amount.to_integral_value() or amount < 0:
        raise ValueError("an amount that is not whole cents")
    return int(amount)
