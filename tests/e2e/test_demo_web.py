"""`soko demo` (what `make demo` runs) as a newcomer meets it: a fresh shop, the emulator's
address printed, a chat through it, and Ctrl-C (or SIGTERM) stops it cleanly."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from bot.commands.demo import listen

pytestmark = pytest.mark.slow

URL = re.compile(r"^\s+(http://127\.0\.0\.1:(\d+))/emulator\?as=lena$")
START_SECONDS = 90


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_soko_demo_serves_the_emulator_until_ctrl_c(tmp_path: Path, signum: int) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PUBLIC_BASE_URL")}
    demo = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", "--dir", str(tmp_path / "demo"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert demo.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in demo.stdout or ()])
    reader.start()
    printed: list[str] = []
    try:
        while (found := URL.match(printed[-1].rstrip("\n")) if printed else None) is None:
            printed.append(lines.get(timeout=START_SECONDS))
        base = found[1]
        with httpx.Client(base_url=base, timeout=30) as client:
            page = client.get("/emulator?as=lena")
            assert page.status_code == 200
            assert "Lena Fischer (buyer)" in page.text
            sent = client.post(
                "/emulator/api/chat/lena",
                data={"id": "demo-test-1", "text": "menu"},
                headers={"X-Soko-Emulator": "1"},
            )
            assert sent.json() == {"outcome": "handled"}
            news = client.get("/emulator/api/chat/lena?after=0").json()["messages"]
            assert news[-1]["text"] == "What would you like to do?"
            assert {"label": "Shop jewelry", "payload": "menu:browse"} in news[-1]["choices"]
            assert client.get("/healthz").json()["status"] == "ok"
        demo.send_signal(signum)
        assert demo.wait(timeout=30) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        reader.join(10)
        demo.stdout.close()
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    out = "".join(printed + rest)
    assert "Demo shop ready" in out
    assert "grace    Grace Mutua, community manager" in out
    assert out.rstrip().endswith("Demo stopped.")
    assert "Traceback" not in out


def test_a_busy_port_gives_way_to_a_free_one(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        busy = taken.getsockname()[1]
        with listen("127.0.0.1", busy) as other:
            assert other.getsockname()[1] not in (busy, 0)
    assert f"Port {busy} is not free" in capsys.readouterr().err
