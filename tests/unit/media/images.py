"""Generated test images: every photo these tests use is drawn here, none is checked in."""

from __future__ import annotations

import io
import re
import struct
import zlib
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from store.media import PhotoError, ProcessedPhoto, Rendition

RED = (220, 30, 30)
GREEN = (30, 200, 40)
BLUE = (30, 40, 220)
YELLOW = (240, 220, 20)

# Orientation -> how to store an upright picture so that a viewer applying the orientation
# shows it upright again (the inverse of what the viewer does).
STORE_FOR_ORIENTATION: dict[int, tuple[Image.Transpose, ...]] = {
    1: (),
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_90,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_270,),
}


def encode(image: Image.Image, fmt: str = "JPEG", **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def quadrants(width: int, height: int) -> Image.Image:
    """Red top-left, green top-right, blue bottom-left, yellow bottom-right."""
    image = Image.new("RGB", (width, height), RED)
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 2, 0, width, height // 2), fill=GREEN)
    draw.rectangle((0, height // 2, width // 2, height), fill=BLUE)
    draw.rectangle((width // 2, height // 2, width, height), fill=YELLOW)
    return image


def exif_bytes(orientation: int | None = None, gps: bool = False) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        exif.get_ifd(0x8825).update(
            {1: "S", 2: (1.0, 17.0, 30.0), 3: "E", 4: (36.0, 49.0, 12.0)}  # Nairobi
        )
    return exif.tobytes()


def textured(width: int, height: int, seed: int = 1) -> Image.Image:
    """Photo-like content: shapes with edges and a little sensor noise."""
    image = quadrants(width, height)
    draw = ImageDraw.Draw(image)
    step = max(8, width // 40)
    for i, x in enumerate(range(0, width, step)):
        shade = 20 + (i * seed * 37) % 200
        draw.line((x, 0, x + height // 3, height), fill=(shade, 20, 20), width=2)
    noise = Image.effect_noise((width, height), 30).convert("RGB")
    return Image.blend(image, noise, 0.08)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size without carrying the pixels: cheap to make, a bomb to decode."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def jpeg_with_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite the frame header (SOF0) of a baseline JPEG to claim another size."""
    at = data.index(b"\xff\xc0")
    return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]


def pixel_near(image: Image.Image, xy: tuple[int, int], colour: tuple[int, int, int]) -> bool:
    actual = image.convert("RGB").getpixel(xy)
    assert isinstance(actual, tuple)
    return all(abs(a - b) <= 24 for a, b in zip(actual, colour, strict=True))


def open_rendition(rendition: Rendition) -> Image.Image:
    image = Image.open(io.BytesIO(rendition.jpeg))
    assert image.format == "JPEG"
    assert image.size == (rendition.width, rendition.height)
    return image


def ok(result: ProcessedPhoto | PhotoError) -> ProcessedPhoto:
    assert isinstance(result, ProcessedPhoto), result
    return result


def photo_jpeg(width: int = 1200, height: int = 900, **params: Any) -> bytes:
    params.setdefault("quality", 90)
    return encode(textured(width, height), "JPEG", **params)


def blurred(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)


def rgb_icc_profile(
    description: str,
    red: tuple[float, float, float],
    green: tuple[float, float, float],
    blue: tuple[float, float, float],
    gamma: float = 2.2,
) -> bytes:
    """A minimal ICC v2 matrix/TRC display profile with the given (D50) primaries."""
    text = description.encode("ascii") + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * (4 + 4 + 2 + 1 + 67)
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(*red)),
        (b"gXYZ", _xyz(*green)),
        (b"bXYZ", _xyz(*blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        padded = data + b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += padded
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


SRGB_RED_D50 = (0.4361, 0.2225, 0.0139)
SRGB_GREEN_D50 = (0.3851, 0.7169, 0.0971)
SRGB_BLUE_D50 = (0.1431, 0.0606, 0.7141)


_ENTROPY_CODED_END = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def outside_scans(jpeg: bytes) -> bytes:
    """Every byte of a JPEG but its entropy-coded data: its marker segments and anything after
    its end, which is where metadata can be. (Coded data is arbitrary bytes: "GPS" turns up in
    it by chance in one photo of fifty.)"""
    assert jpeg.startswith(b"\xff\xd8")
    parts, position = [], 2
    while jpeg[position : position + 2] != b"\xff\xd9":
        assert jpeg[position] == 0xFF, f"no marker at byte {position}"
        end = position + 2 + int.from_bytes(jpeg[position + 2 : position + 4], "big")
        parts.append(jpeg[position:end])
        position = end
        if parts[-1][1] == 0xDA:  # a scan header: its coded data follows, up to a marker
            found = _ENTROPY_CODED_END.search(jpeg, position)
            assert found is not None, "a scan runs to the end"
            position = found.start()
    parts.append(jpeg[position + 2 :])  # after the end of image
    return b"".join(parts)
