"""Encoding renditions as JPEG, metadata-free, with the interpreter free to do other work.

Pillow releases the GIL while it encodes only when it writes to a real file descriptor
(`encode_to_file`); into a `BytesIO` it holds the GIL for the whole encode. So renditions are
encoded into an anonymous in-memory file, which lets the pipeline encode the large rendition
on two cores while it prepares the smaller ones (`start_encode`).

The large rendition of a photo (`start_encode`) is encoded a plane at a time by Pillow's writer,
on two threads, its scans then joined into one colour JPEG (`jpeg_scans`); every other image,
and the large whenever its planes cannot be joined, is encoded whole by Pillow's writer.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import IO, Final, Protocol

from PIL import Image
from PIL.JpegImagePlugin import JpegImageFile

from store.media.jpeg_scans import join_planes

_FALLBACK_QUALITIES: Final = (72, 62, 50, 40, 30)
_log = logging.getLogger(__name__)
# Only a libjpeg that writes its JPEGs other than `join_planes` knows fails a plane at a time
# (ValueError); Pillow's writer then encodes the image whole: slower, never lost.
_ENCODING_WHOLE: Final = "could not encode a JPEG a plane at a time; encoding it whole"


@dataclass(frozen=True, slots=True)
class JpegOutput:
    quality: int = 82
    # Progressive costs 15-25 ms per 12 MP photo over baseline (bench/photos.py: the
    # "pipeline_baseline_jpeg" variant), and lets a buyer on a slow connection see the whole
    # picture early.
    progressive: bool = True
    # WhatsApp's image limit; Telegram's (10 MB) is looser.
    max_bytes: int = 5 * 1024 * 1024


DEFAULT_OUTPUT: Final = JpegOutput()


def encode_jpeg(image: Image.Image, output: JpegOutput = DEFAULT_OUTPUT) -> bytes:
    """A JPEG without any metadata, at the best quality that fits `output.max_bytes`.

    `image` is RGB, L or YCbCr (JPEG's own colour space: encoding it skips a conversion).
    """
    qualities = [output.quality, *(q for q in _FALLBACK_QUALITIES if q < output.quality)]
    data = b""
    for quality in qualities:
        data = _save(image, quality=quality, optimize=True, progressive=output.progressive)
        if len(data) <= output.max_bytes:
            break
    return data


class PendingJpeg(Protocol):
    def result(self) -> bytes: ...


def start_encode(
    image: Image.Image, output: JpegOutput, helper: Executor, halved: Image.Image | None = None
) -> PendingJpeg:
    """Begin encoding `image` as `encode_jpeg` would; `result()`, called on this thread, ends it.

    A progressive YCbCr image (what a phone's JPEG decodes to) is encoded a plane at a time: the
    luma on `helper` straight away, the chroma planes on this thread within `result()` (or one
    of them on `helper`, if it is free first), and their scans joined (`jpeg_scans`). The luma
    is two thirds of the work, so this thread can make the smaller renditions before calling
    `result()` and still not wait long. Any other image is encoded on `helper`, by `encode_jpeg`.

    `halved`, if at hand, is `image` halved each way by 2x2 means: its chroma bands are then
    the chroma planes as they are.
    """
    if output.progressive and image.mode == "YCbCr":
        return _PlanarJpeg(image, output, helper, halved)
    return helper.submit(encode_jpeg, image, output)


class _PlanarJpeg:
    """The luma on the helper, Cb on the caller, and Cr on whichever of the two is free first:
    the helper once the luma is done, or the caller once it has done everything else."""

    def __init__(
        self,
        image: Image.Image,
        output: JpegOutput,
        helper: Executor,
        halved: Image.Image | None,
    ) -> None:
        self._image = image
        self._output = output
        luma_table, self._chroma_table = quantization_tables(output.quality)
        # 4:2:0, as libjpeg would subsample: each chroma sample the mean of a 2x2 square.
        self._chroma_of: Callable[[int], Image.Image] = (
            halved.getchannel if halved is not None else functools.partial(_halved_band, image)
        )
        self._cr_taken = threading.Lock()
        self._cr = b""  # written by whichever thread took it, before `_luma` is done
        self._luma: Future[bytes] = helper.submit(self._luma_then_cr_if_free, luma_table)
        self._data: bytes | None = None

    def result(self) -> bytes:
        """The JPEG, made by the first call; later calls give the same bytes, as `Future` does."""
        if self._data is None:
            self._data = self._finish()
        return self._data

    def _finish(self) -> bytes:
        try:
            cb = self._encode_chroma(1)
            self._take_cr_if_free()
            data = join_planes(self._luma.result(), cb, self._cr)
        except ValueError:
            _log.exception(_ENCODING_WHOLE)
            return encode_jpeg(self._image, self._output)
        if len(data) <= self._output.max_bytes:
            return data
        return encode_jpeg(self._image, self._output)  # at lower qualities

    def _luma_then_cr_if_free(self, luma_table: Sequence[int]) -> bytes:
        luma = _encode_plane(self._image.getchannel, 0, luma_table)
        self._take_cr_if_free()
        return luma

    def _take_cr_if_free(self) -> None:
        if self._cr_taken.acquire(blocking=False):
            self._cr = self._encode_chroma(2)

    def _encode_chroma(self, band: int) -> bytes:
        return _encode_plane(self._chroma_of, band, self._chroma_table)


@functools.cache
def quantization_tables(quality: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The luma and chroma tables libjpeg quantises a colour image with at `quality`."""
    probe = io.BytesIO()
    Image.new("RGB", (8, 8)).save(probe, "JPEG", quality=quality)
    with JpegImageFile(io.BytesIO(probe.getvalue())) as opened:
        tables = opened.quantization
    return tuple(tables[0]), tuple(tables[1])


def _encode_plane(plane_of: Callable[[int], Image.Image], band: int, table: Sequence[int]) -> bytes:
    """A greyscale progressive JPEG of band `band`, quantised with `table` as it is (Pillow
    passes a table unscaled when no `quality` is given). The plane is taken on the thread
    that encodes it."""
    return _save(plane_of(band), qtables=[list(table)], progressive=True)


def _halved_band(image: Image.Image, band: int) -> Image.Image:
    return image.getchannel(band).reduce(2)


def _save(image: Image.Image, **params: object) -> bytes:
    with _scratch_file() as scratch:
        image.save(scratch, "JPEG", **params)
        scratch.seek(0)
        return scratch.read()


@contextlib.contextmanager
def _scratch_file() -> Iterator[IO[bytes]]:
    descriptor = _memory_file()
    if descriptor is None:  # not Linux, or memfd refused by a sandbox: a temporary file
        with tempfile.TemporaryFile() as scratch:
            yield scratch
        return
    with io.FileIO(descriptor, "w+b") as scratch:
        yield scratch


def _memory_file() -> int | None:
    """An anonymous file that lives in memory only (Linux)."""
    try:
        return os.memfd_create("soko-jpeg", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        return None
