"""Content address and perceptual hash, so the same photo listed twice is noticed."""

from __future__ import annotations

import hashlib
from typing import Final

from PIL import Image

_DHASH_SIDE: Final = 8


def content_address(large_jpeg: bytes) -> str:
    """sha256 (hex) of the normalised image: the large rendition as stored.

    The input's metadata is already gone, so the same picture re-sent with other EXIF gets
    the same address, and anyone can check a stored file against its key with sha256sum.
    """
    return hashlib.sha256(large_jpeg).hexdigest()


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
