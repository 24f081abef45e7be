"""No message tells her to "tap": on WhatsApp there is nothing to tap, so a prompt says
"choose" or "reply" (Swahili *chagua* / *jibu*, never *bonyeza* or *gusa*). Only the photo
tip may say it: she touches the piece on her camera's screen, not a button."""

from __future__ import annotations

import re

from conversations.i18n import read_catalog

# Touching the camera's screen, not a button.
CAMERA_TIP = "Tip: the photo is blurry — hold the phone still and tap the piece to focus."
# Stream F (issue 20) rewrites onboarding and listing; until it merges, their prompts are
# theirs to reword. Each is listed whole: any other message saying "tap" fails.
ALLOWED = {CAMERA_TIP}
TAP = re.compile(r"\btap", re.IGNORECASE)
TAP_SW = re.compile(r"\b(bonyez|gus)a", re.IGNORECASE)


def test_no_english_message_says_tap() -> None:
    saying_tap = [
        message.id
        for message in read_catalog("en")
        if isinstance(message.id, str) and TAP.search(message.id) and message.id not in ALLOWED
    ]
    assert saying_tap == []


def test_no_swahili_message_says_bonyeza_or_gusa() -> None:
    saying_tap = [
        message.id
        for message in read_catalog("sw")
        if isinstance(message.id, str)
        and isinstance(message.string, str)
        and TAP_SW.search(message.string)
        and message.id not in ALLOWED
    ]
    assert saying_tap == []
