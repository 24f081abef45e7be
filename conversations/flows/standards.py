"""Soko’s standards as people read them in chat: the whole of them from the menu
("Soko’s standards": what is welcome, what needs a look, what is refused, and for community
managers the workshop-visit checklist), and the rule behind each flag on a review card.

Everything here comes from ``store/data/standards.toml`` (``store.standards``), in the
reader's language: the chat never says a rule in its own words.
"""

from __future__ import annotations

from collections.abc import Sequence

from conversations.flow import (
    END,
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    StepContext,
    StepResult,
)
from conversations.i18n import N_, Translator
from store.models import Role, User
from store.services.materials import check_codes
from store.standards import Verdict, standards
from store.vocabulary import Kind, fold, vocabulary

FLOW = "standards"
MENU_LABEL = N_("Soko’s standards")
HEADING = N_("Soko’s standards for materials. A community manager has the last word.")
REFUSED_HEADING = N_("Not accepted:")
CHECK_HEADING = N_("Need a look:")
WELCOME_HEADING = N_("Welcome:")
CHECKLIST_HEADING = N_("When you visit a workshop, look at:")
RULE = N_("• {title}: {explanation}")
CHECKLIST_ITEM = N_("• {title}: {question}")
# A review card's line for each of her materials the standards flag, and the rule it is under.
FLAGGED = N_("⚠️ {material} — {rule}")
TO_LOOK_AT = N_("🔎 {material} — {rule}")
READ_THEM = N_("The standards: “{entry}” in the menu.")

_SECTIONS = (
    (Verdict.REFUSED, REFUSED_HEADING),
    (Verdict.CHECK, CHECK_HEADING),
    (Verdict.WELCOME, WELCOME_HEADING),
)


def start(ctx: StepContext, arg: str) -> StepResult:
    ctx.say(standards_text(ctx.translator, manager=ctx.user.has_role(Role.COMMUNITY_MANAGER)))
    return StepResult(END)


def standards_text(t: Translator, *, manager: bool) -> str:
    """The rules, refused first, each with its explanation; a manager also gets the checklist
    she visits a workshop with."""
    locale = t.locale
    # A rule no material falls under (one kept for operators' files) would say nothing here.
    used = {term.rule.code for term in vocabulary().terms(Kind.MATERIAL) if term.rule}
    parts = [t._(HEADING)]
    for verdict, heading in _SECTIONS:
        rules = [rule for rule in standards().rules_with(verdict) if rule.code in used]
        lines = [
            t._(RULE).format(title=rule.title_in(locale), explanation=rule.explanation_in(locale))
            for rule in rules
        ]
        parts.append("\n".join([t._(heading), *lines]))
    if manager:
        items = [
            t._(CHECKLIST_ITEM).format(
                title=item.title_in(locale), question=item.question_in(locale)
            )
            for item in standards().checklist
        ]
        parts.append("\n".join([t._(CHECKLIST_HEADING), *items]))
    return "\n\n".join(parts)


def flag_lines(t: Translator, materials: Sequence[str], material_codes: Sequence[str]) -> list[str]:
    """A review card's lines for a piece's materials the standards flag, refused first: her
    words for each ("shanga za plastiki"), the material's name in the reader's language where
    her words do not say it, and the title of the rule it falls under."""
    checked = check_codes(material_codes)
    lines = []
    for message, flags in ((FLAGGED, checked.refused), (TO_LOOK_AT, checked.to_check)):
        for flag in flags:
            name = flag.material.name(t.locale)
            words = _her_words(materials, flag.material.code) or name
            if not _says(words, name):
                words = f"{words} ({name})"
            lines.append(t._(message).format(material=words, rule=flag.rule.title_in(t.locale)))
    if lines:
        lines.append(t._(READ_THEM).format(entry=t._(MENU_LABEL)))
    return lines


def _her_words(materials: Sequence[str], code: str) -> str | None:
    """The first of her materials, as she typed it, that names the material ``code``."""
    for typed in materials:
        if code in vocabulary().read_materials(typed).material_codes:
            return typed
    return None


def _says(words: str, name: str) -> bool:
    """Whether ``words`` contain the words of ``name`` in a row ("shanga za plastiki" says
    "plastiki"; "uzi wa nailoni" does not say "nylon")."""
    said, named = fold(words), fold(name)
    return any(said[i : i + len(named)] == named for i in range(len(said) - len(named) + 1))


def _reads_standards(user: User) -> bool:
    return user.has_role(Role.ARTISAN) or user.has_role(Role.COMMUNITY_MANAGER)


def register(registry: FlowRegistry) -> None:
    registry.add(Flow(FLOW, {}, start))
    registry.add_menu_entry(
        # Read now and then: on the "More" page (93), beside language and help.
        MenuEntry("standards", MENU_LABEL, FLOW, MenuGroup.GENERAL, 3, visible=_reads_standards)
    )
