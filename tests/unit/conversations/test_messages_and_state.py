"""Message types, their JSON form, and the in-memory state store."""

from __future__ import annotations

import dataclasses
import json

import pytest

from conversations.errors import StaleState
from conversations.messages import (
    Choice,
    Contact,
    ImageRef,
    Inbound,
    Invoice,
    InvoicePrice,
    LinkButton,
    Location,
    Outbound,
)
from conversations.photo_records import StoredPhoto
from conversations.state import ConversationSnapshot, MemoryStateStore
from store.media.advice import Advice
from store.media.errors import PhotoError, PhotoErrorCode
from store.models import Channel
from store.services.product_photos import PhotoRecord


def test_outbound_round_trips_through_json() -> None:
    message = Outbound(
        "Karibu",
        image=ImageRef(url="https://soko.example/media/p.jpg"),
        choices=(Choice("Menyu", "menu"),),
        links=(LinkButton("Lipa", "https://pay.example"),),
        request_contact=True,
        replaces="314",
    )
    assert Outbound.from_dict(json.loads(json.dumps(message.to_dict()))) == message
    assert "replaces" not in Outbound("hi").to_dict()


def test_an_invoice_round_trips_through_json_and_is_absent_otherwise() -> None:
    invoice = Invoice(
        "Order SK-1",
        "1 × Copper earrings",
        "SK-1.abc123",
        "EUR",
        (InvoicePrice("1 × Copper earrings", 2450), InvoicePrice("Shipping", 900)),
    )
    message = Outbound("", invoice=invoice)
    data = json.loads(json.dumps(message.to_dict()))
    assert data["invoice"]["prices"][1] == {"label": "Shipping", "amount": 900}
    assert Outbound.from_dict(data) == message
    assert "invoice" not in Outbound("hi").to_dict()
    assert Outbound.from_dict(Outbound("hi").to_dict()).invoice is None


STORED = StoredPhoto(
    PhotoRecord(
        sha256="ab" * 32,
        phash="0123456789abcdef",
        width=1600,
        height=1200,
        keys={"large": f"{'ab' * 32}/large.jpg", "thumb": f"{'ab' * 32}/thumb.jpg"},
    ),
    advice=(Advice.TOO_DARK,),
)


def test_inbound_round_trips_with_its_photos_as_stored_records_never_bytes() -> None:
    sent = Inbound(
        Channel.TELEGRAM,
        "42",
        "99",
        text="hi",
        photos=(STORED, PhotoError(PhotoErrorCode.NOT_AN_IMAGE, "detail for logs")),
        payload="x",
        location=Location(-1.28, 36.82),
        contact=Contact("+254700000000", is_own=False),
        locale_hint="sw",
        profile_name="Amina",
        media_group_id="g",
        tapped_message_id="314",
    )
    content = json.loads(json.dumps(sent.content_dict()))
    assert content["photos"][1] == {"refused": "not_an_image"}  # the detail stays in the logs
    back = Inbound.from_content_dict(
        channel=Channel.TELEGRAM, platform_user_id="42", platform_message_id="99", content=content
    )
    assert back.photos == (STORED, PhotoError(PhotoErrorCode.NOT_AN_IMAGE))
    assert back == dataclasses.replace(sent, photos=back.photos)


def test_a_row_recorded_with_a_raw_photo_blob_asks_for_the_photo_again() -> None:
    # Rows recorded before the adapters stored photos first hold "incoming/<sha256>" keys.
    content = {"text": "", "photos": ["incoming/" + "ab" * 32]}
    back = Inbound.from_content_dict(
        channel=Channel.TELEGRAM, platform_user_id="42", platform_message_id="7", content=content
    )
    [photo] = back.photos
    assert isinstance(photo, PhotoError)
    assert photo.code is PhotoErrorCode.NOT_SAVED


@pytest.mark.parametrize(
    ("label", "payload"), [("", "x"), ("  ", "x"), ("ok", ""), ("ok", "é" * 33)]
)
def test_choices_are_checked(label: str, payload: str) -> None:
    with pytest.raises(ValueError, match="choice"):
        Choice(label, payload)


def test_an_image_is_a_key_or_a_url() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        ImageRef()
    with pytest.raises(ValueError, match="exactly one"):
        ImageRef(key="a", url="b")


def test_memory_state_store_checks_versions() -> None:
    store = MemoryStateStore()
    first = store.save(7, ConversationSnapshot("menu", "choose", {"a": [1]}))
    assert first.version == 1
    loaded = store.load(7)
    loaded.data["a"].append(2)  # a loaded snapshot is a copy
    assert store.load(7).data == {"a": [1]}
    store.save(7, loaded)
    with pytest.raises(StaleState):
        store.save(7, loaded)
    assert store.load(8) == ConversationSnapshot()
