"""Chromium reads the pipeline's renditions, each joined from per-plane scans
(`store/media/jpeg_scans.py`): upright, in colour, at full size, as a buyer sees them."""

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

# Only the large is encoded a plane at a time; Pillow's writer encodes the others whole.
JOINED_FROM_PLANES = {"large"}

# Draws the image on a canvas and reads the pixels at the given points.
_READ_PIXELS = """(img, points) => {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    return points.map(([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3)));
}"""


def test_chromium_shows_every_rendition_upright_and_in_colour(page: Page) -> None:
    upright = quadrants(2400, 3200)
    stored = upright.transpose(*STORE_FOR_ORIENTATION[6])  # a phone held upright
    photo = process_photo(encode(stored, "JPEG", quality=92, exif=exif_bytes(6)))
    assert isinstance(photo, ProcessedPhoto)
    assert [photo.sizes[name][:2] for name in ("large", "medium", "thumb")] == [
        (1200, 1600),
        (600, 800),
        (240, 320),
    ]
    for name, rendition in photo.sizes.items():
        if name in JOINED_FROM_PLANES:
            # Several scans, each coding one plane (a colour encode of Pillow's starts with one
            # scan of all three).
            scans = rendition.jpeg.count(b"\xff\xda")
            assert scans == rendition.jpeg.count(b"\xff\xda\x00\x08\x01") >= 9, name

        source = "data:image/jpeg;base64," + base64.b64encode(rendition.jpeg).decode()
        page.set_content(f'<img id="photo" src="{source}">')
        image = page.locator("#photo")
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )

        size = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert size == [rendition.width, rendition.height], name
        inset_x, inset_y = rendition.width // 8, rendition.height // 8  # inside each quadrant
        points = [
            (inset_x, inset_y),
            (rendition.width - inset_x, inset_y),
            (inset_x, rendition.height - inset_y),
            (rendition.width - inset_x, rendition.height - inset_y),
        ]
        pixels = image.evaluate(_READ_PIXELS, points)
        for pixel, colour in zip(pixels, (RED, GREEN, BLUE, YELLOW), strict=True):
            assert all(abs(a - b) <= 24 for a, b in zip(pixel, colour, strict=True)), (
                name,
                pixel,
                colour,
            )
