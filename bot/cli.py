"""The `soko` command line: one entry point, one sub-command module per area."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.commands import COMMAND_MODULES
from bot.log_redaction import install as install_redaction
from bot.settings import InvalidSettings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="soko", description="Soko chat commerce")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def configure_logging(verbose: bool) -> None:
    """INFO, or DEBUG with `-v` (the HTTP clients' and SDKs' own loggers too); every line
    through `bot.log_redaction`'s filter, which the settings feed with the secrets."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        install_redaction(handler)
    # twilio's client logs each message's body and number at INFO; APScheduler says
    # "Running job …" for every run (every minute for several jobs).
    quiet = ["twilio.http_client", "alembic", "apscheduler"]
    if not verbose:  # request by request: for `-v` only
        quiet += ["httpx", "httpcore", "urllib3", "botocore"]
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        result: int = args.handler(args)
    except InvalidSettings as invalid:  # before anything was written: settings load first
        for problem in invalid.problems:
            print(f"soko: {problem}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
