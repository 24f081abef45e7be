"""Resizing the decoded photo to the large rendition and turning it upright, on two threads.

The work is cut into horizontal strips of the output, each resized from its own box of the
source (the filter still reads source rows across a seam, so the strips match one resize of
the whole to within one level: Pillow picks the order of its two passes for each call),
turned, and pasted into the result by the thread that made it. Pillow lets go of
the GIL for all three, so a helper thread makes strips while the caller does something else:
decoding the rest of the source, when its rows arrive top-down (`jpeg_rows`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Executor, Future, wait
from typing import Final

from PIL import Image

# Area averaging (OpenCV's INTER_AREA), the usual filter for shrinking. After JPEG's DCT-domain
# reduction the factor left is under 2, where BOX costs a quarter of LANCZOS (22 vs 80 ms for
# 2000x1500 -> 1600x1200 on the bench machine) and the step is too small for LANCZOS's extra
# sharpness to show. reducing_gap=1 first reduces by any whole factor, cheaper still.
RESAMPLE: Final = Image.Resampling.BOX
REDUCING_GAP: Final = 1.0

# Output rows per strip. Strips are always cut at these fixed rows, whatever the timing, so a
# photo always gives the same pixels (and content address); small enough that little is left
# to do once the last source row arrives. Even, so that halving a strip is exact.
STRIP_ROWS: Final = 32


def resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, RESAMPLE, reducing_gap=REDUCING_GAP)


class UprightResize:
    """A source resized to `size` (in its own axes), then turned upright by `turns`.

    `start(source)` names the source; while its rows are still being written top-down,
    `rows_ready(n)` says its first `n` rows are final, and the helper makes the strips those
    rows allow. `finish()` makes the rest, half here and half on the helper, and returns the
    result. A strip never reads a source row below `n`: the resize's filter support is counted
    in (see `_source_rows_for`).

    With `halved`, and when `size` is even both ways, each strip is also halved (2x2 means,
    exactly `resize` to half the size, since strips start on even rows) into a second result,
    `halved_result()`: the next rendition down, made while the source still decodes.
    """

    def __init__(
        self,
        size: tuple[int, int],
        turns: Sequence[Image.Transpose],
        helper: Executor,
        *,
        halved: bool = False,
    ) -> None:
        self._size = size
        self._halve = halved and size[0] % 2 == 0 and size[1] % 2 == 0
        self._turns = tuple(turns)
        canvas = size
        for turn in self._turns:
            canvas = _turned_size(canvas, turn)
        self._canvas = canvas
        self._helper = helper
        height = size[1]
        self._strips = [
            (top, min(top + STRIP_ROWS, height)) for top in range(0, height, STRIP_ROWS)
        ]
        self._source: Image.Image | None = None
        self._result: Image.Image | None = None
        self._halved: Image.Image | None = None
        self._handed_out = 0  # strips made or given to the helper, from the top
        self._pending: Future[None] | None = None

    def start(self, source: Image.Image) -> None:
        self._source = source
        self._result = Image.new(source.mode, self._canvas)
        if self._halve:
            self._halved = Image.new(source.mode, (self._canvas[0] // 2, self._canvas[1] // 2))
        self._handed_out = 0
        self._pending = None

    def wants_rows(self) -> bool:
        """Whether the helper is idle, so `rows_ready` could give it work now."""
        return self._pending is None or self._pending.done()

    def rows_ready(self, rows: int) -> None:
        if not self.wants_rows():
            return
        if self._pending is not None:
            self._pending.result()  # done: raises what failed on the helper, or its strips are lost
        first = ready = self._handed_out
        while ready < len(self._strips) and self._source_rows_for(self._strips[ready]) <= rows:
            ready += 1
        if ready > first:
            self._pending = self._helper.submit(self._make, first, ready)
            self._handed_out = ready

    def finish(self, source: Image.Image | None = None) -> Image.Image:
        """The result, once every source row is final. `source` starts it if `start` has not."""
        if source is not None and self._source is None:
            self.start(source)
        first, last = self._handed_out, len(self._strips)
        split = first + (last - first + 1) // 2  # a last strip alone is made here, at once
        lower = self._helper.submit(self._make, split, last) if split < last else None
        self._make(first, split)
        for future in (lower, self._pending):
            if future is not None:
                future.result()
        self._handed_out = last
        assert self._result is not None
        return self._result

    def halved_result(self) -> Image.Image | None:
        """After `finish()`: the result halved each way, if asked for and possible."""
        return self._halved

    def abandon(self) -> None:
        """Drop what was made (the source failed to decode): waits for the helper's strips."""
        if self._pending is not None:
            wait([self._pending])
        self._source = self._result = self._halved = self._pending = None
        self._handed_out = 0

    def _source_rows_for(self, strip: tuple[int, int]) -> int:
        """The source rows a resize of the output rows of `strip` may read. Pillow's
        resampling reads rows up to its box's bottom plus the filter's support (half a scale
        step for BOX), and a whole-factor reduction first reads up to the box's bottom rounded
        up; the margin covers both with room to spare."""
        assert self._source is not None
        scale = self._source.height / self._size[1]
        return math.ceil(strip[1] * scale) + math.ceil(scale) + 1

    def _make(self, first: int, last: int) -> None:
        """Make strips [first, last), each from its own box of the source, and paste them,
        turned, where they belong."""
        assert self._source is not None
        assert self._result is not None
        source, (width, height) = self._source, self._size
        for top, bottom in self._strips[first:last]:
            box = (0, top, width, bottom)
            if source.size == self._size:
                part = source.crop(box)
            else:
                source_box = (0.0, top * source.height / height, float(source.width))
                part = source.resize(
                    (width, bottom - top),
                    RESAMPLE,
                    (*source_box, bottom * source.height / height),
                    REDUCING_GAP,
                )
            canvas = self._size
            for turn in self._turns:
                box = _turned_box(box, canvas, turn)
                canvas = _turned_size(canvas, turn)
            turned = turn_upright(part, self._turns)
            self._result.paste(turned, box[:2])
            if self._halved is not None:
                self._halved.paste(turned.reduce(2), (box[0] // 2, box[1] // 2))


def upright_in_halves(
    image: Image.Image,
    size: tuple[int, int],
    turns: Sequence[Image.Transpose],
    helper: Executor,
) -> Image.Image:
    """`image` resized to `size` (its own axes), then turned upright by `turns`: the top half
    of the strips here and the bottom half on `helper` at the same time."""
    return UprightResize(size, turns, helper).finish(image)


def turn_upright(image: Image.Image, turns: Sequence[Image.Transpose]) -> Image.Image:
    for turn in turns:
        image = image.transpose(turn)
    return image


def _turned_size(size: tuple[int, int], turn: Image.Transpose) -> tuple[int, int]:
    return size[::-1] if turn in _SWAPS_AXES else size


_SWAPS_AXES: Final = frozenset(
    {
        Image.Transpose.ROTATE_90,
        Image.Transpose.ROTATE_270,
        Image.Transpose.TRANSPOSE,
        Image.Transpose.TRANSVERSE,
    }
)


def _turned_box(
    box: tuple[int, int, int, int], size: tuple[int, int], turn: Image.Transpose
) -> tuple[int, int, int, int]:
    """Where the pixels of `box`, in an image of `size`, land after `turn`."""
    x0, y0, x1, y1 = box
    width, height = size
    match turn:
        case Image.Transpose.FLIP_LEFT_RIGHT:
            return width - x1, y0, width - x0, y1
        case Image.Transpose.FLIP_TOP_BOTTOM:
            return x0, height - y1, x1, height - y0
        case Image.Transpose.ROTATE_180:
            return width - x1, height - y1, width - x0, height - y0
        case Image.Transpose.ROTATE_90:  # counter-clockwise
            return y0, width - x1, y1, width - x0
        case Image.Transpose.ROTATE_270:
            return height - y1, x0, height - y0, x1
        case Image.Transpose.TRANSPOSE:
            return y0, x0, y1, x1
        case Image.Transpose.TRANSVERSE:
            return height - y1, width - x1, height - y0, width - x0
    raise ValueError(turn)
