"""The C binding that encodes one plane as a progressive JPEG with our scan script
(`store/media/_plane_encoder.c`), and how `jpeg.py` uses it: every progressive rendition."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from store.media import jpeg, process_photo
from store.media.jpeg import (
    DEFAULT_OUTPUT,
    SCANS,
    JpegOutput,
    encode_jpeg,
    quantization_tables,
    start_encode,
)
from tests.unit.media.images import encode, exif_bytes, ok, photo_jpeg, textured
from tests.unit.media.jpeg_checks import (
    assert_progression_follows_t81,
    decode_strictly,
    first_scan_codes_every_plane,
    scan_script,
)

# Without a C compiler and libjpeg's headers the build skips the extension and photos are
# encoded by Pillow alone: correct, but slower. Skipped then, as the browser tests are without a
# browser; in CI (which installs the headers when they are missing) a failure.
try:
    from store.media import _plane_encoder
except ImportError:
    _MISSING = (
        "store.media._plane_encoder was not built: install a C compiler and libjpeg(-turbo)'s"
        " headers (Debian: apt-get install gcc libjpeg62-turbo-dev), as .ci/run does, then"
        " `make clean test`"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(_MISSING, pytrace=False)
    pytest.skip(_MISSING, allow_module_level=True)

LUMA_TABLE, _ = quantization_tables(DEFAULT_OUTPUT.quality)
# libjpeg's default script for one component, which Pillow's writer always uses.
LIBJPEG_GREY_SCRIPT = (
    (0, 0, 0, 1),
    (1, 5, 0, 2),
    (6, 63, 0, 2),
    (1, 63, 2, 1),
    (0, 0, 1, 0),
    (1, 63, 1, 0),
)


def grey(width: int = 320, height: int = 240) -> Image.Image:
    return textured(width, height).convert("L")


def native(
    image: Image.Image,
    scans: Sequence[tuple[int, int, int, int]] = SCANS,
    table: Sequence[int] = LUMA_TABLE,
) -> bytes:
    return _plane_encoder.encode(image.tobytes(), image.width, image.height, table, scans)


def pillows(image: Image.Image) -> bytes:
    return encode(image, "JPEG", qtables=[list(LUMA_TABLE)], progressive=True)


def test_a_plane_is_a_progressive_greyscale_jpeg_with_our_scans() -> None:
    data = native(grey())

    decoded = decode_strictly(data)
    assert (decoded.mode, decoded.size) == ("L", (320, 240))
    assert decoded.info.get("progressive")
    assert decoded.quantization == {0: list(LUMA_TABLE)}
    assert [scan[1:] for scan in scan_script(data)] == list(SCANS)
    assert_progression_follows_t81(data, planes=(1,))


def test_a_plane_ends_with_its_end_of_image_marker() -> None:
    # The buffer libjpeg writes into is larger than the JPEG: past its end is whatever the
    # memory held before. (Coded data stuffs a zero after every 0xFF: no marker there.)
    data = native(grey())

    assert data.index(b"\xff\xd9") == len(data) - 2


def test_it_codes_the_same_pixels_as_pillows_writer() -> None:
    # Same table, same DCT: only the order the coefficients are sent in differs.
    image = grey()

    ours, theirs = decode_strictly(native(image)), decode_strictly(pillows(image))

    assert ours.tobytes() == theirs.tobytes()


def test_given_libjpegs_own_script_it_writes_what_pillow_writes() -> None:
    image = grey()

    data = native(image, LIBJPEG_GREY_SCRIPT)

    assert scan_script(data) == scan_script(pillows(image))
    assert decode_strictly(data).tobytes() == decode_strictly(pillows(image)).tobytes()


def test_our_script_costs_a_few_percent_in_bytes_at_most() -> None:
    # Sending each coefficient whole needs no refinement scans, for a little size: 2 % on the
    # bench photo, 5 % on this texture's noise, which refinement codes best.
    image = textured(1200, 900).convert("L")

    assert len(native(image)) <= len(native(image, LIBJPEG_GREY_SCRIPT)) * 1.06


def test_a_plane_larger_than_its_first_buffer_encodes_whole() -> None:
    # Noise does not compress: the output outgrows the quarter byte a pixel first set aside.
    noise = Image.effect_noise((800, 600), 80)

    data = native(noise)

    assert len(data) > 800 * 600 // 4 + 4096
    assert data.index(b"\xff\xd9") == len(data) - 2
    assert decode_strictly(data).tobytes() == decode_strictly(pillows(noise)).tobytes()


@pytest.mark.parametrize("size", [(1, 1), (7, 3), (8, 1000), (1000, 8), (333, 501)])
def test_any_size_encodes(size: tuple[int, int]) -> None:
    image = Image.new("L", size, 140)

    decoded = decode_strictly(native(image))

    assert decoded.size == size
    assert decoded.getpixel((size[0] - 1, size[1] - 1)) == pytest.approx(140, abs=2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"pixels": b"\x00" * 10}, "must be width", id="short-pixels"),
        pytest.param({"width": 0, "pixels": b""}, "1 to 65500", id="no-width"),
        pytest.param({"table": (16,) * 63}, "64 values", id="short-table"),
        pytest.param({"table": (0,) * 64}, "1 to 255", id="zero-in-table"),
        pytest.param({"table": (300,) * 64}, "1 to 255", id="table-over-255"),
        pytest.param({"scans": ()}, "1 to 64 scans", id="no-scans"),
        pytest.param({"scans": ((0, 0, 0),)}, "4 arguments", id="scan-of-three-numbers"),
        pytest.param({"scans": ([0, 0, 0, 0],)}, "tuple", id="scan-as-a-list"),
        # libjpeg's own checks of the script, as its messages say them:
        pytest.param({"scans": ((1, 63, 0, 0),)}, "progressive", id="ac-before-dc"),
        pytest.param({"scans": ((0, 5, 0, 0), (6, 63, 0, 0))}, "progressive", id="dc-with-ac"),
        pytest.param({"scans": ((0, 0, 0, 0), (1, 63, 2, 1))}, "progressive", id="bad-refinement"),
    ],
)
def test_what_libjpeg_or_the_binding_refuses_is_a_value_error_and_nothing_is_printed(
    change: dict[str, object], message: str, capfd: pytest.CaptureFixture[str]
) -> None:
    arguments: dict[str, object] = {
        "pixels": bytes(64 * 48),
        "width": 64,
        "height": 48,
        "table": LUMA_TABLE,
        "scans": SCANS,
    }
    arguments.update(change)

    with pytest.raises((ValueError, TypeError), match=message):
        _plane_encoder.encode(*arguments.values())

    assert capfd.readouterr() == ("", "")


_OUT_OF_MEMORY = """
import resource
from store.media import _plane_encoder
from store.media.jpeg import SCANS
side = 4000
pixels = bytes(side * side)
_plane_encoder.encode(bytes(64), 8, 8, [16] * 64, SCANS)
mapped = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
# Room for the output buffer (a quarter of the pixels), not for libjpeg's coefficients (twice).
resource.setrlimit(resource.RLIMIT_AS, (mapped + side * side, resource.RLIM_INFINITY))
try:
    _plane_encoder.encode(pixels, side, side, [16] * 64, SCANS)
