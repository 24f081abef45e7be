"""Where a shop is, as buyers may see it: the place she typed, never a map pin.

An artisan can answer "Where are you?" by sharing her location in the chat; the pin is kept as
coordinates (community managers may need it) but is her home, so nothing shown to buyers (the
web pages, their Open Graph tags, the product card in the chat) carries coordinates or a map
link: such a location is shown as no location at all.
"""

from __future__ import annotations

import re
from typing import Final

_COORDINATES: Final = re.compile(r"[-+]?\d{1,3}[.,]\d+\s*[,;/ ]\s*[-+]?\d{1,3}[.,]\d+")
_MAP_LINK: Final = re.compile(r"://|\bwww\.|\bmaps?\.|\bgoo\.gl\b|\bgeo:|\bplus\.codes\b", re.I)


def public_place(location: str) -> str:
    """`location` as buyers may see it: "" when it holds coordinates or a map link."""
    if _COORDINATES.search(location) or _MAP_LINK.search(location):
        return ""
    return location
