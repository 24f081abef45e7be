"""Typed button payloads: what a choice carries, packed into the short strings every channel
returns (Telegram's `callback_data` holds 64 bytes) and read back with validation.

A kind is a frozen dataclass with a tag and typed fields (`int`, `str` or a `StrEnum`)::

    @dataclass(frozen=True)
    class OpenOrder(Payload, tag="bo"):
        order_id: int

    Choice(label, OpenOrder(12).encode())  # "bo:12"
    OpenOrder.read(inbound.payload)  # OpenOrder(order_id=12), or None for anything else

`decode` returns the kind a string is, or None for anything that is not exactly one of ours
(unknown tag, a field missing, extra or of the wrong type, too long): a payload is only what
someone sent. A payload from a message older than a format change simply reads as None, and
the dispatcher answers it as a button from an earlier message.
"""

from __future__ import annotations

import dataclasses
import re
from enum import StrEnum
from typing import Any, ClassVar, Final, Self, cast, get_type_hints

from conversations.messages import MAX_PAYLOAD_BYTES
from store.models import CaseKind

# What an adapter puts in `Inbound.payload` for a tapped button whose data it cannot read
# (too long, not text): no kind has this tag, so it is answered as a stale button.
UNREADABLE: Final = "?"

_TAG = re.compile(r"[a-z]{1,6}")
_INT = re.compile(r"[0-9]{1,19}")
_INT_MAX = 2**63 - 1
# Words that travel in a payload: phone numbers (+254…), page cursors (12.345), keys.
_WORD = re.compile(r"[A-Za-z0-9_.+\-]{0,40}")
_KINDS: dict[str, type[Payload]] = {}
_FIELDS: dict[str, tuple[tuple[str, Any], ...]] = {}  # each kind's (name, type), read once


class Payload:
    """The base of the payload kinds; subclasses are frozen dataclasses named by `tag`."""

    tag: ClassVar[str] = ""

    def __init_subclass__(cls, *, tag: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _TAG.fullmatch(tag):
            raise ValueError(f"payload tag {tag!r}: 1 to 6 lowercase letters")
        if tag in _KINDS:
            raise ValueError(f"payload tag {tag!r} used twice")
        cls.tag = tag
        _KINDS[tag] = cls

    def encode(self) -> str:
        parts = [self.tag, *(_field_text(getattr(self, name)) for name, _ in _fields(type(self)))]
        text = ":".join(parts)
        if len(text.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload {self!r} is more than {MAX_PAYLOAD_BYTES} bytes")
        return text

    @classmethod
    def read(cls, payload: str | None) -> Self | None:
        """`payload` as this kind, or None when it is anything else."""
        decoded = decode(payload)
        return decoded if isinstance(decoded, cls) else None


def decode(payload: str | None) -> Payload | None:
    """The kind `payload` is, with its fields; None unless it is exactly one of ours."""
    if not payload or len(payload.encode()) > MAX_PAYLOAD_BYTES:
        return None
    tag, *texts = payload.split(":")
    kind = _KINDS.get(tag)
    if kind is None:
        return None
    fields = _fields(kind)
    if len(texts) != len(fields):
        return None
    values: dict[str, object] = {}
    for text, (name, wanted) in zip(texts, fields, strict=True):
        value = _parse_field(text, wanted)
        if value is None:
            return None
        values[name] = value
    made: Payload = cast(Any, kind)(**values)
    return made


def kinds() -> dict[str, type[Payload]]:
    """Every registered kind by tag (for tests and documentation)."""
    return dict(_KINDS)


def longest(kind: type[Payload]) -> int:
    """The most bytes an encoding of `kind` can take."""
    size = len(kind.tag)
    for _, wanted in _fields(kind):
        if wanted is int:
            size += 1 + len(str(_INT_MAX))
        elif wanted is str:
            size += 1 + 40
        else:
            size += 1 + max(len(member.value.encode()) for member in wanted)
    return size


def _fields(kind: type[Payload]) -> tuple[tuple[str, Any], ...]:
    known = _FIELDS.get(kind.tag)
    if known is not None:
        return known
    hints = get_type_hints(kind)
    found = tuple((field.name, hints[field.name]) for field in dataclasses.fields(cast(Any, kind)))
    for name, wanted in found:
        if not (wanted in (int, str) or (isinstance(wanted, type) and issubclass(wanted, StrEnum))):
            raise TypeError(f"{kind.__name__}.{name}: a payload field is int, str or a StrEnum")
    _FIELDS[kind.tag] = found
    return found


def _field_text(value: object) -> str:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, bool):
        raise TypeError("a payload field is int, str or a StrEnum")
    if isinstance(value, int):
        if not 0 <= value <= _INT_MAX:
            raise ValueError(f"payload number {value} out of range")
        return str(value)
    if isinstance(value, str) and _WORD.fullmatch(value):
        return value
    raise ValueError(f"payload field {value!r} cannot travel in a payload")


def _parse_field(text: str, wanted: Any) -> object | None:
    if wanted is int:
        if not _INT.fullmatch(text) or int(text) > _INT_MAX:
            return None
        return int(text)
    if wanted is str:
        return text if _WORD.fullmatch(text) else None
    try:
        member: object = wanted(text)
        return member
    except ValueError:
        return None


@dataclasses.dataclass(frozen=True)
class ParcelReceived(Payload, tag="rcv"):
    """ "Received" on a shipping notice or on her order: the buyer says her parcel arrived
    (`conversations/flows/delivery.py` re-checks the order is hers)."""

    order_id: int


@dataclasses.dataclass(frozen=True)
class ParcelNotArrived(Payload, tag="narr"):
    """ "Not yet" when asked whether a shipped order arrived: the community managers are told
    (`conversations/flows/delivery.py` re-checks the order is hers)."""

    order_id: int


@dataclasses.dataclass(frozen=True)
class ReportParcel(Payload, tag="rep"):
    """ "Not arrived" or "Damaged" on her order: she reports it (`conversations/flows/
    report.py` re-checks the order is hers and may still be reported)."""

    kind: CaseKind
    order_id: int


class CaseStep(StrEnum):
    """What a community manager does with a case."""

    SHOW = "show"
    REFUND = "refund"
    RESHIP = "reship"
    NOTE = "note"  # close with a note


@dataclasses.dataclass(frozen=True)
class CaseAction(Payload, tag="case"):
    """A community manager's choice on a case (`conversations/flows/cases.py` re-checks
    her role and that it is still open)."""

    action: CaseStep
    case_id: int
