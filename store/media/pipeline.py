"""Turn the bytes a phone sends into clean, upright, metadata-free JPEGs.

`process_photo(data)` is pure: bytes in, a `ProcessedPhoto` or a `PhotoError` out. Untrusted
input never raises; every refusal is a `PhotoError` with a plain reason code that the
conversation layer translates.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, NamedTuple

import pillow_heif
from PIL import ExifTags, Image, ImageCms

from store.media.advice import Advice, advise
from store.media.errors import PhotoError, PhotoErrorCode
from store.media.formats import classify_unopenable
from store.media.hashing import content_address, dhash
from store.media.jpeg import DEFAULT_OUTPUT, JpegOutput, encode_jpeg, start_encode
from store.media.jpeg_rows import stream_rows
from store.media.upright import UprightResize, resize

pillow_heif.register_heif_opener()

# Pillow's own names. GIF and WebP may be animated: only the first frame is used.
ACCEPTED_FORMATS: Final = ("JPEG", "PNG", "WEBP", "HEIF", "GIF")
# The JPEG opener returns "MPO" for a JPEG with extra "multi-picture" frames (some phones).
_JPEG_FORMATS: Final = frozenset({"JPEG", "MPO"})

# Output renditions by long side, largest first: each is resized from the one before it.
LARGE: Final = "large"
MEDIUM: Final = "medium"
THUMB: Final = "thumb"
SIZES: Final = ((LARGE, 1600), (MEDIUM, 800), (THUMB, 320))
LARGEST_SIDE: Final = SIZES[0][1]

# EXIF orientation → the turns that show the stored pixels upright (1 and unknown: none).
ORIENTATION_TURNS: Final[Mapping[int, tuple[Image.Transpose, ...]]] = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}

_WHITE: Final = (255, 255, 255)
_SRGB: Final = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True, slots=True)
class PhotoLimits:
    max_bytes: int = 20 * 1024 * 1024
    # JPEG is decoded at a reduced DCT scale, so it can afford a higher pixel ceiling.
    max_pixels_jpeg: int = 100_000_000
    # Other formats (and progressive JPEG) are decoded whole: see `DECODE_BUDGET_BYTES`, which
    # lowers this further for the formats that need more memory per pixel.
    max_pixels_other: int = 16_000_000
    min_side: int = 500


# What decoding one photo may take, beyond the process itself (about 40 MB with Pillow loaded),
# so that a photo's peak stays within the pipeline's 150 MB goal (bench/photos.py).
DECODE_BUDGET_BYTES: Final = 100 * 1024 * 1024

# Peak bytes per pixel while decoding and converting a photo that cannot be decoded reduced,
# measured on 12 MP images (tests/unit/media/test_hostile_photos.py holds them to it) and
# rounded up. Pillow's WebP decoder holds the frame three times over (libwebp's canvas and its
# copy, then Python bytes) besides the image; alpha and 16-bit samples need a wider copy.
_BYTES_PER_PIXEL: Final[Mapping[str, float]] = {"WEBP": 18, "HEIF": 8.5, "GIF": 7.5, "PNG": 6}
_WIDE_MODE_BYTES_PER_PIXEL: Final = 13.0  # alpha, a transparent colour, 16-bit
# A progressive JPEG keeps every DCT coefficient until its last scan: 2 bytes a sample, three
# samples a pixel without chroma subsampling; draft() cannot shrink that.
_PROGRESSIVE_JPEG_BYTES_PER_PIXEL: Final = 8.0

# A real photo, even of a white wall, takes more than a byte per 1,000 pixels (a phone's
# JPEG takes a byte per 2 to 20): a bigger image any denser is a decompression bomb, not a
# photo. (Smaller ones cost little to decode, and a flat graphic can be that dense.)
MAX_PIXELS_PER_BYTE: Final = 1_000
DENSITY_CHECKED_FROM_PIXELS: Final = 2_000_000


DEFAULT_LIMITS: Final = PhotoLimits()


class Rendition(NamedTuple):
    width: int
    height: int
    jpeg: bytes


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    """A photo ready to store.

    `width` and `height` are those of the upright original, before resizing; `sizes` maps
    "large", "medium" and "thumb" to their renditions; `sha256` is the content address
    (see `hashing.content_address`); `phash` a 64-bit dHash in hex, for near-duplicates.
    """

    width: int
    height: int
    sizes: Mapping[str, Rendition]
    sha256: str
    phash: str
    advice: tuple[Advice, ...]


# warnings.catch_warnings swaps process-wide state; the lock keeps concurrent pipeline
# threads from restoring each other's filters. It only covers header parsing, not decoding.
_WARNINGS_LOCK = threading.Lock()

# Shared by every photo in the process: its tasks never wait on one another, so photos being
# processed at the same time only queue, and no photo pays for starting a thread.
_HELPERS: Final = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="photo")


# Photos decoded at once in this process. Each uses two cores and up to about 110 MB (see
# `DECODE_BUDGET_BYTES`), so more at once would only share the cores and add up their memory;
# the others wait their turn holding just their bytes. Two at most, whatever the cores: five
# photos at once then stay within 400 MB. The decoding happens on these threads, not the
# callers': glibc gives each thread its own heap, and the memory a photo frees stays in its
# thread's heap (`bot.serving.keep_freed_memory`), so any thread decoding would each keep a
# photo's worth.
PHOTOS_AT_ONCE: Final = max(1, min(2, (os.cpu_count() or 2) // 2))
_DECODERS: Final = ThreadPoolExecutor(max_workers=PHOTOS_AT_ONCE, thread_name_prefix="photo-decode")


def process_photo(
    data: bytes, limits: PhotoLimits = DEFAULT_LIMITS, output: JpegOutput = DEFAULT_OUTPUT
) -> ProcessedPhoto | PhotoError:
    if not data:
        return PhotoError(PhotoErrorCode.NOT_AN_IMAGE, "empty")
    if len(data) > limits.max_bytes:
        return PhotoError(PhotoErrorCode.TOO_LARGE, f"{len(data)} bytes")

    opened = _open(data)
    if isinstance(opened, PhotoError):
        return opened
    image = opened
    refused = _check_header(image, len(data), limits)
    if refused is not None:
        return refused
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # malformed EXIF: see `_open`
        orientation = _orientation(image)
    # The refusals above are cheap and never wait; decoding waits for a free decoder.
    return _DECODERS.submit(_decode_and_render, data, image, orientation, output).result()


def _decode_and_render(
    data: bytes, image: Image.Image, orientation: int, output: JpegOutput
) -> ProcessedPhoto | PhotoError:
    upright = image.size if orientation < 5 else (image.height, image.width)
    # Every target comes from the original size, so rounding does not compound down the chain.
    targets = {name: fit_within(upright, long_side) for name, long_side in SIZES}
    large_target = targets[LARGE]
    stored_target = large_target if orientation < 5 else large_target[::-1]
    # Pillow lets go of the GIL while it decodes, resizes, turns and encodes into a file
    # descriptor, so a photo uses two cores: the helper pool resizes and turns the large
    # rendition (and the medium, when it is exactly half) while this thread decodes; then the
    # large is encoded on both while this thread makes the rest (see `_render`).
    large = UprightResize(
        stored_target,
        ORIENTATION_TURNS.get(orientation, ()),
        _HELPERS,
        halved=(targets[MEDIUM][0] * 2, targets[MEDIUM][1] * 2) == large_target,
    )
    icc = image.info.get("icc_profile")
    decoded = _decode(data, image, large, stored_target)
    if isinstance(decoded, PhotoError):
        return decoded

    return _render(large.finish(decoded), large.halved_result(), icc, upright, targets, output)


def _open(data: bytes) -> Image.Image | PhotoError:
    """The image's header, read: `Image.open` reads no pixels."""
    with _WARNINGS_LOCK, warnings.catch_warnings():
        # Pillow warns about malformed metadata and pixel counts it finds suspicious; we
        # strip the one and check the other ourselves.
        warnings.simplefilter("ignore")
        try:
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except Image.DecompressionBombError as exc:
            return PhotoError(PhotoErrorCode.TOO_MANY_PIXELS, str(exc))
        except Exception as exc:  # any parser failure on untrusted bytes
            return PhotoError(classify_unopenable(data), type(exc).__name__)
        return image


