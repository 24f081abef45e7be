"""Typed payloads: what a button carries is packed short and read back only when it is
exactly one of ours; and every flow can ask each of its questions again."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest

from conversations.flows import builtin_registry
from conversations.flows.buyer_orders import OpenOrder
from conversations.flows.review import Decide, Decision
from conversations.messages import MAX_PAYLOAD_BYTES
from conversations.payloads import UNREADABLE, Payload, decode, kinds, longest


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Paint(Payload, tag="tpaint"):
    colour: Colour
    note: str


@pytest.mark.parametrize(
    ("sent", "packed"),
    [
        (Decide(Decision.APPROVE, 12), "rv:ok:12"),
        (OpenOrder(9_223_372_036_854_775_807), "bo:9223372036854775807"),
        (Paint(Colour.BLUE, "+254-7.x_"), "tpaint:blue:+254-7.x_"),
        (Paint(Colour.RED, ""), "tpaint:red:"),
    ],
)
def test_a_payload_packs_short_and_reads_back_as_sent(sent: Payload, packed: str) -> None:
    assert sent.encode() == packed
    assert decode(packed) == sent
    assert type(sent).read(packed) == sent


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        UNREADABLE,
        "rv",  # no fields
        "rv:ok",  # one missing
        "rv:ok:12:13",  # one too many
        "rv:maybe:12",  # not a decision
        "rv:ok:-1",
        "rv:ok:1.5",
        "rv:ok:9223372036854775808",  # past the largest id
        "rv:ok:12345678901234567890",
        "rv:ok: 12",
        "RV:ok:12",
        "zz:1",  # no such kind
        "tpaint:red:no spaces",
        "tpaint:red:a/b",
        "tpaint:red:" + "x" * 41,
        "tpaint:green:x",
        "rv:ok:" + "1" * 70,  # longer than any button carries
    ],
)
def test_anything_not_exactly_ours_reads_as_nothing(text: str | None) -> None:
    assert decode(text) is None
    assert Decide.read(text) is None


def test_a_payload_of_another_kind_is_not_this_one() -> None:
    assert OpenOrder.read("rv:ok:12") is None
    assert Decide.read("bo:12") is None


def test_what_cannot_travel_is_refused_on_the_way_out() -> None:
    with pytest.raises(ValueError, match="out of range"):
        Decide(Decision.APPROVE, -1).encode()
    with pytest.raises(ValueError, match="cannot travel"):
        Paint(Colour.RED, "two words").encode()
    with pytest.raises(ValueError, match="cannot travel"):
        Paint(Colour.RED, "x" * 41).encode()


def test_a_tag_is_one_kind_only() -> None:
    with pytest.raises(ValueError, match="used twice"):

        @dataclass(frozen=True)
        class Again(Payload, tag="rv"):
            product_id: int


def test_every_kind_fits_a_button() -> None:
    builtin_registry()
    for tag, kind in kinds().items():
        assert longest(kind) <= MAX_PAYLOAD_BYTES, tag


def test_every_question_of_every_flow_can_be_asked_again() -> None:
    """A button from an earlier message is answered by asking the step's question again: each
    step that waits for an answer declares its prompt."""
    registry = builtin_registry()
    missing = [
        f"{flow.name}.{step.value}"
        for flow in registry.flows()
        for step in flow.steps
        if flow.prompt(step.value) is None
    ]
    assert missing == []