except Exception as error:
    print(type(error).__name__)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and RLIMIT_AS")
def test_libjpeg_out_of_memory_is_a_memory_error_not_a_refusal() -> None:
    # A ValueError would send the photo to Pillow's writer as if our scans were refused.
    ran = subprocess.run(
        [sys.executable, "-c", _OUT_OF_MEMORY], capture_output=True, text=True, check=True
    )

    assert ran.stdout.strip() == "MemoryError"


def test_it_lets_other_threads_run_while_it_encodes() -> None:
    # Holding the GIL, it would stop every other thread for the whole encode: the pipeline
    # encodes the large's luma on one core while this thread encodes the rest. The switch
    # interval is made far longer than the test, so the interpreter never takes the GIL from
    # the encoding thread, which runs nothing else that blocks: this thread runs before that
    # one has finished only if the encoder lets go of the GIL. That thread encodes again until
    # this one has run, so a busy machine keeping this thread off the CPU for one encode, or
    # for several, does not fail the test: no timing decides it.
    pixels = grey(1000, 1000).tobytes()
    ran_meanwhile, finished = threading.Event(), threading.Event()

    def encode_until_the_other_thread_runs() -> None:
        for _ in range(100):
            if ran_meanwhile.is_set():
                break
            _plane_encoder.encode(pixels, 1000, 1000, LUMA_TABLE, SCANS)
        finished.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    try:
        worker = threading.Thread(target=encode_until_the_other_thread_runs)
        worker.start()
        if not finished.is_set():
            ran_meanwhile.set()
        worker.join()
    finally:
        sys.setswitchinterval(interval)

    assert ran_meanwhile.is_set()


