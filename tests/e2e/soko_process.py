"""`soko` commands as an operator runs them, for the end-to-end tests: one as a process of its
own (started, signalled, started again; what it logs and prints in files in the shop's folder),
or one run to its end; and waiting for what they do."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

import httpx

from tests.e2e.operator_env import OperatorEnv
from tests.fakes.serving import TLS

SERVING = ("run", "web")  # the commands that take --port and answer /livez
START_SECONDS = 60  # a loaded machine may take this long to start Python and serve
STOP_SECONDS = 10  # SIGTERM or SIGINT must end every command within this (its own deadline: 8 s)


def wait_until(condition: Callable[[], object], timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)


def soko(shop: OperatorEnv, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """A one-shot `soko …` command, run to its end."""
    shop.folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=shop.variables,
        cwd=shop.folder,
        timeout=120,
        check=False,
    )


@dataclass
class Stopped:
    status: int
    seconds: float  # from the signal to the exit


class SokoProcess:
    """`soko ARGS…` (or `python -m MODULE ARGS…`) as a process of its own, in the shop's
    folder: what it logs (stderr) in `log`, what it prints in `output`. `run` and `web` get
    the shop's port, and count as started once they answer on it. As a context manager:
    started, and stopped by SIGTERM at the end (killed if the block failed)."""

    def __init__(self, shop: OperatorEnv, *args: str, module: str = "bot.cli") -> None:
        self.shop = shop
        command = next(arg for arg in args if not arg.startswith("-"))
        self.serves = module == "bot.cli" and command in SERVING
        name = f"soko-{command}" if module == "bot.cli" else module.rsplit(".", 1)[-1]
        self.argv = [sys.executable, "-m", module, *args]
        if self.serves:
            assert shop.port is not None, f"soko {command} needs the shop's port"
            self.argv += ["--port", str(shop.port)]
        self.log = shop.folder / f"{name}.log"
        self.output = shop.folder / f"{name}.out"
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0  # time.monotonic() of the last start

    def __repr__(self) -> str:
        module, *args = self.argv[2:]
        return " ".join(["soko" if module == "bot.cli" else module, *args])

    def start(self) -> SokoProcess:
        assert self.process is None, f"{self} is running"
        self.shop.folder.mkdir(parents=True, exist_ok=True)
        self.started_at = time.monotonic()
        with self.log.open("ab") as log, self.output.open("ab") as output:
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.shop.folder,
                env=self.shop.variables,
                stdin=subprocess.PIPE,
                stdout=output,
                stderr=log,
            )
        if self.serves:
            wait_until(self._serving, START_SECONDS, f"{self} to serve")
        return self

    def _serving(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"{self} exited {self.process.returncode}:\n{self.log_tail()}")
        try:
            httpx.get(f"http://127.0.0.1:{self.shop.port}/livez", timeout=2, verify=TLS)
        except httpx.TransportError:
            return False
        return True

    def type_line(self, line: str) -> None:
        """Type `line` on its standard input (`soko chat`)."""
        assert self.process is not None
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        self.process.stdin.flush()

    def stop(self, signum: int = signal.SIGTERM) -> Stopped:
        """Send `signum` and wait for the exit; a process still running STOP_SECONDS later
        is killed, and the test fails."""
        assert self.process is not None, f"{self} is not running"
        signalled = time.monotonic()
        self.process.send_signal(signum)
        try:
            status = self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired as late:
            self.kill()
            message = f"{self} still running {STOP_SECONDS}s after signal {signum}"
            raise AssertionError(f"{message}:\n{self.log_tail()}") from late
        self._gone()
        return Stopped(status, time.monotonic() - signalled)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would; nothing if it is not running."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self._gone()

    def _gone(self) -> None:
        assert self.process is not None
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process = None

    def logged(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def log_tail(self) -> str:
        return self.logged()[-3000:]

    def printed(self) -> str:
        return self.output.read_text() if self.output.exists() else ""

    def __enter__(self) -> SokoProcess:
        return self.start()

    def __exit__(
        self, failed: type[BaseException] | None, error: object, trace: TracebackType | None
    ) -> None:
        if failed is None and self.process is not None:
            self.stop()
        self.kill()
