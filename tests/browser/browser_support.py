"""What browser tests get from the fixtures in conftest.py."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from playwright.sync_api import Page
from starlette.types import ASGIApp

from bot.container import Container
from store.demo.seed import DemoSummary

Shot = Callable[[Page, str], Path]
STARTUP_SECONDS = 15.0


@contextmanager
def served(app: ASGIApp, sock: socket.socket) -> Iterator[None]:
    """`app` served on `sock` by uvicorn in a thread, until the block ends (the socket closed
    with it)."""
    server = uvicorn.Server(uvicorn.Config(app, access_log=False, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web app did not start")
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        sock.close()


@dataclass(frozen=True)
class DemoServer:
    """The web app serving a fresh demo shop (emulator on), at `base_url`."""

    base_url: str
    container: Container
    summary: DemoSummary
    directory: Path

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"
