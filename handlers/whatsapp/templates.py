"""Twilio content templates: which ones the shop needs, and the SIDs Twilio gave them.

Two kinds:

- *interactive* (in-session only, no approval needed): quick replies with 1–3 buttons and list
  pickers with 2–10 rows, every text a variable, so one template serves every menu of that size;
- *utility* notifications that may go out after the 24-hour window (after WhatsApp approves
  them): one per `UtilityTemplate` and language, the notification's own text as ``{{1}}``.

`soko whatsapp templates sync` creates what is missing through the Content API, asks WhatsApp
to approve the utility ones, and writes the SIDs to a small JSON file (`TWILIO_TEMPLATES_FILE`,
``var/twilio_templates.json`` by default) rather than the database: they are configuration of
the Twilio account, the same for every worker, and re-created by running sync again.
Without the file every menu is sent as numbered text and nothing goes out after the window.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList
from twilio.rest.content.v1.content.approval_create import ApprovalCreateList

from conversations.notify.templates import UtilityTemplate

QUICK_REPLY_SIZES = range(1, 4)
LIST_PICKER_SIZES = range(2, 11)
LANGUAGES = ("en", "sw")
# The utility templates' bodies stay here, not in the gettext catalogs: each is the exact text
# submitted to WhatsApp for approval under its own name and language, and what WhatsApp
# delivers is its approved copy, whatever this file says later (`sync` keeps a template it
# has a SID for). A catalog edit would silently part the code from what was approved, and a
# missing translation would fall back to English and be submitted as Swahili. Changing a body
# or adding a language means a new template to approve: edit it here and run sync.
UTILITY_BODIES: Mapping[UtilityTemplate, Mapping[str, str]] = {
    UtilityTemplate.NEW_ORDER: {
        "en": "You have a new Soko order. {{1}} Reply to this message to see your orders.",
        "sw": "Una oda mpya ya Soko. {{1}} Jibu ujumbe huu kuona oda zako.",
    },
    UtilityTemplate.ORDER_SHIPPED: {
        "en": "Update on your Soko order: {{1}} Reply to this message if you have a question.",
        "sw": "Habari za oda yako ya Soko: {{1}} Jibu ujumbe huu kama una swali.",
    },
    UtilityTemplate.RECRUIT_QUALIFIED: {
        "en": "News about your Soko recruit: {{1}} Reply to this message to see your shop.",
        "sw": "Habari za msanii wako wa Soko: {{1}} Jibu ujumbe huu kuona duka lako.",
    },
    UtilityTemplate.ORDERS_WAITING: {
        "en": "Soko orders are waiting for you. {{1}} Reply to this message to see your orders.",
        "sw": "Oda za Soko zinakusubiri. {{1}} Jibu ujumbe huu kuona oda zako.",
    },
    UtilityTemplate.WEEKLY_SUMMARY: {
        "en": "Your weekly Soko summary: {{1}} Reply to this message to see more.",
        "sw": "Muhtasari wako wa wiki wa Soko: {{1}} Jibu ujumbe huu kuona zaidi.",
    },
    UtilityTemplate.PAYOUT_SENT: {
        "en": "A payout from Soko: {{1}} Reply to this message to see your earnings.",
        "sw": "Malipo uliyotumiwa na Soko: {{1}} Jibu ujumbe huu kuona mapato yako.",
    },
}
UTILITY_VARIABLE_MAX = 900  # WhatsApp caps a template body at 1024 characters


def quick_reply_name(size: int) -> str:
    return f"soko_quick_reply_{size}"


def list_picker_name(size: int) -> str:
    return f"soko_list_{size}"


def utility_name(template: str, language: str) -> str:
    return f"soko_{template}_{language}"


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    language: str
    types: dict[str, Any]
    variables: dict[str, str]
    utility: bool = False  # submitted to WhatsApp for approval (category UTILITY)

    def create_request(self) -> ContentList.ContentCreateRequest:
        return ContentList.ContentCreateRequest(
            {
                "friendly_name": self.name,
                "language": self.language,
                "variables": self.variables,
                "types": self.types,
            }
        )


def quick_reply_spec(size: int) -> TemplateSpec:
    # {{1}} body; buttons n = 1..size: title {{2n}}, id {{2n+1}}.
    actions = [
        {"type": "QUICK_REPLY", "title": f"{{{{{2 * n}}}}}", "id": f"{{{{{2 * n + 1}}}}}"}
        for n in range(1, size + 1)
    ]
    variables = {str(k): f"sample {k}" for k in range(1, 2 * size + 2)}
    return TemplateSpec(
        quick_reply_name(size),
        "en",
        {"twilio/quick-reply": {"body": "{{1}}", "actions": actions}},
        variables,
    )


def list_picker_spec(size: int) -> TemplateSpec:
    # {{1}} body, {{2}} button; rows n = 1..size: item {{2n+1}}, id {{2n+2}}.
    items = [
        {"item": f"{{{{{2 * n + 1}}}}}", "id": f"{{{{{2 * n + 2}}}}}", "description": ""}
        for n in range(1, size + 1)
    ]
    variables = {str(k): f"sample {k}" for k in range(1, 2 * size + 3)}
    return TemplateSpec(
        list_picker_name(size),
        "en",
        {"twilio/list-picker": {"body": "{{1}}", "button": "{{2}}", "items": items}},
        variables,
    )


def utility_spec(template: UtilityTemplate, language: str) -> TemplateSpec:
    return TemplateSpec(
        utility_name(template, language),
        language,
        {"twilio/text": {"body": UTILITY_BODIES[template][language]}},
        {"1": "Order K7Q-2MX: 1 × Brass cuff."},
        utility=True,
    )


def required_templates() -> list[TemplateSpec]:
    return [
        *(quick_reply_spec(n) for n in QUICK_REPLY_SIZES),
        *(list_picker_spec(n) for n in LIST_PICKER_SIZES),
        *(utility_spec(t, lang) for t in UtilityTemplate for lang in LANGUAGES),
    ]


class TemplateSids:
    """Template name → content SID, as recorded by `sync`; empty when never synced."""

    def __init__(self, sids: Mapping[str, str] | None = None) -> None:
        self._sids = dict(sids or {})

    @classmethod
    def load(cls, path: Path) -> TemplateSids:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        return cls({str(k): str(v) for k, v in data.get("sids", {}).items()})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"sids": dict(sorted(self._sids.items()))}, indent=2) + "\n"
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as handle:
            handle.write(text)
        os.replace(handle.name, path)  # a reader never sees half a file

    def get(self, name: str) -> str | None:
        return self._sids.get(name)

    def with_sid(self, name: str, sid: str) -> TemplateSids:
        return TemplateSids({**self._sids, name: sid})

    def __len__(self) -> int:
        return len(self._sids)

    def quick_reply(self, size: int) -> str | None:
        return self.get(quick_reply_name(size))

    def list_picker(self, size: int) -> str | None:
        return self.get(list_picker_name(size))

    def utility(self, template: str, language: str) -> str | None:
        return self.get(utility_name(template, language)) or self.get(utility_name(template, "en"))


@dataclass(frozen=True)
class SyncReport:
    created: tuple[str, ...]
    kept: tuple[str, ...]
    submitted: tuple[str, ...]


def sync(client: Client, path: Path) -> SyncReport:
    """Create the templates missing from `path` through the Content API; record their SIDs
    after each one, so an interrupted sync resumes where it stopped."""
    sids = TemplateSids.load(path)
    created: list[str] = []
    kept: list[str] = []
    submitted: list[str] = []
    for spec in required_templates():
        if sids.get(spec.name):
            kept.append(spec.name)
            continue
        content = client.content.v1.contents.create(spec.create_request())
        sids = sids.with_sid(spec.name, str(content.sid))
        sids.save(path)
        created.append(spec.name)
        if spec.utility:
            request = ApprovalCreateList.ContentApprovalRequest(
                {"name": spec.name, "category": "UTILITY"}
            )
            client.content.v1.contents(content.sid).approval_create.create(request)
            submitted.append(spec.name)
    return SyncReport(tuple(created), tuple(kept), tuple(submitted))
