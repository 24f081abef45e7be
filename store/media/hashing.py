"""Content address and perceptual hash, so the same photo listed twice is noticed."""

from __future__ import annotations

import hashlib
from typing import Final

from PIL import Image

_DHASH_SIDE: Final = 8


def sha256_of_image(image: Image.Image) -> str:
    """sha256 of the normalised pixels (mode, size and raw data), as lowercase hex.

    Hashing pixels rather than encoded bytes keeps the address stable when only metadata
    differs, and independent of JPEG encoder settings.
    """
    digest = hashlib.sha256(f"{image.mode}:{image.width}x{image.height}:".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def dhash(image: Image.Image) -> str:
    """64-bit difference hash as 16 hex digits: is each pixel brighter than its right neighbour?"""
    grey = image.convert("L").resize(
        (_DHASH_SIDE + 1, _DHASH_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0
    )
    pixels = grey.tobytes()
    row_length = _DHASH_SIDE + 1
    bits = 0
    for row in range(_DHASH_SIDE):
        start = row * row_length
        for col in range(_DHASH_SIDE):
            bits = (bits << 1) | (pixels[start + col] > pixels[start + col + 1])
    return f"{bits:016x}"


def hamming_distance(left: str, right: str) -> int:
    """Number of differing bits between two hex hashes of the same length."""
    if len(left) != len(right):
        raise ValueError("hashes differ in length")
    return (int(left, 16) ^ int(right, 16)).bit_count()


def is_near_duplicate(left: str, right: str, max_distance: int = 6) -> bool:
    """Whether two dHashes likely show the same photo (re-compressed, resized, re-sent)."""
    return hamming_distance(left, right) <= max_distance
