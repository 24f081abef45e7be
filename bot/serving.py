"""Tuning shared by the long-running serving processes (`soko run`, `soko web`, and for
`keep_freed_memory`, `soko scheduler`)."""

from __future__ import annotations

import ctypes
import gc
from typing import Final

# glibc's mallopt() parameters, from <malloc.h>.
_M_TRIM_THRESHOLD: Final = -1
_M_MMAP_THRESHOLD: Final = -3
# Pillow keeps pixels in blocks of at most 16 MiB, so none is mapped alone below this (glibc's
# largest allowed value on 64-bit).
_MMAP_THRESHOLD: Final = 32 * 1024 * 1024
_TRIM_THRESHOLD: Final = 256 * 1024 * 1024


def freeze_startup_objects() -> None:
    """Put what startup built (modules, mappers, flows, clients: most of the heap) out of the
    cyclic collector's reach, so that its full collections walk only what serving allocates:
    on bench/telegram.py's shop one took 150 ms (a stall of every update meanwhile), 4 ms
    after this."""
    gc.collect()
    gc.freeze()


def keep_freed_memory() -> bool:
    """Have glibc keep the memory a photo frees for the next one rather than give it back to
    the kernel and fault it in again. A 12 MP photo frees about 22 MB of pixel buffers when it
    is done, and unmapping them took 3.8 ms on the thread its sender waits on
    (bench/photos.py); now 0.02 ms. The price: the process holds on to its high-water mark of
    freed memory (about 30 MB more per photo processed at once; peaks are unchanged). False,
    and nothing changed, where the C library has no mallopt (not glibc)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )
