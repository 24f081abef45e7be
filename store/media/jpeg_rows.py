"""Decoding a baseline JPEG a step at a time, so its top rows can be used before its last.

libjpeg writes a sequential (baseline) JPEG's rows top-down as its data arrives, and Pillow's
decoder lets go of the GIL while it decodes. `ImageFile.load` feeds the decoder 64 KiB at a
time but offers nothing between steps, and `ImageFile.Parser` ignores `draft()` for JPEG, so
this module drives the decoder itself, as `load` does: `Image._getdecoder`, `setimage`,
`decode(chunk)` until it reports the end. That is Pillow's private API, kept here alone.

Which rows are complete is read from the pixels, not guessed from the bytes consumed: the
canvas starts zero-filled, and rows are written whole and in order within a `decode` call,
and this is only asked between calls, on the decoding thread. So the written rows are a
prefix, and a row whose last pixel is not all zero is final, and so is every row above it. A
decoded pixel is practically never all zero (Cb = Cr = 0 is no colour a camera makes); one
that were would only look unwritten, so the caller would lose some of its head start, and
never read a row too early.

`stream_rows` returns None for what it does not handle (not a sequential YCbCr JPEG, Pillow
set up for truncated images, or a Pillow whose decoder API has changed); iterating raises
`OSError` on any decoder failure. Either way the caller falls back to `load()`, which reports
the failure as it always has.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from PIL import Image, ImageFile
from PIL.JpegImagePlugin import JpegImageFile

if TYPE_CHECKING:
    from PIL._imaging import ImagingDecoder

# Steps per photo: each costs a look at the pixels (tens of microseconds, with the decoder
# paused), and the rows of the last step can only be used once it ends. About 20 balances the
# two on a 12 MP photo (bench/photos.py), and the steps shrink towards the end, down to what
# ImageFile.load feeds, so that the last one holds few rows.
STEPS: Final = 20
MIN_CHUNK_BYTES: Final = 64 * 1024


class JpegRows:
    """A JPEG being decoded into `canvas`. Iterating decodes it one chunk per step; between
    steps `complete_rows()` says how many of the canvas's top rows are final."""

    def __init__(self, image: JpegImageFile, data: bytes, decoder: ImagingDecoder) -> None:
        _, extents, offset, _ = image.tile[0]
        self.canvas = Image.new(image.mode, image.size, None)  # None: zero-filled, not painted
        self._decoder = decoder
        self._decoder.setimage(self.canvas.im, extents)
        self._data = memoryview(data)
        self._offset = offset
        self._chunk = max(MIN_CHUNK_BYTES, (len(data) - offset) // STEPS)
        self._complete = 0

    def __iter__(self) -> Iterator[None]:
        """Decode one chunk per step; at the end every row is final. Raises `OSError` if the
        data ends early or the decoder fails."""
        try:
            start = end = self._offset
            while True:
                if end >= len(self._data):
                    raise OSError("image file is truncated")
                end += min(self._chunk, max(MIN_CHUNK_BYTES, (len(self._data) - end) // 3))
                consumed, error = self._decoder.decode(self._data[start:end])
                if consumed < 0:
                    if error < 0:
                        raise OSError(f"decoder error {error}")
                    self._complete = self.canvas.height
                    return
                start += consumed
                yield
        finally:
            self._decoder.cleanup()

    def complete_rows(self) -> int:
        """How many of the canvas's top rows the decoder has finished writing."""
        # The written rows are a prefix: a binary search on the last column finds its end in
        # a dozen single-pixel reads. (Reading the whole column cost 150 us a look, 3-4 ms a
        # photo, on the decoding thread.)
        low, high = self._complete, self.canvas.height
        while low < high:
            middle = (low + high) // 2
            if self._is_written(middle):
                low = middle + 1
            else:
                high = middle
        self._complete = low
        return low

    def _is_written(self, row: int) -> bool:
        last_pixel = self.canvas.getpixel((self.canvas.width - 1, row))
        return isinstance(last_pixel, tuple) and any(last_pixel)


def stream_rows(image: Image.Image, data: bytes) -> JpegRows | None:
    """A step-by-step decode of `image` (opened from `data`, `draft()` already applied), or None
    when it needs the ordinary `load()`."""
    try:
        return _stream_rows(image, data)
    except (AttributeError, TypeError, ValueError):  # Pillow's private API is not as it was
        return None


def _stream_rows(image: Image.Image, data: bytes) -> JpegRows | None:
    if not (
        isinstance(image, JpegImageFile)
        and image.mode == "YCbCr"
        and image._im is None
        and len(image.tile) == 1
        and image.tile[0].codec_name == "jpeg"
        # A progressive JPEG's rows all appear at the end, so streaming gains nothing.
        and "progressive" not in image.info
        and "progression" not in image.info
        and not ImageFile.LOAD_TRUNCATED_IMAGES
    ):
        return None
    decoder_name, _, _, args = image.tile[0]
    decoder = Image._getdecoder(image.mode, decoder_name, args, image.decoderconfig)
    if isinstance(decoder, ImageFile.PyDecoder) or decoder.pulls_fd:
        return None
    return JpegRows(image, data, decoder)
