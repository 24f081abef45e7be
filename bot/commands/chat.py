"""`soko chat [--as NAME]`: chat with the bot in the terminal, on the configured database."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from bot.container import Container
from bot.intake import photo_intake
from bot.lifecycle import sigterm_interrupts, start
from bot.settings import load_settings
from bot.wiring import build_engine, image_location
from handlers.console.channel import ConsoleChannel, InvalidPerson, person_key
from handlers.console.terminal import CONSOLE_HELP, Terminal, interactive_lines
from store.demo import content

DEFAULT_PERSON = "guest"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "chat",
        help="chat with the bot in this terminal",
        description=f"Chat with the bot as NAME, on the configured database. {CONSOLE_HELP}",
    )
    parser.add_argument(
        "--as",
        dest="person",
        default=DEFAULT_PERSON,
        metavar="NAME",
        help=f"who you are (default {DEFAULT_PERSON}; a new name is a new person)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    container = Container(load_settings(), process="soko-chat")
    try:
        with sigterm_interrupts():
            if not start(container):
                return 1
            return chat(container, args.person)
    except KeyboardInterrupt:  # before the chat began (it has its own)
        return 0
    finally:
        container.close()


def chat(container: Container, person: str, stdin: TextIO | None = None) -> int:
    """Chat until end of input or `/quit`. A terminal gets a prompt; a pipe is echoed."""
    stdin = stdin or sys.stdin
    try:
        person = person_key(person)
    except InvalidPerson as exc:
        print(exc, file=sys.stderr)
        return 2
    channel = ConsoleChannel(
        build_engine(container),
        container.uow_factory,
        photo_intake(container),
        person=person,
        write=_write,
        image_location=image_location(container.media_store),
        profile_names={p.key: p.name for p in content.PEOPLE},
    )
    terminal = Terminal(channel, write=_write)
    try:
        channel.switch(person)
        if stdin.isatty():
            terminal.run(interactive_lines(terminal.prompt), echo=False)
        else:
            terminal.run(stdin, echo=True)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: what was recorded stays (handled or swept)
        print()
    return 0


def _write(text: str) -> None:
    print(text, flush=True)
