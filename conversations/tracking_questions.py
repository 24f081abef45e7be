"""The carrier and tracking number of a parcel, asked the same way of an artisan who ships
herself (direct mode) and of a community manager shipping from the hub: a carrier chosen
from the known ones (or named), then the number typed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from conversations.flow import StepContext, StepResult
from conversations.i18n import N_, Translator
from conversations.messages import Choice, Inbound
from conversations.payloads import Payload
from store.tracking import CARRIERS, Carrier, carrier_named

ASK_CARRIER: Final = N_("Which carrier is taking it? Pick one, or type its name:")
OTHER_CARRIER: Final = N_("Another carrier")
NO_NUMBER: Final = N_("No tracking number")
ASK_CARRIER_NAME: Final = N_("Type the carrier's name:")
ASK_NUMBER: Final = N_("Type the {carrier} tracking number:")
NUMBER_TOO_LONG: Final = N_("That is too long for a tracking number. Type it again:")


class CarrierPick(StrEnum):
    DHL = Carrier.DHL.value
    FEDEX = Carrier.FEDEX.value
    UPS = Carrier.UPS.value
    POSTA = Carrier.POSTA.value
    G4S = Carrier.G4S.value
    OTHER = Carrier.OTHER.value
    NONE = "none"  # shipped without a number (direct mode only)


@dataclass(frozen=True)
class PickCarrier(Payload, tag="car"):
    pick: CarrierPick


def carrier_choices(t: Translator, *, without_number: bool) -> list[Choice]:
    choices = [
        Choice(known.name, PickCarrier(CarrierPick(carrier.value)).encode())
        for carrier, known in CARRIERS.items()
    ]
    choices.append(Choice(t._(OTHER_CARRIER), PickCarrier(CarrierPick.OTHER).encode()))
    if without_number:
        choices.append(Choice(t._(NO_NUMBER), PickCarrier(CarrierPick.NONE).encode()))
    return choices


@dataclass(frozen=True, slots=True)
class CarrierAnswer:
    name: str  # the carrier's name to store; "" when she chose to name another one
    no_number: bool = False


def read_carrier(inbound: Inbound) -> CarrierAnswer:
    """What her answer to `ASK_CARRIER` says: a known carrier (tapped or typed), "another
    carrier" (name to follow), no number, or a typed name of a carrier we don't know."""
    tapped = PickCarrier.read(inbound.payload)
    if tapped is not None:
        if tapped.pick is CarrierPick.NONE:
            return CarrierAnswer("", no_number=True)
        if tapped.pick is CarrierPick.OTHER:
            return CarrierAnswer("")
        return CarrierAnswer(CARRIERS[Carrier(tapped.pick.value)].name)
    known = carrier_named(inbound.text)
    if known is not None and known is not Carrier.OTHER:
        return CarrierAnswer(CARRIERS[known].name)
    return CarrierAnswer(inbound.text.strip())


def ask_carrier_name(ctx: StepContext, step: StrEnum) -> StepResult:
    """ "Another carrier": her flow's `step` reads the name she types."""
    ctx.say(ctx._(ASK_CARRIER_NAME))
    return StepResult(step)


def ask_number(ctx: StepContext, name: str, step: StrEnum) -> StepResult:
    """The tracking number for carrier `name` (kept as the flow's "carrier"), read at `step`."""
    ctx.say(ctx._(ASK_NUMBER).format(carrier=name))
    return StepResult(step, {"carrier": name})
