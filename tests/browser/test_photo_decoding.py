"""Chromium reads the pipeline's large rendition, which is joined from per-plane scans
(`store/media/jpeg_scans.py`): upright, in colour, at full size, as a buyer sees it."""

from __future__ import annotations

import base64

from playwright.sync_api import Page

from store.media import ProcessedPhoto, process_photo
from tests.unit.media.images import (
    BLUE,
    GREEN,
    RED,
    STORE_FOR_ORIENTATION,
    YELLOW,
    encode,
    exif_bytes,
    quadrants,
)

# Draws the image on a canvas and reads the pixels at the given points.
_READ_PIXELS = """(img, points) => {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    return points.map(([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3)));
}"""


def test_chromium_shows_the_large_rendition_upright_and_in_colour(page: Page) -> None:
    upright = quadrants(2400, 3200)
    stored = upright.transpose(*STORE_FOR_ORIENTATION[6])  # a phone held upright
    photo = process_photo(encode(stored, "JPEG", quality=92, exif=exif_bytes(6)))
    assert isinstance(photo, ProcessedPhoto)
    large = photo.sizes["large"]
    assert large.jpeg.count(b"\xff\xda") > 10  # one scan per plane and band: the joined kind

    source = "data:image/jpeg;base64," + base64.b64encode(large.jpeg).decode()
    page.set_content(f'<img id="large" src="{source}">')
    image = page.locator("#large")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )

    size = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size == [large.width, large.height] == [1200, 1600]
    points = [(150, 200), (1050, 200), (150, 1400), (1050, 1400)]
    pixels = image.evaluate(_READ_PIXELS, points)
    for pixel, colour in zip(pixels, (RED, GREEN, BLUE, YELLOW), strict=True):
        assert all(abs(a - b) <= 24 for a, b in zip(pixel, colour, strict=True)), (pixel, colour)
