"""A progressive JPEG encoded a plane at a time on two cores (`jpeg.start_encode`), its scans
joined into one colour JPEG (`jpeg_scans.join_planes`): what a colour encode gives, to the bit
for the luma, and readable by any decoder."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor

import pytest
from PIL import Image, ImageChops, ImageStat
from PIL.JpegImagePlugin import JpegImageFile

from store.media import jpeg
from store.media.jpeg import (
    DEFAULT_OUTPUT,
    JpegOutput,
    encode_jpeg,
    quantization_tables,
    start_encode,
)
from store.media.jpeg_scans import join_planes
from tests.unit.media.executors import InlineExecutor, LateExecutor
from tests.unit.media.images import (
    BLUE,
    GREEN,
    RED,
    YELLOW,
    encode,
    pixel_near,
    quadrants,
    textured,
)
from tests.unit.media.jpeg_checks import (
    assert_progression_follows_t81,
    decode_strictly,
    first_scan_codes_every_plane,
)

QUALITY = DEFAULT_OUTPUT.quality
_SCAN_HEADER = re.compile(rb"\xff\xda\x00\x08\x01(.)", re.DOTALL)


@pytest.fixture(scope="module")
def helper() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool


def planar(
    image: Image.Image, helper: ThreadPoolExecutor, output: JpegOutput = DEFAULT_OUTPUT
) -> bytes:
    return start_encode(image.convert("YCbCr"), output, helper).result()


def decode_ycbcr(data: bytes) -> Image.Image:
    image = JpegImageFile(io.BytesIO(data))
    image.draft("YCbCr", image.size)
    image.load()
    assert image.mode == "YCbCr"
    return image


def colour_encode(image: Image.Image) -> bytes:
    """What Pillow's own encoder makes of the same image in one piece."""
    return encode(image.convert("YCbCr"), "JPEG", quality=QUALITY, progressive=True)


def plane(image: Image.Image, band: int, *, halve: bool, table: int, **params: object) -> bytes:
    channel = image.convert("YCbCr").getchannel(band)
    if halve:
        channel = channel.reduce(2)
    params.setdefault("progressive", True)
    return encode(channel, "JPEG", qtables=[list(quantization_tables(QUALITY)[table])], **params)


def planes(image: Image.Image) -> tuple[bytes, bytes, bytes]:
    return (
        plane(image, 0, halve=False, table=0),
        plane(image, 1, halve=True, table=1),
        plane(image, 2, halve=True, table=1),
    )


# --- what the joined JPEG is -------------------------------------------------------------


def test_the_result_is_one_progressive_4_2_0_colour_jpeg(helper: ThreadPoolExecutor) -> None:
    decoded = decode_strictly(planar(textured(640, 480), helper))

    assert decoded.format == "JPEG"
    assert decoded.mode == "RGB"
    assert decoded.size == (640, 480)
    assert decoded.info.get("progressive")
    assert decoded.layer == [(1, 2, 2, 0), (2, 1, 1, 1), (3, 1, 1, 1)]
    luma, chroma = quantization_tables(QUALITY)
    assert decoded.quantization == {0: list(luma), 1: list(chroma)}


def test_its_luma_is_exactly_what_a_colour_encode_codes(helper: ThreadPoolExecutor) -> None:
    image = textured(640, 480)

    ours = decode_ycbcr(planar(image, helper)).getchannel(0)
    theirs = decode_ycbcr(colour_encode(image)).getchannel(0)

    assert ours.tobytes() == theirs.tobytes()


def test_its_colours_match_a_colour_encode(helper: ThreadPoolExecutor) -> None:
    image = textured(640, 480)

    ours = decode_strictly(planar(image, helper)).convert("RGB")
    theirs = decode_strictly(colour_encode(image)).convert("RGB")

    mean_difference = ImageStat.Stat(ImageChops.difference(ours, theirs)).mean
    assert max(mean_difference) < 1.0, mean_difference


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (3, 5), (17, 9), (9, 17), (501, 333), (8, 1000)])
def test_any_size_joins(helper: ThreadPoolExecutor, size: tuple[int, int]) -> None:
    data = planar(Image.new("RGB", size, GREEN), helper)
    decoded = decode_strictly(data)

    assert_progression_follows_t81(data)
    assert decoded.size == size
    assert pixel_near(decoded, (size[0] - 1, size[1] - 1), GREEN)


def test_the_t81_check_takes_libjpegs_own_colour_script() -> None:
    assert_progression_follows_t81(colour_encode(textured(64, 48)))


def test_the_first_three_scans_show_the_whole_picture_in_colour(
    helper: ThreadPoolExecutor,
) -> None:
    # A buyer on a slow connection: the DC scans of Y, Cb and Cr come first, in that order.
    data = planar(quadrants(640, 480), helper)
    scans = list(_SCAN_HEADER.finditer(data))
    assert [m.group(1) for m in scans[:6]] == [b"\x01", b"\x02", b"\x03"] * 2

    fourth = data.rfind(b"\xff\xc4", 0, scans[3].start())  # its Huffman tables come first
    early = decode_strictly(data[:fourth] + b"\xff\xd9")

    for xy, colour in {
        (80, 60): RED,
        (560, 60): GREEN,
        (80, 420): BLUE,
        (560, 420): YELLOW,
    }.items():
        assert pixel_near(early, xy, colour)


def test_chroma_taken_from_a_halved_copy_gives_the_same_bytes(helper: ThreadPoolExecutor) -> None:
    # The pipeline hands over the medium rendition, made by halving, when it has one.
    image = textured(640, 480).convert("YCbCr")

    with_halved = start_encode(image, DEFAULT_OUTPUT, helper, image.reduce(2)).result()

    assert with_halved == start_encode(image, DEFAULT_OUTPUT, helper).result()


