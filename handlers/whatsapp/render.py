"""An `Outbound` as the Twilio messages that carry it on WhatsApp.

- Text goes in bodies of at most 1,600 characters, split at line breaks or spaces.
- An image goes by its public URL (the media store's URL, under `PUBLIC_BASE_URL/media/…`),
  with the text as its caption when it is short and there are no buttons.
- Choices become quick-reply buttons (at most 3, titles ≤ 20 characters) or a list picker (at
  most 10 rows, titles ≤ 24) when those content templates are provisioned and the menu fits;
  otherwise, always, a numbered text menu ("1. Necklaces"), which the engine resolves when the
  person types the number or the label.
- Link buttons become "label: url" lines; WhatsApp already knows the person's number, so a
  contact request needs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from conversations.i18n import N_, Translator
from conversations.messages import Choice, ImageRef, Outbound, numbered
from handlers.whatsapp.templates import UTILITY_VARIABLE_MAX, TemplateSids

MAX_BODY = 1600
MAX_CAPTION = 1024
MAX_INTERACTIVE_BODY = 1024
QUICK_REPLY_MAX, QUICK_REPLY_TITLE = 3, 20
LIST_MAX, LIST_TITLE = 10, 24
# TRANSLATORS: the button that opens a WhatsApp list of choices (at most 20 characters).
LIST_BUTTON: Final = N_("Choose")
LIST_BUTTON_MAX = 20


@dataclass(frozen=True)
class TwilioMessage:
    """The arguments of one Messages API call, besides `to`, `from_` and the callback."""

    body: str = ""
    media_url: str = ""
    content_sid: str = ""
    content_variables: dict[str, str] = field(default_factory=dict)

    def create_kwargs(self) -> dict[str, object]:
        kwargs: dict[str, object] = {}
        if self.content_sid:
            kwargs["content_sid"] = self.content_sid
            kwargs["content_variables"] = json.dumps(self.content_variables, ensure_ascii=False)
        else:
            kwargs["body"] = self.body
        if self.media_url:
            kwargs["media_url"] = [self.media_url]
        return kwargs


def render(
    outbound: Outbound,
    *,
    image_url: Callable[[ImageRef], str],
    templates: TemplateSids,
    locale: str = "en",
) -> list[TwilioMessage]:
    text = _with_links(outbound)
    interactive = _interactive(text, outbound.choices, templates, locale)
    if outbound.choices and interactive is None:
        text = _numbered_menu(text, outbound.choices)
    messages: list[TwilioMessage] = []
    if outbound.image is not None:
        url = image_url(outbound.image)
        if interactive is None and len(text) <= MAX_CAPTION:
            return [TwilioMessage(body=text, media_url=url)]
        messages.append(TwilioMessage(media_url=url))
    if interactive is not None:
        return [*messages, interactive]
    return [*messages, *(TwilioMessage(body=part) for part in split_text(text, MAX_BODY))]


def render_template(
    outbound: Outbound, template: str, templates: TemplateSids, locale: str
) -> TwilioMessage | None:
    """The notification as its approved utility template, or None when there is none."""
    sid = templates.utility(template, locale)
    if sid is None:
        return None
    text = " ".join(_with_links(outbound).split())  # template variables are one paragraph
    if len(text) > UTILITY_VARIABLE_MAX:
        text = text[: UTILITY_VARIABLE_MAX - 1] + "…"
    return TwilioMessage(content_sid=sid, content_variables={"1": text})


def split_text(text: str, limit: int = MAX_BODY) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line break, else a space, else anywhere."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def _with_links(outbound: Outbound) -> str:
    lines = [outbound.text] if outbound.text else []
    lines.extend(f"{link.label}: {link.url}" for link in outbound.links)
    return "\n".join(lines)


def _numbered_menu(text: str, choices: Sequence[Choice]) -> str:
    menu = "\n".join(f"{n}. {choice.label}" for n, choice in numbered(choices))
    return f"{text}\n\n{menu}" if text else menu


def _interactive(
    text: str, choices: Sequence[Choice], templates: TemplateSids, locale: str
) -> TwilioMessage | None:
    if not choices or not text or len(text) > MAX_INTERACTIVE_BODY:
        return None
    # A choice with a number of its own (a menu entry) shows it: she learns it for typing.
    labels = [
        f"{n}. {choice.label.strip()}" if choice.number is not None else choice.label.strip()
        for n, choice in numbered(choices)
    ]
    if len(set(labels)) != len(labels):
        return None  # two buttons alike could not be told apart
    variables = {"1": text}
    if len(choices) <= QUICK_REPLY_MAX and all(len(x) <= QUICK_REPLY_TITLE for x in labels):
        sid = templates.quick_reply(len(choices))
        if sid is not None:
            for n, (label, choice) in enumerate(zip(labels, choices, strict=True), start=1):
                variables[str(2 * n)] = label
                variables[str(2 * n + 1)] = choice.payload
            return TwilioMessage(content_sid=sid, content_variables=variables)
    if 2 <= len(choices) <= LIST_MAX and all(len(x) <= LIST_TITLE for x in labels):
        sid = templates.list_picker(len(choices))
        if sid is not None:
            variables["2"] = Translator(locale)._(LIST_BUTTON)
            for n, (label, choice) in enumerate(zip(labels, choices, strict=True), start=1):
                variables[str(2 * n + 1)] = label
                variables[str(2 * n + 2)] = choice.payload
            return TwilioMessage(content_sid=sid, content_variables=variables)
    return None
