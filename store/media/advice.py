"""Quality advice, never refusal: short codes the conversation turns into tips."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from PIL import Image, ImageFilter, ImageStat


class Advice(StrEnum):
    TOO_DARK = "too_dark"
    OVEREXPOSED = "overexposed"
    BLURRY = "blurry"
    SMALL = "small"


# Measured on a grey copy whose long side is this, so the blur score does not depend on
# the photo's resolution.
ANALYSIS_SIDE: Final = 512
DARK_MEAN: Final = 55.0
# Share of blown-out pixels; a well-lit white background stays below 250.
BLOWN_OUT_LEVEL: Final = 250
BLOWN_OUT_SHARE: Final = 0.30
BRIGHT_MEAN: Final = 230.0
# Variance of a Laplacian at ANALYSIS_SIDE. The bench's phone-like photo scores about 890 and
# the tests' sharp texture about 520; a Gaussian blur of radius 4-8 px at 1600-2000 px brings
# either down to 25-35.
BLUR_VARIANCE: Final = 40.0
SMALL_SIDE: Final = 800

_LAPLACIAN: Final = ImageFilter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), scale=1, offset=128)


def advise(image: Image.Image, original_size: tuple[int, int]) -> tuple[Advice, ...]:
    """Advice for a photo, from a rendition of it (any size) and its original size."""
    grey = _analysis_copy(image)
    advice: list[Advice] = []
    histogram = grey.histogram()
    pixels = grey.width * grey.height
    mean = sum(level * count for level, count in enumerate(histogram)) / pixels
    blown_out = sum(histogram[BLOWN_OUT_LEVEL:]) / pixels
    if mean < DARK_MEAN:
        advice.append(Advice.TOO_DARK)
    if blown_out > BLOWN_OUT_SHARE or mean > BRIGHT_MEAN:
        advice.append(Advice.OVEREXPOSED)
    if blur_score(grey) < BLUR_VARIANCE:
        advice.append(Advice.BLURRY)
    if min(original_size) < SMALL_SIDE:
        advice.append(Advice.SMALL)
    return tuple(advice)


def blur_score(grey: Image.Image) -> float:
    """Variance of the Laplacian of a greyscale image: low means few sharp edges."""
    variance: float = ImageStat.Stat(grey.filter(_LAPLACIAN)).var[0]
    return variance


def _analysis_copy(image: Image.Image) -> Image.Image:
    grey = image.convert("L")
    longest = max(grey.size)
    if longest <= ANALYSIS_SIDE:
        return grey
    scale = ANALYSIS_SIDE / longest
    size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
    return grey.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