@pytest.mark.parametrize(
    ("executor", "bands_in_order"),
    [
        pytest.param(InlineExecutor, [0, 2, 1], id="helper-free-first-takes-cr"),
        pytest.param(LateExecutor, [1, 2, 0], id="caller-free-first-takes-cr"),
    ],
)
def test_cr_is_encoded_by_whoever_is_free_first_with_the_same_result(
    executor: type[Executor],
    bands_in_order: list[int],
    helper: ThreadPoolExecutor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    image = textured(640, 480).convert("YCbCr")
    expected = start_encode(image, DEFAULT_OUTPUT, helper).result()
    bands: list[int] = []
    encode_plane = jpeg._encode_plane

    def spy(plane_of: Callable[[int], Image.Image], band: int, table: Sequence[int]) -> bytes:
        bands.append(band)
        return encode_plane(plane_of, band, table)

    monkeypatch.setattr(jpeg, "_encode_plane", spy)

    assert start_encode(image, DEFAULT_OUTPUT, executor()).result() == expected
    assert bands == bands_in_order


def test_its_result_asked_again_is_the_same(caplog: pytest.LogCaptureFixture) -> None:
    pending = start_encode(textured(64, 48).convert("YCbCr"), DEFAULT_OUTPUT, LateExecutor())

    assert pending.result() == pending.result()
    assert "encoding it whole" not in caplog.text


def test_encoding_is_deterministic(helper: ThreadPoolExecutor) -> None:
    image = textured(400, 300)

    assert planar(image, helper) == planar(image, helper)


# --- which way start_encode goes ---------------------------------------------------------


def test_an_rgb_image_is_encoded_on_the_helper_as_encode_jpeg_would(
    helper: ThreadPoolExecutor,
) -> None:
    image = textured(640, 480)

    data = start_encode(image, DEFAULT_OUTPUT, helper).result()

    assert data == encode_jpeg(image, DEFAULT_OUTPUT)
    assert decode_strictly(data).info.get("progressive")


def test_baseline_output_is_encoded_whole(helper: ThreadPoolExecutor) -> None:
    output = JpegOutput(progressive=False)

    data = start_encode(textured(640, 480).convert("YCbCr"), output, helper).result()

    assert not decode_strictly(data).info.get("progressive")


def test_over_the_byte_limit_it_falls_back_to_lower_qualities(helper: ThreadPoolExecutor) -> None:
    image = textured(640, 480)
    full = planar(image, helper)
    limit = len(full) * 2 // 3

    capped = planar(image, helper, JpegOutput(max_bytes=limit))

    assert len(capped) <= limit
    assert decode_strictly(capped).size == (640, 480)


def test_planes_that_cannot_be_joined_are_encoded_whole(
    helper: ThreadPoolExecutor, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # What a Pillow or libjpeg that wrote its JPEGs differently would cause.
    def refuse(*_: bytes) -> bytes:
        raise ValueError("unexpected marker 0xdd")

    monkeypatch.setattr("store.media.jpeg.join_planes", refuse)

    data = planar(textured(640, 480), helper)

    assert decode_strictly(data).size == (640, 480)
    assert first_scan_codes_every_plane(data)  # libjpeg's own colour script: Pillow's writer
    assert "encoding it whole" in caplog.text


# --- what join_planes refuses --------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_cr", "reason"),
    [
        pytest.param(
            lambda image: plane(image, 2, halve=False, table=1),
            "chroma plane is 64x48",
            id="not-halved",
        ),
        pytest.param(
            lambda image: plane(image, 2, halve=True, table=0),
            "quantised differently",
            id="luma-table",
        ),
    ],
)
def test_chroma_planes_that_do_not_fit_are_refused(
    make_cr: Callable[[Image.Image], bytes], reason: str
) -> None:
    image = textured(64, 48)
    luma, cb, _ = planes(image)

    with pytest.raises(ValueError, match=reason):
        join_planes(luma, cb, make_cr(image))


def _baseline(image: Image.Image) -> bytes:
    return plane(image, 0, halve=False, table=0, progressive=False)


def _colour(image: Image.Image) -> bytes:
    return encode(image, "JPEG", progressive=True)


def _truncated(image: Image.Image) -> bytes:
    return plane(image, 0, halve=False, table=0)[:-200]


def _cut_in_frame_header(image: Image.Image) -> bytes:
    data = plane(image, 0, halve=False, table=0)
    return data[: data.index(b"\xff\xc2") + 8]


def _short_frame_header(image: Image.Image) -> bytes:
    data = plane(image, 0, halve=False, table=0)
    frame = data.index(b"\xff\xc2")  # a 9-byte body said to be 5 bytes, 4 of them dropped
    return data[: frame + 2] + b"\x00\x07" + data[frame + 4 : frame + 9] + data[frame + 13 :]


@pytest.mark.parametrize(
    ("make_luma", "reason"),
    [
        pytest.param(_baseline, "unexpected marker 0xc0", id="baseline"),
        pytest.param(_colour, "not one quantisation table", id="colour"),
        pytest.param(lambda _: b"not a jpeg at all", "not a JPEG", id="not-a-jpeg"),
        pytest.param(_truncated, "runs to the end of the data", id="truncated"),
        pytest.param(_cut_in_frame_header, "runs past the end", id="cut-in-frame-header"),
        pytest.param(_short_frame_header, "not an 8-bit greyscale frame", id="short-frame"),
    ],
)
def test_anything_but_a_greyscale_progressive_jpeg_is_refused(
    make_luma: Callable[[Image.Image], bytes], reason: str
) -> None:
    image = textured(64, 48)
    _, cb, cr = planes(image)

    with pytest.raises(ValueError, match=reason):
        join_planes(make_luma(image), cb, cr)