def _orientation(image: Image.Image) -> int:
    if image.format == "PNG" and "exif" not in image.info:
        # Pillow would decode the whole PNG looking for an eXIf chunk after its pixels.
        return 1
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # corrupt EXIF means "no orientation", not a refusal
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _check_header(image: Image.Image, size_in_bytes: int, limits: PhotoLimits) -> PhotoError | None:
    """Refuse from the header alone (`Image.open` reads no pixels), before any decoding."""
    width, height = image.size
    pixels = width * height
    reduced = image.format in _JPEG_FORMATS and not image.info.get("progressive")
    max_pixels = limits.max_pixels_jpeg if reduced else limits.max_pixels_other
    if pixels > max_pixels:
        return PhotoError(PhotoErrorCode.TOO_MANY_PIXELS, f"{width}x{height}")
    if pixels > max(DENSITY_CHECKED_FROM_PIXELS, MAX_PIXELS_PER_BYTE * size_in_bytes):
        return PhotoError(PhotoErrorCode.TOO_MANY_PIXELS, f"{width}x{height} in {size_in_bytes} B")
    if not reduced and pixels * decode_bytes_per_pixel(image) > DECODE_BUDGET_BYTES:
        return PhotoError(PhotoErrorCode.TOO_MANY_PIXELS, f"{width}x{height} {image.format}")
    if min(width, height) < limits.min_side:
        return PhotoError(PhotoErrorCode.TOO_SMALL, f"{width}x{height}")
    return None


