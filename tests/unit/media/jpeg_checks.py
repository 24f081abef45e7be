"""Reading what a JPEG's scans are, for the tests of the pipeline's progressive encoding."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence

from PIL.JpegImagePlugin import JpegImageFile

Scan = tuple[tuple[int, ...], int, int, int, int]


def decode_strictly(data: bytes) -> JpegImageFile:
    """Decoded whole, Pillow's warnings errors. libjpeg's own warnings (corrupt data, scans in
    an order T.81 forbids) never reach Python: it decodes on, so pixels or
    `assert_progression_follows_t81` must show those."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image = JpegImageFile(io.BytesIO(data))
        image.load()
    return image


def scan_script(data: bytes) -> list[Scan]:
    """Each scan's component ids, Ss, Se, Ah and Al. An SOS marker cannot occur elsewhere:
    coded data stuffs a zero after every 0xFF, and no table of ours holds 0xFF."""
    scans = []
    for marker in re.finditer(rb"\xff\xda", data):
        count = data[marker.end() + 2]
        header = data[marker.end() + 3 : marker.end() + 6 + 2 * count]
        first, last, approximation = header[-3:]
        components = tuple(header[: 2 * count : 2])
        scans.append((components, first, last, approximation >> 4, approximation & 0x0F))
    return scans


def assert_progression_follows_t81(data: bytes, planes: Sequence[int] = (1, 2, 3)) -> None:
    """T.81 G.1.1.1: a DC scan codes the DC alone; an AC scan codes one component, after that
    component's first DC scan; each coefficient is first coded with Ah 0, then refined one bit
    at a time (Ah the Al before, Al = Ah - 1) down to Al 0. libjpeg decodes on with a warning
    where other decoders may not. `planes`: the component ids the frame has."""
    coded: dict[tuple[int, int], int] = {}  # (component, coefficient) -> its last scan's Al
    for components, first, last, high, low in scan_script(data):
        assert (first == 0) == (last == 0)
        assert first <= last <= 63
        if first > 0:
            assert len(components) == 1
            assert (components[0], 0) in coded
        for component in components:
            for k in range(first, last + 1):
                if high == 0:
                    assert (component, k) not in coded
                else:
                    assert coded.get((component, k)) == high
                    assert low == high - 1
                coded[component, k] = low
    assert coded == {(component, k): 0 for component in planes for k in range(64)}


def first_scan_codes_every_plane(data: bytes) -> bool:
    """libjpeg's own colour script (Pillow's writer) starts with one DC scan of Y, Cb and Cr
    together; a JPEG joined from planes never has a scan of more than one."""
    return scan_script(data)[0][0] == (1, 2, 3)
