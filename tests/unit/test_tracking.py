from __future__ import annotations

import pytest

from store.tracking import CARRIERS, Carrier, carrier_named, tracking_url


@pytest.mark.parametrize(
    ("carrier", "number", "url"),
    [
        (
            Carrier.DHL,
            "1234567890",
            "https://www.dhl.com/ke-en/home/tracking.html?tracking-id=1234567890",
        ),
        (Carrier.FEDEX, "7777 8888", "https://www.fedex.com/fedextrack/?trknbr=7777%208888"),
        (
            Carrier.UPS,
            "1Z999AA10123456784",
            "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        ),
    ],
)
def test_known_carriers_link_to_their_tracking_page(
    carrier: Carrier, number: str, url: str
) -> None:
    assert tracking_url(carrier, number) == url


def test_every_carrier_has_a_name_and_a_pattern_holding_the_number() -> None:
    for carrier in Carrier:
        if carrier is Carrier.OTHER:
            continue
        known = CARRIERS[carrier]
        assert known.name
        assert "{number}" in known.url_pattern
        assert known.url_pattern.startswith("https://")


def test_another_carrier_has_no_link() -> None:
    assert tracking_url(Carrier.OTHER, "AB123") is None


def test_a_number_cannot_break_out_of_the_link() -> None:
    url = tracking_url(Carrier.UPS, "1Z&x=<script>")
    assert url == "https://www.ups.com/track?tracknum=1Z%26x%3D%3Cscript%3E"


@pytest.mark.parametrize(
    ("typed", "carrier"),
    [
        ("dhl", Carrier.DHL),
        ("DHL Express", Carrier.DHL),
        ("Fedex", Carrier.FEDEX),
        ("ups", Carrier.UPS),
        ("posta", Carrier.POSTA),
        ("Posta Kenya", Carrier.POSTA),
        ("g4s", Carrier.G4S),
        ("Aramex", None),
    ],
)
def test_carrier_named(typed: str, carrier: Carrier | None) -> None:
    assert carrier_named(typed) == carrier
