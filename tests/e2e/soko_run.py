"""`soko run` as the operator starts it: a real process with only environment settings, for the
end-to-end tests of any channel (each brings its own fake platform)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def soko_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a shop in `tmp_path` (SQLite file, local media) with `settings`
    (by field name: `default_locale="sw"` is DEFAULT_LOCALE=sw)."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'soko.db'}",
        "MEDIA_DIR": str(tmp_path / "media"),
        **{name.upper(): value for name, value in settings.items()},
    }


@contextmanager
def running_soko(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`soko db upgrade`, then `soko run --port PORT` until the block ends; its log in `log`."""
    command = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*command, "run", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
        try:
            _wait_until_serving(server, port, log)
            yield server
        finally:
            server.terminate()
            server.wait(timeout=15)


def _wait_until_serving(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"soko run did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)
