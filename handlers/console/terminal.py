"""The terminal around the console channel: lines typed, the console's own commands.

`/photo PATH…` sends photos (several paths: one album), `/as NAME` hands the keyboard to
someone else, `/quit` ends. Everything else — words, numbers, `/start`, `menu` — goes to the
bot as typed.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Callable, Iterable
from pathlib import Path

from handlers.console.channel import ConsoleChannel, InvalidPerson

CONSOLE_HELP = (
    "Console commands: /photo PATH… (send photos; several = one album), /as NAME (switch"
    " person), /quit. Anything else is sent to the bot; type a number to pick a choice."
)


class Terminal:
    def __init__(self, channel: ConsoleChannel, write: Callable[[str], None] = print) -> None:
        self.channel = channel
        self._write = write

    def handle_line(self, line: str) -> bool:
        """Act on one typed line; False when the person asked to quit."""
        text = line.strip()
        if not text:
            return True
        head, _, rest = text.partition(" ")
        match head.casefold():
            case "/quit" | "/exit":
                return False
            case "/as":
                self._switch(rest.strip())
            case "/photo" | "/photos":
                self._photos(rest)
            case "/console":
                self._write(CONSOLE_HELP)
            case _:
                self.channel.send(text)
        return True

    def run(self, lines: Iterable[str], *, echo: bool) -> None:
        """Feed lines until they run out or `/quit`; `echo` writes each line after a prompt
        (for transcripts read from a pipe, where the terminal does not show what was typed)."""
        for line in lines:
            if echo:
                self._write(f"{self.prompt()}{line.rstrip()}")
            if not self.handle_line(line):
                return

    def prompt(self) -> str:
        return f"{self.channel.person}> "

    def _switch(self, name: str) -> None:
        if not name:
            self._write(f"You are {self.channel.person}. Usage: /as NAME")
            return
        try:
            self.channel.switch(name)
        except InvalidPerson as exc:
            self._write(str(exc))

    def _photos(self, arguments: str) -> None:
        try:
            paths = [Path(p).expanduser() for p in shlex.split(arguments)]
        except ValueError as exc:
            self._write(f"Can't read the paths: {exc}")
            return
        if not paths:
            self._write("Usage: /photo PATH [PATH…]")
            return
        photos: list[bytes] = []
        for path in paths:
            try:
                photos.append(path.read_bytes())
            except OSError as exc:
                self._write(f"Can't read {path}: {exc.strerror or exc}")
                return
        self.channel.send(photos=tuple(photos))


def interactive_lines(prompt: Callable[[], str]) -> Iterable[str]:
    """Lines typed at a terminal, with line editing where the platform has it."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401 - importing it gives input() history and editing
    while True:
        try:
            yield input(prompt())
        except (EOFError, KeyboardInterrupt):
            print()
            return
