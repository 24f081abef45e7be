"""A hostile photo corpus, generated: what an attacker (or an odd phone) sends.

Bombs claim many pixels in few bytes; the "largest" photos are the biggest of each kind the
pipeline accepts, the ones that cost it most memory. Nothing is checked in.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pillow_heif
from PIL import Image, ImageDraw

from tests.unit.media.images import encode, exif_bytes, jpeg_with_size, photo_jpeg, png_header_only

pillow_heif.register_heif_opener()


def photo_like(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Gradients and a little grain: compresses like a photo, cheap to draw at 12 MP."""
    x = Image.linear_gradient("L").rotate(90).resize((width, height))
    y = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (x, y, Image.blend(x, y, 0.5)))
    draw = ImageDraw.Draw(image)
    for i in range(0, width, max(1, width // 30)):
        draw.line((i, 0, i + height // 3, height), fill=(200, 40, 40), width=3)
    grain = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, grain, 0.05)
    if mode == "RGBA":
        image.putalpha(x)
    return image


def solid(width: int, height: int) -> Image.Image:
    return Image.new("RGB", (width, height), (200, 100, 50))


def gif_claiming(width: int, height: int) -> bytes:
    """A small GIF whose logical screen claims `width` x `height`."""
    data = encode(solid(600, 600).convert("P"), "GIF")
    return data[:6] + struct.pack("<HH", width, height) + data[10:]


def bmp_claiming(width: int, height: int) -> bytes:
    data = encode(solid(600, 600), "BMP")
    return data[:18] + struct.pack("<ii", width, height) + data[26:]


def tiff_claiming(width: int, height: int) -> bytes:
    """An uncompressed greyscale TIFF header claiming the size, with one byte of pixels."""
    entries = [
        (256, 4, width),  # ImageWidth, LONG
        (257, 4, height),  # ImageLength
        (258, 3, 8),  # BitsPerSample, SHORT
        (259, 3, 1),  # Compression: none
        (262, 3, 1),  # Photometric: black is zero
        (273, 4, 0),  # StripOffsets (patched below)
        (277, 3, 1),  # SamplesPerPixel
        (278, 4, height),  # RowsPerStrip
        (279, 4, 1),  # StripByteCounts
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    pixels_at = 8 + ifd_size
    ifd = struct.pack("<H", len(entries))
    for tag, kind, value in entries:
        value = pixels_at if tag == 273 else value
        packed = struct.pack("<HI", value, 0)[:4] if kind == 3 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, 1) + packed
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + b"\x00"


def animated_gif(frames: int) -> bytes:
    images = [solid(640, 520).convert("P"), photo_like(640, 520).convert("P")] * (frames // 2)
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=20)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


# name -> how to make it. Bombs and odd files first, then the largest accepted of each kind.
REFUSED: dict[str, Callable[[], bytes]] = {
    "webp_lossless_16383x2441": lambda: encode(solid(16383, 2441), "WEBP", lossless=True),
    "png_6324x6324": lambda: encode(solid(6324, 6324), "PNG"),
    "png_header_30000x30000": lambda: png_header_only(30_000, 30_000),
    "gif_claiming_20000x20000": lambda: gif_claiming(20_000, 20_000),
    "bmp_claiming_30000x30000": lambda: bmp_claiming(30_000, 30_000),
    "tiff_claiming_100000x100000": lambda: tiff_claiming(100_000, 100_000),
    "jpeg_claiming_60000x60000": lambda: jpeg_with_size(photo_jpeg(800, 600), 60_000, 60_000),
    "jpeg_claiming_9000x9000_in_70kb": lambda: jpeg_with_size(
        photo_jpeg(800, 600, quality=60), 9_000, 9_000
    ),
    "progressive_jpeg_5000x5000": lambda: encode(
        photo_like(5000, 5000), "JPEG", progressive=True, subsampling=0
    ),
    "webp_lossy_4000x3000": lambda: encode(photo_like(4000, 3000), "WEBP", quality=70),
    "png_rgba_4000x3000": lambda: encode(photo_like(4000, 3000, "RGBA"), "PNG", compress_level=1),
    "gif_transparent_4000x3000": lambda: encode(
        photo_like(4000, 3000).convert("P"), "GIF", transparency=0
    ),
    "truncated_png": lambda: truncated(encode(photo_like(1200, 900), "PNG", compress_level=1)),
    "truncated_jpeg": lambda: truncated(photo_jpeg(1200, 900)),
    "truncated_webp": lambda: truncated(encode(photo_like(1200, 900), "WEBP", quality=80)),
}

LARGEST_ACCEPTED: dict[str, Callable[[], bytes]] = {
    "webp_lossy_2800x1900": lambda: encode(photo_like(2800, 1900), "WEBP", quality=80),
    "png_rgba_2900x2700": lambda: encode(photo_like(2900, 2700, "RGBA"), "PNG", compress_level=1),
    "png_16_bit_2900x2700": lambda: encode(
        photo_like(2900, 2700).convert("L").convert("I;16"), "PNG", compress_level=1
    ),
    "png_rgb_4000x3000": lambda: encode(photo_like(4000, 3000), "PNG", compress_level=1),
    "gif_4000x3000": lambda: encode(photo_like(4000, 3000).convert("P"), "GIF"),
    # x265's fastest preset: the same 12 MP to decode, in a tenth of the time to make.
    "heif_4032x3024": lambda: encode(
        photo_like(4032, 3024), "HEIF", quality=60, enc_params={"preset": "ultrafast"}
    ),
    "progressive_jpeg_4000x3000": lambda: encode(
        photo_like(4000, 3000), "JPEG", progressive=True, subsampling=0, quality=85
    ),
    "gif_transparent_2900x2700": lambda: encode(
        photo_like(2900, 2700).convert("P"), "GIF", transparency=0
    ),
    "png_palette_transparent_2900x2700": lambda: encode(
        photo_like(2900, 2700).convert("P"), "PNG", transparency=0, compress_level=1
    ),
}

ACCEPTED: dict[str, Callable[[], bytes]] = {
    **LARGEST_ACCEPTED,
    "jpeg_12000x8000": lambda: photo_jpeg(12_000, 8_000, quality=75),
    "animated_gif_120_frames": lambda: animated_gif(120),
    "jpeg_exif_orientation_6": lambda: encode(
        photo_like(4000, 3000), "JPEG", quality=85, exif=exif_bytes(orientation=6, gps=True)
    ),
    "cmyk_jpeg_3000x2000": lambda: encode(photo_like(3000, 2000).convert("CMYK"), "JPEG"),
}


def write_corpus(directory: Path, corpus: dict[str, Callable[[], bytes]]) -> dict[str, Path]:
    """The photos as files in `directory`, made once: a file already there is kept (the test
    workers of one run share the directory, under a lock)."""
    paths = {}
    for name, make in corpus.items():
        paths[name] = directory / name
        if not paths[name].exists():
            partial = paths[name].with_name(f"{name}.partial")
            partial.write_bytes(make())
            partial.rename(paths[name])
    return paths
