"""`soko whatsapp templates sync`: create the Twilio content templates the shop needs."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from twilio.base.exceptions import TwilioException

from bot.settings import load_settings
from handlers.whatsapp.templates import sync
from handlers.whatsapp.twilio_http import make_client


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "whatsapp", help="WhatsApp through Twilio: content templates"
    )
    actions = parser.add_subparsers(dest="whatsapp_action", required=True, metavar="ACTION")
    templates = actions.add_parser("templates", help="content templates")
    what = templates.add_subparsers(dest="templates_action", required=True, metavar="ACTION")
    what.add_parser(
        "sync",
        help="create the missing templates through the Content API and record their SIDs",
    ).set_defaults(handler=_sync)


def _sync(args: argparse.Namespace) -> int:
    settings = load_settings()
    token = settings.twilio_auth_token.get_secret_value()
    if not (settings.twilio_account_sid and token):
        print("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set", file=sys.stderr)
        return 2
    client = make_client(settings.twilio_account_sid, token, settings.twilio_api_base_url)
    path = settings.twilio_templates_file
    try:
        report = sync(client, path)
    except TwilioException as exc:  # the message names the API error, never the token
        print(f"template sync stopped: {exc}", file=sys.stderr)
        return 1
    print(f"created {len(report.created)}, already there {len(report.kept)}; SIDs in {path}")
    if report.submitted:
        print("sent to WhatsApp for approval (utility): " + ", ".join(report.submitted))
    return 0
