"""Hostile photos (tests/unit/media/hostile.py) are each processed within the pipeline's 150 MB
goal or refused before decoding, with a reason the artisan is told kindly; five at once stay
within 400 MB.

Memory is measured as bench/photos.py does: the peak resident size (VmHWM) of a fresh process
that imports the pipeline, keeps freed memory as `soko run` does, reads the photos and runs
them. A peak is a bound, not a timing: it does not depend on the machine's load.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from conversations.photos import REFUSALS
from store.media import PhotoErrorCode, ProcessedPhoto, pipeline, process_photo
from tests.unit.media.hostile import ACCEPTED, LARGEST_ACCEPTED, REFUSED, write_corpus
from tests.unit.media.images import photo_jpeg

ROOT = Path(__file__).resolve().parents[3]
PEAK_GOAL_MB = 150
FIVE_AT_ONCE_GOAL_MB = 400

needs_proc = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads the peak from Linux's /proc"
)

# argv: the photos' paths. Prints the peak (MB) and each photo's outcome, as JSON.
_RUN_PHOTOS = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from bot.serving import keep_freed_memory
from store.media.pipeline import PhotoError, process_photo

keep_freed_memory()
photos = [Path(arg).read_bytes() for arg in sys.argv[1:]]

def outcome(data):
    result = process_photo(data)
    return result.code.value if isinstance(result, PhotoError) else "processed"

with ThreadPoolExecutor(max_workers=len(photos)) as pool:
    outcomes = list(pool.map(outcome, photos))
status = Path("/proc/self/status").read_text()
peak_kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
print(json.dumps({"peak_mb": peak_kib / 1024, "outcomes": outcomes}))
"""


def run_at_once(*paths: Path) -> tuple[float, list[str]]:
    """Process the photos all at once in a fresh interpreter: its peak memory and outcomes."""
    completed = subprocess.run(
        [sys.executable, "-c", _RUN_PHOTOS, *map(str, paths)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(completed.stdout)
    return report["peak_mb"], report["outcomes"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Made once per run: the test workers (pytest-xdist) share the run's temporary folder,
    and the first to come makes the photos while the others wait."""
    directory = tmp_path_factory.getbasetemp().parent / "hostile-photos"
    directory.mkdir(exist_ok=True)
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return write_corpus(directory, {**REFUSED, **ACCEPTED})


@needs_proc
@pytest.mark.parametrize("name", list(REFUSED))
def test_a_hostile_photo_is_refused_within_the_memory_goal(
    corpus: dict[str, Path], name: str
) -> None:
    peak_mb, [outcome] = run_at_once(corpus[name])

    assert peak_mb <= PEAK_GOAL_MB
    assert outcome != "processed"
    assert PhotoErrorCode(outcome) in REFUSALS  # she is told why, kindly, in her language


@needs_proc
@pytest.mark.parametrize("name", list(ACCEPTED))
def test_an_odd_but_real_photo_is_processed_within_the_memory_goal(
    corpus: dict[str, Path], name: str
) -> None:
    peak_mb, outcomes = run_at_once(corpus[name])

    assert outcomes == ["processed"]
    assert peak_mb <= PEAK_GOAL_MB


@needs_proc
def test_five_of_the_costliest_photos_at_once_stay_within_400_mb(
    corpus: dict[str, Path],
) -> None:
    costliest = [corpus[name] for name in list(LARGEST_ACCEPTED)[:5]]

    peak_mb, outcomes = run_at_once(*costliest)

    assert outcomes == ["processed"] * 5
    assert peak_mb <= FIVE_AT_ONCE_GOAL_MB


@needs_proc
def test_five_bombs_at_once_are_refused_within_the_memory_goal(corpus: dict[str, Path]) -> None:
    bombs = [corpus[name] for name in list(REFUSED)[:5]]

    peak_mb, outcomes = run_at_once(*bombs)

    assert peak_mb <= PEAK_GOAL_MB
    assert outcomes == [PhotoErrorCode.TOO_MANY_PIXELS.value] * 4 + ["unsupported_format"]


def test_photos_sent_at_once_are_decoded_by_the_bounded_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decoded_on: list[str] = []
    decode = pipeline._decode

    def noting_the_thread(*args: Any) -> Any:
        decoded_on.append(threading.current_thread().name)
        return decode(*args)

    monkeypatch.setattr(pipeline, "_decode", noting_the_thread)
    photos = [photo_jpeg(900 + i, 700) for i in range(6)]

    with ThreadPoolExecutor(max_workers=len(photos)) as senders:
        results = list(senders.map(process_photo, photos))

    assert all(isinstance(result, ProcessedPhoto) for result in results)
    assert len(decoded_on) == len(photos)
    assert all(name.startswith("photo-decode") for name in decoded_on)
    assert len(set(decoded_on)) <= pipeline.PHOTOS_AT_ONCE <= 2
