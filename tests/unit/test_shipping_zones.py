"""Destination zones and shipping fees (store/shipping_zones.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from store.money import Money
from store.shipping_zones import NoFeeInCurrency, ShippingZonesError, load, zone_for


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("KE", "kenya"),
        ("ke", "kenya"),
        ("UG", "east_africa"),
        ("TZ", "east_africa"),
        ("NG", "africa"),
        ("DE", "europe"),
        ("GB", "europe"),
        ("US", "north_america"),
        ("CA", "north_america"),
        ("JP", "world"),
        ("BR", "world"),
    ],
)
def test_every_country_has_its_zone(country: str, zone: str) -> None:
    assert zone_for(country).code == zone


def test_one_piece_costs_the_parcel_fee_and_each_further_piece_the_extra_fee() -> None:
    europe = load().zone_for("DE")
    assert europe.fee(1, "USD") == Money(1200, "USD")
    assert europe.fee(3, "USD") == Money(1200 + 2 * 300, "USD")
    assert europe.fee(1, "KES") == Money(155_000, "KES")
    assert europe.fee(2, "KES") == Money(155_000 + 40_000, "KES")
    assert europe.fee(0, "USD") == Money(0, "USD")


def test_a_currency_the_file_has_no_fee_in_is_refused() -> None:
    with pytest.raises(NoFeeInCurrency):
        load().fee("DE", 1, "JPY")


def test_delivery_time_and_auto_delivery_per_zone() -> None:
    kenya = load().zone_for("KE")
    assert kenya.delivery_days == (1, 3)
    assert kenya.auto_delivered_after == timedelta(days=10)
    for zone in load().zones:
        assert zone.auto_delivered_after >= timedelta(days=zone.delivery_days[1])


def test_zone_names_in_english_and_swahili() -> None:
    europe = load().zone_for("FR")
    assert europe.name("en") == "Europe"
    assert europe.name("sw_KE") == "Ulaya"


def test_the_fee_range_spans_the_cheapest_and_dearest_zone() -> None:
    assert load().fee_range("USD") == (Money(400, "USD"), Money(2000, "USD"))


def test_the_shipped_file_has_fees_in_kes_and_usd_everywhere() -> None:
    load().check_currencies(["USD", "KES", "EUR"])


_ONE_ZONE = """
[[zone]]
code = "all"
name = { en = "Everywhere" }
countries = "rest"
parcel = { USD = "5" , KES = "600" }
extra_piece = { USD = "1", KES = "100" }
delivery_days = [2, 9]
auto_delivered_after_days = 12
"""


def test_an_operator_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "zones.toml"
    path.write_text(_ONE_ZONE)
    zones = load(path)
    assert zones.zone_for("KE").code == "all"
    assert zones.fee("DE", 2, "USD") == Money(600, "USD")


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (('countries = "rest"', 'countries = ["DE"]'), "exactly one zone"),
        (('KES = "600"', 'KES = "600.50"'), "whole units"),
        (("[2, 9]", "[9, 2]"), "delivery_days"),
        (("= 12", "= 5"), "auto_delivered_after_days"),
        (('USD = "5" ,', 'USD = "five",'), "USD"),
        (('extra_piece = { USD = "1", KES = "100" }', 'extra_piece = { USD = "1" }'), "same"),
    ],
)
def test_a_broken_file_is_refused_saying_why(
    tmp_path: Path, change: tuple[str, str], complaint: str
) -> None:
    path = tmp_path / "zones.toml"
    path.write_text(_ONE_ZONE.replace(*change))
    with pytest.raises(ShippingZonesError, match=complaint):
        load(path)


def test_a_country_in_two_zones_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "zones.toml"
    twice = _ONE_ZONE.replace('"rest"', '["DE"]').replace('code = "all"', 'code = "de"')
    path.write_text(twice + _ONE_ZONE.replace('"rest"', '["DE"]') + _ONE_ZONE)
    with pytest.raises(ShippingZonesError, match="DE is in both"):
        load(path)
