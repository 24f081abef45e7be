"""`soko run` and `soko web` keep the memory a photo frees for the next photo, instead of
unmapping it and faulting it in again (`bot.serving.keep_freed_memory`). Each case runs in a
fresh interpreter: the setting is process-wide."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024

# Prints resident memory (bytes) with 24 MB of pixels allocated, then after they are freed.
_PHOTO_SIZED_BUFFERS = """
import os, sys
from PIL import Image
from bot.serving import keep_freed_memory

if sys.argv[1] == "keep":
    assert keep_freed_memory()

def resident():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

pixels = [Image.new("RGB", (2000, 1000), (1, 2, 3)) for _ in range(4)]
print(resident())
del pixels
print(resident())
"""


def resident_before_and_after_freeing(mode: str) -> tuple[int, int]:
    completed = subprocess.run(
        [sys.executable, "-c", _PHOTO_SIZED_BUFFERS, mode],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    before, after = (int(line) for line in completed.stdout.split())
    return before, after


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc")
def test_freed_pixel_buffers_stay_with_the_process_for_reuse() -> None:
    before, after = resident_before_and_after_freeing("keep")

    assert after > before - 4 * MB


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc")
def test_without_it_they_go_back_to_the_kernel() -> None:
    # What keep_freed_memory changes: otherwise each buffer is unmapped as it is freed.
    before, after = resident_before_and_after_freeing("default")

    assert after < before - 20 * MB