def decode_bytes_per_pixel(image: Image.Image) -> float:
    """The peak memory per pixel of decoding `image` whole (see `_BYTES_PER_PIXEL`)."""
    if image.format in _JPEG_FORMATS:
        return _PROGRESSIVE_JPEG_BYTES_PER_PIXEL
    base = _BYTES_PER_PIXEL.get(image.format or "", max(_BYTES_PER_PIXEL.values()))
    wide = (
        image.mode in ("RGBA", "LA", "PA")
        or image.mode.startswith("I")
        or "transparency" in image.info
    )
    return max(base, _WIDE_MODE_BYTES_PER_PIXEL) if wide else base


def _decode(
    data: bytes, image: Image.Image, large: UprightResize, target: tuple[int, int]
) -> Image.Image | PhotoError:
    """Decode the first frame as RGB (or YCbCr, for a colour JPEG), reduced early when the
    format allows it. A sequential JPEG's rows are handed to `large` as they are decoded.
    `target` is the large rendition's size in the stored axes."""
    if image.format in _JPEG_FORMATS and image.mode == "RGB":
        decoded = _decode_jpeg_in_ycbcr(image, data, large)
        if decoded is not None:
            return decoded
        reopened = _open(data)  # a JPEG coded in RGB: libjpeg cannot hand it over as YCbCr
        if isinstance(reopened, PhotoError):
            return reopened
        image = reopened
    if image.format in _JPEG_FORMATS and max(image.size) > LARGEST_SIDE:
        # The target is in the stored (not upright) axes: draft compares axis by axis.
        image.draft("RGB", fit_within(image.size, LARGEST_SIDE))
    try:
        image.load()
    except Exception as exc:  # decoder failures on untrusted bytes
        return PhotoError(PhotoErrorCode.TRUNCATED, str(exc)[:200])
    try:
        return to_rgb(shrink_early(image, target))
    except Exception as exc:  # e.g. a palette whose data ends early
        return PhotoError(PhotoErrorCode.TRUNCATED, str(exc)[:200])


def _decode_jpeg_in_ycbcr(
    image: Image.Image, data: bytes = b"", large: UprightResize | None = None
) -> Image.Image | None:
    """JPEG stores colour as YCbCr: keeping it saves a conversion on decoding and another on
    encoding (about 10 ms for a 12 MP photo). None when this JPEG does not decode that way.

    Given the `data` the image was opened from and `large`, a sequential JPEG is decoded a
    chunk at a time, and `large` resizes the rows already decoded on the other core meanwhile.
    """
    reduced = fit_within(image.size, LARGEST_SIDE) if max(image.size) > LARGEST_SIDE else None
    image.draft("YCbCr", reduced)
    rows = stream_rows(image, data) if large is not None else None
    if rows is None or large is None:
        try:
            image.load()
        except Exception:  # truncated, or coded in RGB: the RGB decode decides which
            return None
        return image if image.mode == "YCbCr" else None
    large.start(rows.canvas)
    try:
        for _ in rows:
            if large.wants_rows():
                large.rows_ready(rows.complete_rows())
    except Exception:  # as for load() above, or a strip the helper failed to make
        large.abandon()
        return None
    return rows.canvas


