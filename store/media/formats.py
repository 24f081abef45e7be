"""Tell an unsupported image format from something that is no image at all, by its magic."""

from __future__ import annotations

from typing import Final

from store.media.errors import PhotoErrorCode

_ACCEPTED_MAGIC: Final = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
)
_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_UNSUPPORTED_BRANDS: Final = frozenset({b"avif", b"avis", b"crx ", b"jxl "})
_UNSUPPORTED_MAGIC: Final = (
    b"BM",  # BMP
    b"II*\x00",  # TIFF, and most camera raw formats
    b"MM\x00*",
    b"8BPS",  # Photoshop
    b"\x00\x00\x01\x00",  # ICO
    b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000
    b"\xff\x4f\xff\x51",  # JPEG 2000 codestream
    b"\xff\x0a",  # JPEG XL codestream
    b"\x00\x00\x00\x0cJXL \r\n\x87\n",
    b"qoif",
    b"DDS ",
    b"%PDF",
)


def classify_unopenable(data: bytes) -> PhotoErrorCode:
    """Reason code for bytes that Pillow could not open with the accepted formats.

    Something that starts like an accepted format but cannot be opened is "truncated"
    (cut off, or corrupt); another image format is "unsupported_format"; anything else is
    "not_an_image".
    """
    if data.startswith(_ACCEPTED_MAGIC) or _is_webp(data) or _iso_brand(data) in _HEIF_BRANDS:
        return PhotoErrorCode.TRUNCATED
    if (
        data.startswith(_UNSUPPORTED_MAGIC)
        or _iso_brand(data) in _UNSUPPORTED_BRANDS
        or _is_svg(data)
    ):
        return PhotoErrorCode.UNSUPPORTED_FORMAT
    return PhotoErrorCode.NOT_AN_IMAGE


def _is_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _iso_brand(data: bytes) -> bytes | None:
    """The major brand of an ISO media file (HEIF, AVIF, MP4 video...), if it is one."""
    return data[8:12] if data[4:8] == b"ftyp" and len(data) >= 12 else None


def _is_svg(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<svg", b"<?xml")) and b"<svg" in head
