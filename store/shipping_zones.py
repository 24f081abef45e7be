"""Destination zones: which zone a country is in, what a parcel there costs, how long it takes.

The only reader of ``store/data/shipping_zones.toml``, or of the operator's file in its place
(the ``SHIPPING_ZONES_FILE`` setting; docs/shipping.md describes the format). One order is one
parcel: its fee is the zone's parcel fee plus its extra-piece fee for every piece after the
first, in the order's currency (the store currency, or KES for an M-Pesa order).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Final

from store.errors import StoreError
from store.money import Money
from store.pricing import WHOLE_UNIT_CURRENCIES

SHIPPED_FILE: Final = "data/shipping_zones.toml"  # inside the ``store`` package
REST: Final = "rest"  # the countries value of the zone that takes every other country
KES: Final = "KES"


class ShippingZonesError(ValueError):
    """A zones file that cannot be used; the message names the file and the zone."""


class NoFeeInCurrency(ShippingZonesError):
    def __init__(self, zone: str, currency: str) -> None:
        super().__init__(f"shipping zone {zone!r} has no fee in {currency}")
        self.zone = zone
        self.currency = currency


@dataclass(frozen=True)
class Zone:
    code: str
    names: Mapping[str, str]  # locale → name
    countries: frozenset[str]  # empty for the rest of the world
    parcel: Mapping[str, Money]  # currency → fee for the parcel (its first piece)
    extra_piece: Mapping[str, Money]  # currency → fee for each further piece
    delivery_days: tuple[int, int]  # fewest, most days from shipping to the door
    auto_delivered_after: timedelta  # a shipped parcel counts as delivered after this

    def name(self, locale: str) -> str:
        return self.names.get(locale.split("_")[0]) or self.names["en"]

    def fee(self, pieces: int, currency: str) -> Money:
        """What a parcel of `pieces` pieces costs in `currency`; 0 for no piece."""
        if pieces < 0:
            raise ValueError(f"pieces must not be negative, got {pieces}")
        if currency not in self.parcel:
            raise NoFeeInCurrency(self.code, currency)
        if pieces == 0:
            return Money.zero(currency)
        return self.parcel[currency] + self.extra_piece[currency] * (pieces - 1)


@dataclass(frozen=True)
class ShippingZones:
    zones: tuple[Zone, ...]
    source: str

    def zone_for(self, country: str) -> Zone:
        code = country.strip().upper()
        for zone in self.zones:
            if code in zone.countries:
                return zone
        return next(zone for zone in self.zones if not zone.countries)

    def fee(self, country: str, pieces: int, currency: str) -> Money:
        return self.zone_for(country).fee(pieces, currency)

    def fee_range(self, currency: str) -> tuple[Money, Money]:
        """The cheapest and dearest parcel of one piece, over every zone."""
        fees = sorted((zone.fee(1, currency) for zone in self.zones), key=lambda m: m.amount)
        return fees[0], fees[-1]

    def check_currencies(self, currencies: Sequence[str]) -> None:
        """Raise NoFeeInCurrency unless every zone has fees in each of `currencies`."""
        for zone in self.zones:
            for currency in currencies:
                if currency not in zone.parcel:
                    raise NoFeeInCurrency(zone.code, currency)


def load(path: Path | None = None) -> ShippingZones:
    """The zones of `path`, else the shipped file. Raises ShippingZonesError if invalid."""
    if path is None:
        text = resources.files("store").joinpath(SHIPPED_FILE).read_text("utf-8")
        source = SHIPPED_FILE
    else:
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ShippingZonesError(f"{path}: cannot be read ({error})") from None
        source = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ShippingZonesError(f"{source}: not valid TOML ({error})") from None
    return _parse(data, source)


def _parse(data: Mapping[str, Any], source: str) -> ShippingZones:
    entries = data.get("zone")
    if not isinstance(entries, list) or not entries:
        raise ShippingZonesError(f"{source}: no [[zone]] entries")
    zones = tuple(_zone(entry, source) for entry in entries)
    rest = [zone.code for zone in zones if not zone.countries]
    if len(rest) != 1:
        raise ShippingZonesError(f'{source}: exactly one zone needs countries = "{REST}"')
    seen: dict[str, str] = {}
    for zone in zones:
        for country in zone.countries:
            if country in seen:
                raise ShippingZonesError(
                    f"{source}: {country} is in both {seen[country]!r} and {zone.code!r}"
                )
            seen[country] = zone.code
    currencies = set(zones[0].parcel)
    for zone in zones:
        if set(zone.parcel) != currencies:
            raise ShippingZonesError(f"{source}: every zone needs the same currencies")
    return ShippingZones(zones, source)


def _zone(entry: Any, source: str) -> Zone:
    if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
        raise ShippingZonesError(f"{source}: a zone without a code")
    code: str = entry["code"]
    where = f"{source}, zone {code!r}"
    names = entry.get("name")
    if not isinstance(names, dict) or not isinstance(names.get("en"), str):
        raise ShippingZonesError(f"{where}: needs name.en")
    countries = entry.get("countries")
    if countries == REST:
        listed: frozenset[str] = frozenset()
    elif isinstance(countries, list) and countries and all(_is_code(c) for c in countries):
        listed = frozenset(countries)
    else:
        raise ShippingZonesError(f'{where}: countries must be two-letter codes or "{REST}"')
    parcel = _fees(entry.get("parcel"), f"{where}, parcel")
    extra = _fees(entry.get("extra_piece"), f"{where}, extra_piece")
    if set(parcel) != set(extra):
        raise ShippingZonesError(f"{where}: parcel and extra_piece need the same currencies")
    days = entry.get("delivery_days")
    if (
        not isinstance(days, list)
        or len(days) != 2
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in days)
        or not 0 < days[0] <= days[1]
    ):
        raise ShippingZonesError(f"{where}: delivery_days must be [fewest, most], both > 0")
    auto = entry.get("auto_delivered_after_days")
    if not isinstance(auto, int) or isinstance(auto, bool) or auto < days[1]:
        raise ShippingZonesError(
            f"{where}: auto_delivered_after_days must be a whole number ≥ {days[1]}"
        )
    return Zone(
        code=code,
        names={str(k): str(v) for k, v in names.items()},
        countries=listed,
        parcel=parcel,
        extra_piece=extra,
        delivery_days=(days[0], days[1]),
        auto_delivered_after=timedelta(days=auto),
    )


def _is_code(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 2 and value.isalpha() and value.isupper()


def _fees(value: Any, where: str) -> dict[str, Money]:
    if not isinstance(value, dict) or not value:
        raise ShippingZonesError(f"{where}: needs a fee per currency")
    fees: dict[str, Money] = {}
    for currency, amount in value.items():
        try:
            money = Money.of_major(str(amount), str(currency))
        except StoreError as error:
            raise ShippingZonesError(f"{where}: {currency} = {amount!r} ({error})") from None
        if money.amount < 0:
            raise ShippingZonesError(f"{where}: {currency} must not be negative")
        if currency in WHOLE_UNIT_CURRENCIES and money.amount % 10**money.exponent:
            raise ShippingZonesError(f"{where}: {currency} is paid in whole units only")
        fees[str(currency)] = money
    return fees


_current: ShippingZones | None = None
_current_file: Path | None = None


def configure(path: Path | None) -> ShippingZones:
    """The zones in use from now on: `path`'s (the SHIPPING_ZONES_FILE setting), else the
    shipped file's."""
    global _current, _current_file
    if _current is None or path != _current_file:
        _current, _current_file = load(path), path
    return _current


def zones() -> ShippingZones:
    """The zones in use: as configured at startup, else the shipped file's."""
    global _current
    if _current is None:
        _current = load()
    return _current


def zone_for(country: str) -> Zone:
    return zones().zone_for(country)
