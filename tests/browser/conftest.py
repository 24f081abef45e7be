"""Browser tests: Playwright driving Debian's Chromium (`/usr/bin/chromium`, installed by
apt-get in `.ci/run`) against the web app serving a fresh demo shop. A browser is never
downloaded (`playwright install` is never run).

Fixtures for any browser test:
- `demo_server`: the web app (emulator on) on a free port, in a thread, on a fresh demo
  database of its own (one per test module);
- `browser`: Chromium, launched once per test module;
- `page`: a new phone-sized page; a screenshot is saved when the test ends, pass or fail;
- `shot(page, name)`: save a screenshot of a step.
Screenshots go to `test-artifacts/screenshots/` (git-ignored), named after the test.

Without Chromium the tests are skipped with a message, except in CI (CI=true), where that is
a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.commands.demo import FOR_BROWSER, build_demo, demo_settings, listen
from bot.routes import channel_routes
from bot.web import create_app
from tests.browser.browser_support import DemoServer, Shot, served

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from playwright.sync_api import Browser, Page, Playwright, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("SOKO_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--metrics-recording-only",
]
PHONE = {"width": 390, "height": 844}


def _need_chromium() -> None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    message = (
        f"no Chromium at {CHROMIUM}: install Debian's (apt-get install chromium), as .ci/run"
        " does; browsers are never downloaded"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    directory = tmp_path_factory.mktemp("browser") / "demo"
    sock = listen("127.0.0.1", 0)
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = demo_settings(directory, public_base_url=base_url, web_emulator=True)
    container, summary = build_demo(
        directory, now=datetime.now(UTC), settings=settings, channels=FOR_BROWSER
    )
    app = create_app(container, channel_routes(container))
    try:
        with served(app, sock):
            yield DemoServer(base_url, container, summary, directory)
    finally:
        container.close()


# Module scope, not session: while Playwright's sync API is open, its event loop counts as
# running in this thread, and every later test's asyncio.run() would refuse to start.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    _need_chromium()
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="en-GB")
    context.set_default_timeout(10_000)
    opened = context.new_page()
    try:
        yield opened
    finally:
        path = SCREENSHOTS / f"{_slug(request.node.name)}-end.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        opened.screenshot(path=path, full_page=True)
        context.close()


@pytest.fixture
def no_js_page(browser: Browser) -> Iterator[Page]:
    """A phone-sized page with JavaScript off, as on a cheap phone's data saver."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=1, java_script_enabled=False, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """`shot(page, "step")`: test-artifacts/screenshots/<test>-<n>-<step>.png."""
    counter = iter(range(1, 100))

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{_slug(request.node.name)}-{next(counter):02d}-{_slug(name)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path)
        return path

    return take


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:100]