def shrink_early(image: Image.Image, target: tuple[int, int]) -> Image.Image:
    """A lossless format cannot be decoded reduced as JPEG can: before `to_rgb` copies it,
    shrink it (and let go of the full-size pixels). An image with alpha, a transparent colour
    or 16-bit samples is resized to `target` at once, as the resize to the large rendition
    would (BOX, reducing_gap 1; alpha premultiplied), after the one conversion it needs; an
    8-bit image is reduced by the whole factor that resize would start with."""
    if image.size == target:
        return image
    if image.mode.startswith("I;16"):
        source = image.convert("I")
    elif "transparency" in image.info or image.mode == "PA":
        source = image.convert("RGBA")  # a transparent colour becomes alpha, exactly
    elif image.mode == "P":
        source = image.convert("RGB")
    else:
        source = image
    factor = min(source.width // target[0], source.height // target[1])
    if source.mode in ("RGBA", "LA", "I"):
        shrunk = resize(source, target)
    elif source.mode in ("L", "RGB") and factor >= 2:
        shrunk = source.reduce(factor)
    elif source is not image:
        shrunk = source
    else:
        return image
    shrunk.info = {key: value for key, value in image.info.items() if key != "transparency"}
    image.close()  # the caller's reference would keep the full-size pixels alive
    return shrunk


def to_rgb(image: Image.Image) -> Image.Image:
    """Plain 8-bit RGB; transparency is composited on white."""
    mode = image.mode
    if mode.startswith("I"):
        # 16-bit PNGs open as "I;16"; convert("L") would clip everything above 255.
        return image.convert("I").point(lambda v: v / 257, "L").convert("RGB")
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, _WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if mode == "RGB":
        return image
    return image.convert("RGB")


def fit_within(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """The size scaled so its long side is `long_side`; never larger than `size`."""
    width, height = size
    longest = max(width, height)
    if longest <= long_side:
        return size
    scale = long_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _render(
    upright_large: Image.Image,
    halved: Image.Image | None,
    icc: object,
    size: tuple[int, int],
    targets: Mapping[str, tuple[int, int]],
    output: JpegOutput,
) -> ProcessedPhoto:
    """Encode the renditions, `upright_large` and those made from it (`halved`, if given, is
    the medium already made). The large is most of the work: it starts first, on two cores
    when it can (`start_encode`), and this thread joins in once the rest are done."""
    large = _to_srgb(upright_large, icc)
    # Nothing from the input travels on: Pillow's JPEG writer would copy a COM comment.
    large.info.clear()
    # A halved medium made before a colour conversion would keep the old colours.
    if large is not upright_large:
        halved = None
    large_jpeg = start_encode(large, output, _HELPERS, halved)

    medium = halved if halved is not None else resize(large, targets[MEDIUM])
    thumb = _HELPERS.submit(_thumb, medium, targets[THUMB], output)
    medium_jpeg = encode_jpeg(medium, output)
    advice = advise(medium, size)
    thumb_rendition, phash = thumb.result()
    sizes = {
        LARGE: Rendition(large.width, large.height, large_jpeg.result()),
        MEDIUM: Rendition(medium.width, medium.height, medium_jpeg),
        THUMB: thumb_rendition,
    }
    return ProcessedPhoto(
        width=size[0],
        height=size[1],
        sizes=sizes,
        sha256=content_address(sizes[LARGE].jpeg),
        phash=phash,
        advice=advice,
    )


def _thumb(medium: Image.Image, size: tuple[int, int], output: JpegOutput) -> tuple[Rendition, str]:
    """The thumb rendition and the photo's dHash, which is taken from it."""
    thumb = resize(medium, size)
    return Rendition(thumb.width, thumb.height, encode_jpeg(thumb, output)), dhash(thumb)


def _to_srgb(image: Image.Image, icc: object) -> Image.Image:
    """Convert from an embedded non-sRGB profile (e.g. Display P3) so outputs need none."""
    if not isinstance(icc, bytes) or not icc:
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if profile.profile.xcolor_space != "RGB " or "srgb" in _description(profile):
            return image
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        converted = ImageCms.profileToProfile(rgb, profile, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile: the pixels are most likely sRGB anyway
    return converted if converted is not None else image


def _description(profile: ImageCms.ImageCmsProfile) -> str:
    return (profile.profile.profile_description or "").lower()
