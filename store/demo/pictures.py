"""Pictures of beadwork drawn with Pillow, so the demo shop has photos without any download."""

from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter

from store.models import Category

Colour = tuple[int, int, int]

PALETTES: dict[str, list[Colour]] = {
    "maasai": [(200, 30, 40), (20, 90, 170), (240, 200, 40), (250, 250, 245), (30, 140, 70)],
    "ocean": [(20, 110, 160), (90, 190, 210), (240, 240, 230), (10, 60, 110)],
    "earth": [(150, 90, 40), (200, 150, 80), (90, 60, 30), (230, 210, 170)],
    "brass": [(200, 160, 60), (160, 120, 40), (230, 200, 110), (120, 80, 30)],
    "sunset": [(240, 120, 40), (230, 60, 70), (250, 190, 60), (120, 40, 90)],
}
BACKGROUNDS: list[tuple[Colour, Colour]] = [
    ((235, 225, 205), (205, 190, 160)),  # linen
    ((60, 45, 40), (30, 22, 20)),  # dark wood
    ((225, 230, 232), (190, 198, 202)),  # stone
    ((200, 175, 140), (160, 130, 95)),  # kikoy
]


def draw_piece(category: Category, *, seed: int, size: int = 1000) -> bytes:
    """A JPEG of one piece of the given category; the same seed gives the same picture."""
    rng = random.Random(seed)  # noqa: S311 -- pictures, not secrets
    image = _background(rng, size)
    draw = ImageDraw.Draw(image)
    palette = PALETTES[rng.choice(sorted(PALETTES))]
    centre = size / 2
    if category in (Category.NECKLACE, Category.OTHER):
        # Hangs as a U: the arc runs through the bottom of the circle.
        _arc_of_beads(draw, rng, palette, centre, size * 0.25, size * 0.38, -0.36, 0.36, size)
        _drop(draw, rng, palette, centre, size * 0.66, size, beads=rng.randint(2, 4))
    elif category in (Category.BRACELET, Category.ANKLET):
        _arc_of_beads(draw, rng, palette, centre, centre, size * 0.3, 0.0, 1.0, size)
    elif category == Category.EARRINGS:
        for x in (size * 0.33, size * 0.67):
            _drop(draw, rng, palette, x, size * 0.2, size, beads=rng.randint(6, 10))
    else:  # ring
        _ring(draw, rng, palette, centre, size)
    image = image.filter(ImageFilter.SMOOTH_MORE)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _background(rng: random.Random, size: int) -> Image.Image:
    top, bottom = rng.choice(BACKGROUNDS)
    gradient = Image.linear_gradient("L").resize((size, size))
    return Image.composite(
        Image.new("RGB", (size, size), bottom), Image.new("RGB", (size, size), top), gradient
    )


def _bead(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour) -> None:
    shade = tuple(max(0, c - 60) for c in colour)
    draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    draw.ellipse((x - r * 0.9, y - r * 0.95, x + r * 0.8, y + r * 0.75), fill=colour)
    highlight = tuple(min(255, c + 90) for c in colour)
    draw.ellipse((x - r * 0.5, y - r * 0.6, x - r * 0.1, y - r * 0.2), fill=highlight)


def _arc_of_beads(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    palette: list[Colour],
    cx: float,
    cy: float,
    radius: float,
    start: float,
    end: float,
    size: int,
) -> None:
    bead_r = size * rng.uniform(0.014, 0.024)
    count = int(2 * math.pi * radius * (end - start) / (bead_r * 2.1))
    pattern = [rng.choice(palette) for _ in range(rng.randint(2, 5))]
    for i in range(count):
        angle = 2 * math.pi * (start + (end - start) * i / max(1, count - 1)) + math.pi / 2
        _bead(
            draw,
            cx + radius * math.cos(angle),
            cy + radius * math.sin(angle),
            bead_r,
            pattern[i % len(pattern)],
        )


def _drop(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    palette: list[Colour],
    x: float,
    y: float,
    size: int,
    *,
    beads: int,
) -> None:
    bead_r = size * 0.02
    for i in range(beads):
        _bead(draw, x, y + i * bead_r * 2.1, bead_r * (1 + i * 0.05), rng.choice(palette))


def _ring(
    draw: ImageDraw.ImageDraw, rng: random.Random, palette: list[Colour], c: float, size: int
) -> None:
    band = rng.choice(PALETTES["brass"])
    r = size * 0.22
    draw.ellipse((c - r, c - r, c + r, c + r), outline=band, width=int(size * 0.05))
    _bead(draw, c, c - r, size * 0.06, rng.choice(palette))
