"""Every payload the flows put on a button fits Telegram's 64-byte callback_data, and comes
back unchanged; what no flow could have sent is refused. Payloads are literals in the flows
or typed kinds (`conversations.payloads`), whose longest encoding is checked here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conversations.flows import builtin_registry
from conversations.payloads import kinds, longest
from handlers.telegram.payloads import PayloadTooLong, decode_payload, encode_payload

FLOWS = Path(__file__).resolve().parents[3] / "conversations" / "flows"
# Worst case for any placeholder in a payload: the largest 64-bit id (19 characters) — longer
# than any database id, order code or enum value the flows format into a payload.
WORST_CASE = "9223372036854775807"


def _payload_arg(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "payload":
            return keyword.value
    return call.args[1] if len(call.args) > 1 else None


def _worst_case(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append(WORST_CASE)
        return "".join(parts)
    return None


def flow_payloads() -> tuple[list[str], list[str]]:
    """(payloads of every `Choice(...)` in the flows, with placeholders at their worst case;
    the places whose payload is a variable, not a literal)."""
    payloads, opaque = [], []
    for path in sorted(FLOWS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name != "Choice":
                continue
            arg = _payload_arg(node)
            payload = _worst_case(arg) if arg is not None else None
            if payload is None:
                opaque.append(f"{path.name}:{node.lineno}")
            else:
                payloads.append(payload)
    return payloads, opaque


def test_every_flow_payload_fits_callback_data_and_round_trips() -> None:
    payloads, _opaque = flow_payloads()
    assert len(payloads) >= 20, "the scan found too few payloads: has Choice moved?"
    for payload in payloads:
        data = encode_payload(payload)
        assert len(data.encode()) <= 64, payload
        assert decode_payload(data) == payload


def test_every_typed_payload_fits_callback_data_at_its_longest() -> None:
    builtin_registry()  # every flow module imported: every kind registered
    registered = kinds()
    assert len(registered) >= 20, "too few payload kinds: are the flows imported?"
    for tag, kind in registered.items():
        assert longest(kind) <= 64, tag


def test_a_payload_over_64_bytes_is_refused_on_the_way_out() -> None:
    with pytest.raises(PayloadTooLong):
        encode_payload("p:" + "9" * 63)
    with pytest.raises(PayloadTooLong):
        encode_payload("ö" * 33)  # 66 bytes in UTF-8, 33 characters


@pytest.mark.parametrize("data", [None, "", "x" * 65, "p:1\n2", "p:\x00"])
def test_callback_data_no_flow_could_have_sent_is_ignored(data: str | None) -> None:
    assert decode_payload(data) is None
