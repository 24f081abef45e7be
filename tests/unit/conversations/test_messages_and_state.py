"""Message types, their JSON form, and the in-memory state store."""

from __future__ import annotations

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
from conversations.state import ConversationSnapshot, MemoryStateStore
from store.models import Channel


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


def test_inbound_round_trips_with_photos_kept_apart() -> None:
    sent = Inbound(
        Channel.TELEGRAM,
        "42",
        "99",
        text="hi",
        photos=(b"\xff\xd8\xff",),
        payload="x",
        location=Location(-1.28, 36.82),
        contact=Contact("+254700000000", is_own=False),
        locale_hint="sw",
        profile_name="Amina",
        media_group_id="g",
        tapped_message_id="314",
    )
    content = json.loads(json.dumps(sent.content_dict(("incoming/abc",))))
    assert content["photos"] == ["incoming/abc"]
    back = Inbound.from_content_dict(
        channel=Channel.TELEGRAM,
        platform_user_id="42",
        platform_message_id="99",
        content=content,
        photos=sent.photos,
    )
    assert back == sent


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
