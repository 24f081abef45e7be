"""store.media keeps the dependency rule and is safe to call from worker threads."""

from __future__ import annotations

import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

from store.media import ProcessedPhoto, process_photo
from tests.unit.media.images import photo_jpeg

FORBIDDEN = ("telegram", "twilio", "stripe", "starlette", "handlers", "bot")


def test_store_media_imports_no_adapter_or_composition_code() -> None:
    probe = (
        "import sys, store.media, store.media.storage; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    )
    assert completed.stdout.strip() == "[]"


def test_concurrent_calls_agree_and_leave_the_warning_filters_alone() -> None:
    data = photo_jpeg(2000, 1500)
    before = list(warnings.filters)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(process_photo, [data] * 8))

    assert all(isinstance(result, ProcessedPhoto) for result in results)
    assert len({result.sha256 for result in results if isinstance(result, ProcessedPhoto)}) == 1
    assert warnings.filters == before
