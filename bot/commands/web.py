"""`soko web`: the web app alone (webhooks, media, health), for running N workers."""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

from bot.container import Container
from bot.routes import channel_routes
from bot.settings import load_settings
from bot.web import create_app


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "web", help="run the web app (webhooks, media, health)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    container = Container(load_settings())
    try:
        # Access logs stay off: URLs can carry tokens; our own logs say what matters.
        app = create_app(container, channel_routes(container))
        uvicorn.run(app, host=args.host, port=args.port, access_log=False)
    finally:
        container.close()
    return 0
