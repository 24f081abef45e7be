"""The Swahili catalogs keep the words docs/glossary.md settles.

The glossary is the truth about words; this file keeps the catalogs to it, next to it: words
the project retired (each with what to write instead), labels a person must tell apart at a
glance, button names quoted inside sentences, and titles dropped into a sentence whose words
would have to agree with them. When it fails, fix the Swahili msgstr it names
(conversations/locales/sw/LC_MESSAGES/*.po); if the glossary changes a word, change both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from conversations.choices import meaning_of
from conversations.flows.listing.prompts import DONE
from conversations.i18n import read_catalog
from conversations.line_moves import MARK_READY, MARK_SHIPPED
from conversations.messages import Choice, TapWord
from conversations.notify.templates import UtilityTemplate
from handlers.whatsapp.templates import UTILITY_BODIES
from store.standards import standards


@dataclass(frozen=True)
class Retired:
    """A word the catalogs no longer use: `pattern` (case-insensitive, on the msgstr), what
    the glossary says to write instead, and the msgids where the same letters mean
    something else."""

    pattern: str
    instead: str
    allowed_in: frozenset[str] = field(default_factory=frozenset)


RETIRED = (
    Retired(r"\bkodi\b", "msimbo (code; kodi is tax or rent)"),
    Retired(r"\b(ma)?agizo\b", "oda (order), i-/zi- concord: oda imelipwa, oda zako"),
    Retired(
        r"\b(linasubiri|limelipwa|limetumwa|limefika|limeghairiwa|halikulipwa|limewekwa)\b",
        "oda's i- concord: inasubiri, imelipwa, imetumwa, imefika, imeghairiwa",
    ),
    Retired(r"\bmshauri\b", "mlezi (mentor)"),
    Retired(r"\bmsanii\b", "mwanafunzi (a recruit) or fundi (an artisan)"),
    Retired(r"\b(ma)?pambo\b", "vito (jewelry)"),
    Retired(r"\bkito\b", "bidhaa (the artisan's piece) or kipande (the buyer's)"),
    Retired(r"\bvifaa\b", "malighafi (materials)"),
    Retired(r"\b(chat|mazungumzo)\b", "gumzo (the chat)"),
    Retired(
        r"\b\w*(gus[ae]|bonyez[ae])\b",
        "chagua (choose) or jibu (reply): on WhatsApp there is nothing to tap",
        frozenset({"Tip: the photo is blurry — hold the phone still and tap the piece to focus."}),
    ),
    Retired(
        r"\bkumbukumbu\b",
        "msimbo (an M-Pesa code, a refund's reference)",
        frozenset(
            {
                "Why suspend {shop}? Type a short reason: she will read it, and it is kept in the "
                "record."
            }
        ),
    ),
    Retired(r"^malipo:", "say which way the money goes: malipo kwa mafundi, malipo uliyotumiwa"),
    Retired(
        r"\bpesa (yako|yoyote|i(me|ta|na|li)\w+|inayo\w+)\b",
        "pesa with the zi- concord: pesa zako, pesa zimerudishwa, zitarudishwa",
    ),
    Retired(r"\b(chagua|jibu|bonyeza)\s+[“\"]?tayari\b", "the done button is Nimemaliza"),
    Retired(r"\bhaijakamilika\b$", "rasimu (a draft)"),
)


def swahili() -> dict[str, str]:
    """msgid → Swahili msgstr, for every message of both catalogs."""
    found = {}
    for message in read_catalog("sw"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found[ids[0]] = " / ".join(strings)
    return found


SW = swahili()


@pytest.mark.parametrize("retired", RETIRED, ids=lambda retired: retired.pattern)
def test_no_swahili_message_uses_a_retired_word(retired: Retired) -> None:
    pattern = re.compile(retired.pattern, re.IGNORECASE | re.MULTILINE)
    offending = [
        f"{msgid!r}: {text!r}"
        for msgid, text in SW.items()
        if msgid not in retired.allowed_in and pattern.search(text)
    ]
    assert offending == [], f"write {retired.instead} in:\n" + "\n".join(offending)


def test_the_retired_words_whitelist_names_real_messages() -> None:
    stale = [msgid for retired in RETIRED for msgid in retired.allowed_in if msgid not in SW]
    assert stale == []


# Buttons a person must tell apart at a glance: their Swahili labels start differently.
DISTINCT = [
    ("Orders to send", "My orders"),  # the artisan's orders to ship; what she bought
    ("Accept", "Approve"),  # an artisan accepts an order; a manager approves a listing
    ("Archive", "Remove"),  # a piece gone for good; a piece out of the cart
    ("Anklet", "Bracelet"),  # "kikuku" alone is a bangle too
]


@pytest.mark.parametrize(("one", "other"), DISTINCT)
def test_labels_that_do_different_things_read_differently(one: str, other: str) -> None:
    first_words = (SW[one].split()[0].casefold(), SW[other].split()[0].casefold())
    assert first_words[0] != first_words[1], f"{one!r} is {SW[one]!r}, {other!r} is {SW[other]!r}"


# The glossary's settled labels, as the person reads them.
SETTLED = {
    "Done": "Nimemaliza",
    "Draft": "Rasimu",
    "Anklet": "Kikuku cha mguu",
    "Orders to send": "Oda za wateja",
    "My orders": "Nilivyonunua",
    "Stop what we are doing": "Ghairi tunachofanya",  # /cancel: "acha" only stops reminders
}


@pytest.mark.parametrize(("msgid", "label"), SETTLED.items())
def test_settled_labels_keep_their_word(msgid: str, label: str) -> None:
    assert SW[msgid] == label


def test_the_done_button_means_done_and_no_ready_button_reads_as_done() -> None:
    """ "tayari" typed still finishes the photos (where no ready button is offered), but the
    buttons that mark an order ready or shipped must never be picked by a typed done."""
    assert meaning_of(Choice(SW[DONE], "done", TapWord.DONE)) is TapWord.DONE
    assert meaning_of(Choice(SW[DONE], "done")) is TapWord.DONE
    for label in (MARK_READY, MARK_SHIPPED):
        assert meaning_of(Choice(SW[label], "move")) is None, SW[label]


QUOTED = re.compile(r"[“\"]([^”\"{}]+)[”\"]")


def test_a_message_naming_a_button_quotes_it_as_the_button_reads() -> None:
    """“Orders to send” in an English message is that button's label: the Swahili quotes
    the Swahili label, so she can find the button the sentence names."""
    wrong = []
    for msgid, text in SW.items():
        for label in QUOTED.findall(msgid):
            if label in SW and f"“{SW[label]}”" not in text and f'"{SW[label]}"' not in text:
                wrong.append(f"{msgid!r} must quote “{SW[label]}”: {text!r}")
    assert wrong == []


# A title or a list of pieces is any noun, of any noun class ("Mkufu", "Bangili", "Kikuku"):
# a word right after it would have to agree with it ("{title} yako iko sokoni" fails for
# "Mkufu"). Put the title after a noun whose class is known ("Bidhaa yako “{title}” iko
# sokoni"), in quotes, or at the end of a clause.
AFTER_A_TITLE = re.compile(
    r"(?<![“\"])\{(title|items|titles)\}[ \t]+(?!(na|kutoka|kwenye)\b|×)(\w+)"
)


# A clause opened by a verb whose subject is a thing (i-, zi-, ki-, vi-, li-, ya-: "Imeisha
# sasa: {titles}"), with no noun before it, agrees with the titles after the colon: "Imeisha"
# is wrong for "Mkufu" (umeisha) and for several pieces. A verb with a person as its subject
# ("Umekubali: {title}", "Nimeondoa kikapuni: {title}") or after its noun ("Oda {code}
# imeghairiwa: {items}") is fine.
THING_VERB_BEFORE_A_TITLE = re.compile(
    r"(?:^|[.!?]\s+)(?:i|zi|ki|vi|li|ya)(?:me|na|ta|li|sha|ja|ko)\w*(?:\s+\w+)?:\s*"
    r"\{(?:title|items|titles)\}",
    re.IGNORECASE,
)


def test_no_word_has_to_agree_with_a_title() -> None:
    offending = [
        f"{msgid!r}: {text!r}"
        for msgid, text in SW.items()
        if AFTER_A_TITLE.search(text) or THING_VERB_BEFORE_A_TITLE.search(text)
    ]
    assert offending == [], "rephrase so the noun class does not matter:\n" + "\n".join(offending)


@pytest.mark.parametrize(
    ("text", "agrees"),
    [
        ("Imeisha sasa: {titles}.", True),
        ("Kimeongezwa: {title}.", True),
        ("Umekubali: {title}.", False),  # she did it: no agreement with the title
        ("Nimeondoa kikapuni: {title}.", False),
        ("Oda {code} imeghairiwa: {items}.", False),  # agrees with "oda"
        ("Hakuna tena sokoni: {titles}.", False),
    ],
)
def test_a_verb_before_a_title_is_caught_when_a_thing_is_its_subject(
    text: str, agrees: bool
) -> None:
    assert bool(THING_VERB_BEFORE_A_TITLE.search(text)) is agrees


# Approved WhatsApp templates whose Swahili the glossary has since changed: each waits for a
# new body to be approved under a new name (docs/glossary.md, "What still differs").
AWAITING_REAPPROVAL = {UtilityTemplate.RECRUIT_QUALIFIED}


def retired_words_in(text: str) -> list[str]:
    return [
        retired.pattern
        for retired in RETIRED
        if re.search(retired.pattern, text, re.IGNORECASE | re.MULTILINE)
    ]


def test_the_whatsapp_templates_keep_the_glossary_but_those_awaiting_approval() -> None:
    breaking = {
        template for template, bodies in UTILITY_BODIES.items() if retired_words_in(bodies["sw"])
    }
    assert breaking == AWAITING_REAPPROVAL, (
        "a template breaks the glossary, or one was re-approved: update AWAITING_REAPPROVAL "
        "and docs/glossary.md"
    )


def _standards_swahili() -> dict[str, str]:
    """Where → Swahili text, for every rule and checklist item of store/data/standards.toml."""
    texts = {}
    for rule in standards().rules:
        texts[f"rule {rule.code} title"] = rule.title["sw"]
        texts[f"rule {rule.code} explanation"] = rule.explanation["sw"]
    for item in standards().checklist:
        texts[f"checklist {item.code} title"] = item.title["sw"]
        texts[f"checklist {item.code} question"] = item.question["sw"]
    return texts


# The standards are read by artisans and managers: their piece is *bidhaa*, and ready-made
# parts are *vitu vya kiwandani*; synthetic is *bandia*, since brass wire is made in a factory
# too. The visit checklist's tools are *vifaa*.
STANDARDS_RETIRED = (
    *(
        Retired(
            r.pattern, r.instead, frozenset({"checklist tools title", "checklist tools question"})
        )
        if r.pattern == r"\bvifaa\b"
        else r
        for r in RETIRED
    ),
    Retired(r"\b(ki|vi)pande\b", "bidhaa (her piece) or vitu vya kiwandani (ready-made parts)"),
    Retired(r"\bmalighafi za kiwandani\b", "malighafi bandia (synthetic materials)"),
)


@pytest.mark.parametrize("retired", STANDARDS_RETIRED, ids=lambda retired: retired.pattern)
def test_the_standards_file_keeps_the_glossary_words(retired: Retired) -> None:
    pattern = re.compile(retired.pattern, re.IGNORECASE)
    offending = [
        f"{where}: {text!r}"
        for where, text in _standards_swahili().items()
        if where not in retired.allowed_in and pattern.search(text)
    ]
    assert offending == [], f"write {retired.instead} in store/data/standards.toml:\n" + "\n".join(
        offending
    )
