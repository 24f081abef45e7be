"""Encoding renditions as JPEG, metadata-free, with the interpreter free to do other work.

Pillow releases the GIL while it encodes only when it writes to a real file descriptor
(`encode_to_file`); into a `BytesIO` it holds the GIL for the whole encode. So renditions are
encoded into an anonymous in-memory file, which lets the pipeline encode the large rendition
on one core while it prepares the smaller ones on the other.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Final

from PIL import Image

_FALLBACK_QUALITIES: Final = (72, 62, 50, 40, 30)


@dataclass(frozen=True, slots=True)
class JpegOutput:
    quality: int = 82
    # Progressive costs about 35 ms per photo over baseline on a slow CPU (bench/photos.py)
    # and lets a buyer on a slow connection see the whole picture early.
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
        with _scratch_file() as scratch:
            image.save(
                scratch, "JPEG", quality=quality, optimize=True, progressive=output.progressive
            )
            scratch.seek(0)
            data = scratch.read()
        if len(data) <= output.max_bytes:
            break
    return data


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
