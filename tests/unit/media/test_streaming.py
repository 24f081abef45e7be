"""Decoding a JPEG a chunk at a time while the rows already decoded are resized and turned:
the same pixels as decoding first, and never a row read before it is decoded."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, ParamSpec, TypeVar

import pytest
from PIL import Image, ImageChops, ImageFile, ImageStat

from store.media import PhotoError, PhotoErrorCode, process_photo
from store.media.jpeg_rows import JpegRows, stream_rows
from store.media.pipeline import LARGEST_SIDE, ORIENTATION_TURNS, fit_within
from store.media.upright import UprightResize, upright_in_halves
from store.media.upright import resize as resize_to
from tests.unit.media.executors import InlineExecutor
from tests.unit.media.images import (
    STORE_FOR_ORIENTATION,
    encode,
    exif_bytes,
    ok,
    open_rendition,
    photo_jpeg,
    textured,
)

P = ParamSpec("P")
T = TypeVar("T")


def drafted(data: bytes) -> Image.Image:
    """Opened as the pipeline opens a colour JPEG: YCbCr, reduced towards the large size."""
    image = Image.open(io.BytesIO(data))
    image.draft("YCbCr", fit_within(image.size, LARGEST_SIDE))
    return image


# --- which rows are decoded ----------------------------------------------------------------


@pytest.mark.parametrize("size", [(2001, 1333), (3203, 2135)])  # decoded whole, and at 1/2
def test_rows_reported_complete_are_final(size: tuple[int, int]) -> None:
    data = photo_jpeg(*size, quality=92)
    expected = drafted(data)
    expected.load()
    rows = stream_rows(drafted(data), data)
    assert rows is not None
    width, height = rows.canvas.size

    reported = []
    for _ in rows:
        complete = rows.complete_rows()
        reported.append(complete)
        top = (0, 0, width, complete)
        assert rows.canvas.crop(top).tobytes() == expected.crop(top).tobytes()

    assert reported == sorted(reported)
    assert any(0 < complete < height for complete in reported)  # rows show up on the way
    assert rows.complete_rows() == height
    assert rows.canvas.tobytes() == expected.tobytes()


def test_new_pixels_are_all_zero_and_decoded_ones_are_not() -> None:
    # What complete_rows() relies on: a new canvas is zero-filled, decoded pixels are not.
    fresh = Image.new("YCbCr", (7, 5), None)
    decoded = drafted(photo_jpeg(640, 520))
    decoded.load()

    assert set(fresh.tobytes()) == {0}
    y, cb, cr = decoded.split()
    brightest_band = ImageChops.lighter(ImageChops.lighter(y, cb), cr)
    darkest, _ = brightest_band.getextrema()
    assert isinstance(darkest, int)
    assert darkest > 0  # no pixel has all three bands at zero


def test_a_decoded_pixel_that_is_all_zero_only_delays_its_rows() -> None:
    # Y = Cb = Cr = 0 down the right edge: no camera makes it, but a crafted file can.
    image = textured(2001, 1333).convert("YCbCr")
    image.paste((0, 0, 0), (1993, 0, 2001, 1333))
    data = encode(image, "JPEG", quality=100)
    expected = drafted(data)
    expected.load()
    assert expected.getpixel((expected.width - 1, 0)) == (0, 0, 0)
    rows = stream_rows(drafted(data), data)
    assert rows is not None

    reported = []
    for _ in rows:
        reported.append(rows.complete_rows())

    assert set(reported) == {0}  # never reported, so never read early
    assert rows.complete_rows() == rows.canvas.height
    assert rows.canvas.tobytes() == expected.tobytes()


def test_a_truncated_jpeg_fails_while_streaming() -> None:
    data = photo_jpeg(2001, 1333)
    rows = stream_rows(drafted(data), data[: len(data) * 3 // 5])
    assert rows is not None

    with pytest.raises(OSError, match="truncated"):
        for _ in rows:
            pass


def test_the_first_frame_of_an_mpo_streams_too() -> None:
    first, second = textured(2001, 1333), textured(2001, 1333, seed=5)
    data = encode(first, "MPO", quality=90, save_all=True, append_images=[second])
    expected = drafted(data)
    expected.load()
    rows = stream_rows(drafted(data), data)
    assert rows is not None

    for _ in rows:
        pass

    assert rows.canvas.tobytes() == expected.tobytes()


def _progressive() -> bytes:
    return photo_jpeg(640, 520, progressive=True)


def _png() -> bytes:
    return encode(textured(640, 520), "PNG")


def _greyscale() -> bytes:
    return encode(textured(640, 520).convert("L"), "JPEG")


@pytest.mark.parametrize("make", [_progressive, _png, _greyscale])
def test_what_does_not_stream_is_left_to_load(make: Callable[[], bytes]) -> None:
    data = make()
    image = Image.open(io.BytesIO(data))
    image.draft("YCbCr", fit_within(image.size, LARGEST_SIDE))

    assert stream_rows(image, data) is None


def test_pillow_set_up_for_truncated_images_is_left_to_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = photo_jpeg(2001, 1333)

    assert stream_rows(drafted(data), data) is None


def test_a_pillow_without_the_private_decoder_api_is_left_to_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`Image._getdecoder` gone (as a Pillow release may do): the photo is decoded whole."""
    monkeypatch.setattr("store.media.jpeg_rows.Image", SimpleNamespace(new=Image.new))
    data = photo_jpeg(2001, 1333)

    assert stream_rows(drafted(data), data) is None
    assert ok(process_photo(data)).sizes["large"]


