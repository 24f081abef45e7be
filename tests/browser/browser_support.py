"""What browser tests get from the fixtures in conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from bot.container import Container
from store.demo.seed import DemoSummary

Shot = Callable[[Page, str], Path]


@dataclass(frozen=True)
class DemoServer:
    """The web app serving a fresh demo shop (emulator on), at `base_url`."""

    base_url: str
    container: Container
    summary: DemoSummary
    directory: Path

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"
