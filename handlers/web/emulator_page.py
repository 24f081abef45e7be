"""The emulator's HTML: a person picker, the chat log and the composer, in the visitor's
language (`?lang=`, else Accept-Language, as the public pages). The script
(`static/emulator.js`) fills the log and keeps it live; the few words it shows itself come
from the page (`#labels`), so they are translated here too. Everything here is escaped."""

from __future__ import annotations

import json
from html import escape
from typing import Final
from urllib.parse import urlencode

from conversations.i18n import LANGUAGE_NAMES, N_, Translator
from handlers.web.emulator_channel import Person
from handlers.web.pages_render import PageLanguage
from store.models import Role

NEW_PERSON = "__new__"
_CURRENT = ' aria-current="true"'

ARTISAN_AND_MENTOR: Final = N_("artisan and mentor")
ARTISAN: Final = N_("artisan")
COMMUNITY_MANAGER: Final = N_("community manager")
BUYER: Final = N_("buyer")
SOMEONE_NEW: Final = N_("Someone new…")
# TRANSLATORS: a person in the emulator's picker with messages waiting, e.g. "Lena (buyer) · 2 new".
WAITING: Final = N_("{label} · {count} new")

# What the script says itself, by the key it knows them by.
SCRIPT_LABELS: Final = {
    "hint": N_("Say hello, or type menu."),
    "photos": N_("📷 Photos: {count}"),
    "photo": N_("Photo"),
    "shareContact": N_("(type your phone number to share it)"),
    "notSent": N_("Not sent: {error}"),
    "waiting": WAITING,
}


def describe(person: Person, t: Translator) -> str:
    """`artisan and mentor — Wanjiru Beads`, `community manager`, `buyer`…"""
    if person.shop:
        role = ARTISAN_AND_MENTOR if Role.MENTOR in person.roles else ARTISAN
        return f"{t._(role)} — {person.shop}"
    if Role.COMMUNITY_MANAGER in person.roles:
        return t._(COMMUNITY_MANAGER)
    return t._(BUYER)


def option_label(person: Person, t: Translator) -> str:
    label = f"{person.name} ({describe(person, t)})"
    return t._(WAITING).format(label=label, count=person.waiting) if person.waiting else label


def script_labels(t: Translator) -> str:
    """The script's words as JSON that is safe inside a <script> element."""
    labels = {key: t._(message) for key, message in SCRIPT_LABELS.items()}
    text = json.dumps(labels, ensure_ascii=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render_page(people: list[Person], chosen: str, language: PageLanguage) -> str:
    t = Translator(language.locale)
    known = {p.key for p in people}
    options = [
        f'<option value="{escape(p.key)}"{" selected" if p.key == chosen else ""}>'
        f"{escape(option_label(p, t))}</option>"
        for p in people
    ]
    if chosen not in known:  # someone new, named in the address
        options.append(f'<option value="{escape(chosen)}" selected>{escape(chosen)}</option>')
    options.append(f'<option value="{NEW_PERSON}">{escape(t._(SOMEONE_NEW))}</option>')
    languages = [
        f'<a href="?{escape(urlencode({"lang": code, "as": chosen}))}" hreflang="{code}" '
        f'lang="{code}"{_CURRENT if code == language.locale else ""}>{escape(name)}</a>'
        for code, name in LANGUAGE_NAMES.items()
    ]
    words = {
        "title": t._("Soko chat emulator"),
        "chatting_as": t._("Chatting as"),
        "name_hint": t._("a name, e.g. zawadi"),
        "start": t._("Start"),
        "language": t._("Language"),
        "chat": t._("Chat"),
        "send_photos": t._("Send photos"),
        "message": t._("Message"),
        "send": t._("Send"),
        "needs_js": t._("The chat emulator needs JavaScript."),
    }
    return _PAGE.format(
        locale=escape(language.locale, quote=True),
        person=escape(chosen, quote=True),
        options="\n        ".join(options),
        languages="\n        ".join(languages),
        new=NEW_PERSON,
        labels=script_labels(t),
        **{key: escape(value, quote=True) for key, value in words.items()},
    )


_PAGE = """<!doctype html>
<html lang="{locale}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="stylesheet" href="/emulator/static/emulator.css">
</head>
<body data-person="{person}" data-new="{new}">
  <main class="phone">
    <header>
      <label for="person">{chatting_as}</label>
      <select id="person" name="person">
        {options}
      </select>
      <nav id="languages" aria-label="{language}">
        {languages}
      </nav>
      <form id="new-person" hidden>
        <input id="new-name" name="name" placeholder="{name_hint}" maxlength="64"
               pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]*" autocomplete="off" required>
        <button type="submit">{start}</button>
      </form>
    </header>
    <section id="log" aria-live="polite" aria-label="{chat}"></section>
    <form id="composer" autocomplete="off">
      <label class="photo" title="{send_photos}">
        <input id="photo" name="photo" type="file" accept="image/*" multiple>
        <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path fill="currentColor"
          d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15
          3H9Zm3 4.5a5 5 0 1 1 0 10 5 5 0 0 1 0-10Zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6Z"/></svg>
        <span class="sr">{send_photos}</span>
      </label>
      <input id="text" name="text" placeholder="{message}" aria-label="{message}" maxlength="4000">
      <button id="send" type="submit">{send}</button>
    </form>
  </main>
  <noscript>{needs_js}</noscript>
  <script id="labels" type="application/json">{labels}</script>
  <script src="/emulator/static/emulator.js"></script>
</body>
</html>
"""
