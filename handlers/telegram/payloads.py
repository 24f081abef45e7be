"""Choice payloads ⇄ `callback_data`.

Telegram returns at most 64 bytes of `callback_data`; `Choice` already refuses longer payloads,
so the codec is the payload itself, checked both ways: nothing longer goes out, and what comes
back (untrusted, from any client) is only accepted when it could have been ours.
"""

from __future__ import annotations

from conversations.messages import MAX_PAYLOAD_BYTES
from conversations.payloads import UNREADABLE

CALLBACK_DATA_MAX_BYTES = 64


class PayloadTooLong(ValueError):
    def __init__(self, payload: str) -> None:
        super().__init__(f"payload of {len(payload.encode())} bytes: more than Telegram's 64")
        self.payload = payload


def encode_payload(payload: str) -> str:
    if not payload or len(payload.encode()) > min(MAX_PAYLOAD_BYTES, CALLBACK_DATA_MAX_BYTES):
        raise PayloadTooLong(payload)
    return payload


def tapped_payload(data: str | None) -> str:
    """What a tapped button carried; a tap whose data cannot be ours is still a tap, never
    words: `UNREADABLE`, which the dispatcher answers as a button from an earlier message."""
    return decode_payload(data) or UNREADABLE


def decode_payload(data: str | None) -> str | None:
    """The payload a button carried; None for anything we would never have sent."""
    if not data or len(data.encode()) > CALLBACK_DATA_MAX_BYTES or not data.isprintable():
        return None
    return data