# --- how the pipeline uses it --------------------------------------------------------------


def test_every_rendition_of_a_photo_is_joined_from_planes_with_our_scans() -> None:
    photo = ok(process_photo(photo_jpeg(2000, 1500, exif=exif_bytes(6))))

    for rendition in photo.sizes.values():
        scans = scan_script(rendition.jpeg)
        assert [scan[0] for scan in scans] == [(1,), (2,), (3,)] * len(SCANS)
        assert [scan[1:] for scan in scans] == [scan for scan in SCANS for _ in range(3)]
        assert_progression_follows_t81(rendition.jpeg)


@pytest.mark.parametrize("mode", ["RGB", "YCbCr", "L"])
def test_encode_jpeg_codes_any_mode_in_planes(mode: str) -> None:
    image = textured(320, 240).convert(mode)

    data = encode_jpeg(image)

    decoded = decode_strictly(data)
    assert decoded.size == (320, 240)
    assert decoded.mode == ("L" if mode == "L" else "RGB")
    assert not first_scan_codes_every_plane(data)
    assert len(scan_script(data)) == len(SCANS) * (1 if mode == "L" else 3)


@pytest.mark.parametrize("quality", [DEFAULT_OUTPUT.quality, 50])
def test_encode_jpeg_quantises_its_planes_as_a_colour_encode_would(quality: int) -> None:
    # The medium and the thumb come this way, not through start_encode.
    data = encode_jpeg(textured(320, 240), JpegOutput(quality=quality))

    luma, chroma = quantization_tables(quality)
    assert decode_strictly(data).quantization == {0: list(luma), 1: list(chroma)}


def test_it_can_be_left_to_pillows_writer() -> None:
    data = encode_jpeg(textured(320, 240), in_planes=False)

    assert first_scan_codes_every_plane(data)


def test_without_the_extension_pillow_encodes_every_rendition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jpeg, "_plane_encoder", None)

    photo = ok(process_photo(photo_jpeg(2000, 1500, exif=exif_bytes(6))))

    large, medium, thumb = (photo.sizes[name] for name in ("large", "medium", "thumb"))
    # The large is still joined from planes (libjpeg's script for each), the rest encoded whole.
    assert len(scan_script(large.jpeg)) == 3 * len(LIBJPEG_GREY_SCRIPT)
    assert first_scan_codes_every_plane(medium.jpeg)
    assert first_scan_codes_every_plane(thumb.jpeg)
    assert Image.open(io.BytesIO(large.jpeg)).size == (1200, 1600)


def test_planes_that_cannot_be_joined_are_left_to_pillows_writer(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # What a libjpeg that wrote its JPEGs differently would cause.
    def refuse(*_: bytes) -> bytes:
        raise ValueError("unexpected marker 0xdd")

    monkeypatch.setattr(jpeg, "join_planes", refuse)

    data = encode_jpeg(textured(320, 240))

    assert decode_strictly(data).size == (320, 240)
    assert first_scan_codes_every_plane(data)
    assert "encoding it whole" in caplog.text


@pytest.mark.parametrize("fits_at_first", [True, False], ids=["fits", "too-large-at-first"])
@pytest.mark.parametrize("mode", ["YCbCr", "RGB"])
def test_a_plane_libjpeg_refuses_leaves_the_image_to_pillows_writer_logged_once(
    mode: str,
    fits_at_first: bool,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # YCbCr goes through start_encode's two threads, RGB through encode_jpeg on the helper. A
    # refused plane would be refused again at a lower quality: it is not tried again.
    def refuse(*_: object) -> bytes:
        raise ValueError("Invalid progressive parameters Ss=1 Se=63 Ah=0 Al=1")

    image = textured(320, 240).convert(mode)
    whole = encode_jpeg(image, in_planes=False)
    output = DEFAULT_OUTPUT if fits_at_first else JpegOutput(max_bytes=len(whole) - 1)
    monkeypatch.setattr(jpeg, "_plane_encoder", _Refusing(refuse))

    with ThreadPoolExecutor(max_workers=1) as helper:
        data = start_encode(image, output, helper).result()

    assert decode_strictly(data).size == (320, 240)
    assert first_scan_codes_every_plane(data)
    assert len(data) <= output.max_bytes
    assert [record.getMessage() for record in caplog.records] == [
        "could not encode a JPEG a plane at a time; encoding it whole"
    ]


class _Refusing:
    def __init__(self, encode: Callable[..., bytes]) -> None:
        self.encode = encode
