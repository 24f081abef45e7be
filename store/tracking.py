"""Carriers and their tracking pages: the one table of URL patterns a buyer's link is made
from. A carrier not listed here (or a number typed for "another carrier") gets no link: the
buyer is given the number alone."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from urllib.parse import quote

from store.text import clean_line

CARRIER_MAX = 40
NUMBER_MAX = 64


class Carrier(StrEnum):
    DHL = "dhl"
    FEDEX = "fedex"
    UPS = "ups"
    POSTA = "posta"
    G4S = "g4s"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class KnownCarrier:
    name: str  # as shown to people and stored on the parcel
    url_pattern: str  # "{number}" is replaced by the tracking number, URL-quoted
    aliases: tuple[str, ...] = ()


CARRIERS: Final[dict[Carrier, KnownCarrier]] = {
    Carrier.DHL: KnownCarrier(
        "DHL", "https://www.dhl.com/ke-en/home/tracking.html?tracking-id={number}"
    ),
    Carrier.FEDEX: KnownCarrier("FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}"),
    Carrier.UPS: KnownCarrier("UPS", "https://www.ups.com/track?tracknum={number}"),
    Carrier.POSTA: KnownCarrier(
        "Posta Kenya",
        "https://www.posta.co.ke/track-trace/?tracking_number={number}",
        ("posta", "postakenya", "postal corporation of kenya", "ems"),
    ),
    Carrier.G4S: KnownCarrier(
        "G4S", "https://www.g4s.com/en-ke/track-and-trace?waybill={number}", ("g4s courier",)
    ),
}


def carrier_named(typed: str) -> Carrier | None:
    """The known carrier a name stands for ("dhl", "DHL Express", "Posta"), else None."""
    words = " ".join(typed.casefold().split())
    if not words:
        return None
    for carrier, known in CARRIERS.items():
        names = {known.name.casefold(), carrier.value, *known.aliases}
        if words in names or words.replace(" ", "") in names:
            return carrier
        if words.split()[0] == known.name.casefold():  # "DHL Express", "UPS Standard"
            return carrier
    return None


def tracking_url(carrier: Carrier, number: str) -> str | None:
    known = CARRIERS.get(carrier)
    if known is None:
        return None
    return known.url_pattern.format(number=quote(number.strip(), safe=""))


def link_for(carrier_name: str, number: str) -> str | None:
    """The tracking page for a parcel as stored (its carrier's name, its number), if known."""
    carrier = carrier_named(carrier_name)
    return tracking_url(carrier, number) if carrier is not None else None


def clean_carrier(typed: str) -> str:
    """A carrier's name as it is stored: a known one's own spelling, else what was typed."""
    carrier = carrier_named(typed)
    if carrier is not None and carrier is not Carrier.OTHER:
        return CARRIERS[carrier].name
    return clean_line(typed)[:CARRIER_MAX]


def clean_number(typed: str) -> str:
    return " ".join(clean_line(typed).split())