# --- strips made while the source arrives --------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize(
    ("source", "target"), [((2001, 1333), (1600, 1066)), ((999, 777), (999, 777))]
)
def test_a_strip_never_reads_a_row_not_yet_decoded(
    orientation: int, source: tuple[int, int], target: tuple[int, int]
) -> None:
    turns = ORIENTATION_TURNS.get(orientation, ())
    image = textured(*source).convert("YCbCr")
    expected = upright_in_halves(image, target, turns, InlineExecutor())
    # Rows not decoded yet hold noise: a strip that read one would not match.
    arriving = Image.effect_noise(source, 90).convert("YCbCr")
    helper = InlineExecutor()
    resize = UprightResize(target, turns, helper)
    resize.start(arriving)

    for rows in range(0, source[1], 37):
        arriving.paste(image.crop((0, 0, source[0], rows)))
        resize.rows_ready(rows)
    made_early = helper.tasks
    arriving.paste(image)
    result = resize.finish()

    assert made_early > 10
    assert result.tobytes() == expected.tobytes()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_the_halved_result_is_the_result_halved(orientation: int) -> None:
    # The medium rendition, made strip by strip while the source decodes, must be exactly
    # what resizing the finished large would give.
    image = textured(2000, 1500).convert("YCbCr")
    resize = UprightResize(
        (1600, 1200), ORIENTATION_TURNS.get(orientation, ()), InlineExecutor(), halved=True
    )
    resize.start(image)
    for rows in range(0, image.height, 301):
        resize.rows_ready(rows)
    result = resize.finish()

    halved = resize.halved_result()
    assert halved is not None
    assert halved.tobytes() == resize_to(result, (result.width // 2, result.height // 2)).tobytes()


class FailsFirstTask(InlineExecutor):
    """A helper whose first task fails (out of memory, say), as a real executor reports it."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        if self.tasks == 0:
            self.tasks += 1
            failed: Future[T] = Future()
            failed.set_exception(RuntimeError("the helper's task failed"))
            return failed
        return super().submit(fn, *args, **kwargs)


def test_strips_the_helper_failed_to_make_are_not_left_blank() -> None:
    resize = UprightResize((1600, 1200), (), FailsFirstTask())
    resize.start(textured(2000, 1500).convert("YCbCr"))
    resize.rows_ready(500)  # the helper's first task, which fails

    # Its strips are never made: the failure comes out before more work is handed out.
    with pytest.raises(RuntimeError, match="helper's task failed"):
        resize.rows_ready(1000)


def test_a_photo_whose_streaming_helper_failed_is_made_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = photo_jpeg(2000, 1500)
    expected = open_rendition(ok(process_photo(data)).sizes["large"])
    monkeypatch.setattr("store.media.pipeline._HELPERS", FailsFirstTask())

    large = open_rendition(ok(process_photo(data)).sizes["large"])

    assert max(ImageStat.Stat(ImageChops.difference(large, expected)).mean) < 2


@pytest.mark.parametrize(
    ("size", "asked"), [((1600, 1067), True), ((1601, 1200), True), ((1600, 1200), False)]
)
def test_no_halved_result_unless_asked_and_exact(size: tuple[int, int], asked: bool) -> None:
    resize = UprightResize(size, (), InlineExecutor(), halved=asked)

    resize.finish(textured(2000, 1500).convert("YCbCr"))

    assert resize.halved_result() is None


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("upright", [(1335, 2003), (3207, 1001)])  # decoded whole, and at 1/2
def test_streaming_gives_the_same_bytes_as_decoding_first(
    orientation: int, upright: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = _textured(upright)
    for method in STORE_FOR_ORIENTATION[orientation]:
        stored = stored.transpose(method)
    data = encode(stored, "JPEG", quality=92, exif=exif_bytes(orientation))

    streams = []

    def spy(image: Image.Image, data: bytes) -> JpegRows | None:
        streams.append(stream_rows(image, data))
        return streams[-1]

    monkeypatch.setattr("store.media.pipeline.stream_rows", spy)
    streamed = ok(process_photo(data))
    monkeypatch.setattr("store.media.pipeline.stream_rows", lambda *_: None)
    decoded_first = ok(process_photo(data))

    assert streams[0] is not None
    assert streamed == decoded_first


@functools.cache
def _textured(size: tuple[int, int]) -> Image.Image:
    return textured(*size)


def test_a_jpeg_cut_after_some_strips_were_made_is_truncated() -> None:
    data = photo_jpeg(2001, 1333)
    result = process_photo(data[: len(data) * 3 // 5])
    assert isinstance(result, PhotoError)
    assert result.code is PhotoErrorCode.TRUNCATED


def test_concurrent_streams_on_a_shared_helper_agree() -> None:
    data = photo_jpeg(2001, 1333)
    helper = ThreadPoolExecutor(max_workers=2)

    def large(_: Any) -> bytes:
        resize = UprightResize((1600, 1066), (Image.Transpose.ROTATE_90,), helper)
        rows = stream_rows(drafted(data), data)
        assert rows is not None
        resize.start(rows.canvas)
        for _ in rows:
            if resize.wants_rows():
                resize.rows_ready(rows.complete_rows())
        return resize.finish().tobytes()

    with helper, ThreadPoolExecutor(max_workers=3) as callers:
        results = set(callers.map(large, range(6)))

    assert len(results) == 1
