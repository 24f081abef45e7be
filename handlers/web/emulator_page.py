"""The emulator's HTML: a person picker, the chat log and the composer. The script
(`static/emulator.js`) fills the log and keeps it live; everything here is escaped."""

from __future__ import annotations

from html import escape

from handlers.web.emulator_channel import Person

NEW_PERSON = "__new__"


def describe(person: Person) -> str:
    """`artisan and mentor — Wanjiru Beads`, `community manager`, `buyer`…"""
    if person.shop:
        role = "artisan and mentor" if "mentor" in person.roles else "artisan"
        return f"{role} — {person.shop}"
    if "community_manager" in person.roles:
        return "community manager"
    return "buyer"


def option_label(person: Person) -> str:
    label = f"{person.name} ({describe(person)})"
    return f"{label} · {person.waiting} new" if person.waiting else label


def render_page(people: list[Person], chosen: str) -> str:
    known = {p.key for p in people}
    options = [
        f'<option value="{escape(p.key)}"{" selected" if p.key == chosen else ""}>'
        f"{escape(option_label(p))}</option>"
        for p in people
    ]
    if chosen not in known:  # someone new, named in the address
        options.append(f'<option value="{escape(chosen)}" selected>{escape(chosen)}</option>')
    options.append(f'<option value="{NEW_PERSON}">Someone new…</option>')
    return _PAGE.format(
        person=escape(chosen, quote=True),
        options="\n        ".join(options),
        new=NEW_PERSON,
    )


_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Soko chat emulator</title>
  <link rel="stylesheet" href="/emulator/static/emulator.css">
</head>
<body data-person="{person}" data-new="{new}">
  <main class="phone">
    <header>
      <label for="person">Chatting as</label>
      <select id="person" name="person">
        {options}
      </select>
      <form id="new-person" hidden>
        <input id="new-name" name="name" placeholder="a name, e.g. zawadi" maxlength="64"
               pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]*" autocomplete="off" required>
        <button type="submit">Start</button>
      </form>
    </header>
    <section id="log" aria-live="polite" aria-label="Chat"></section>
    <form id="composer" autocomplete="off">
      <label class="photo" title="Send photos">
        <input id="photo" name="photo" type="file" accept="image/*" multiple>
        <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path fill="currentColor"
          d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15
          3H9Zm3 4.5a5 5 0 1 1 0 10 5 5 0 0 1 0-10Zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6Z"/></svg>
        <span class="sr">Send photos</span>
      </label>
      <input id="text" name="text" placeholder="Message" aria-label="Message" maxlength="4000">
      <button id="send" type="submit">Send</button>
    </form>
  </main>
  <noscript>The chat emulator needs JavaScript.</noscript>
  <script src="/emulator/static/emulator.js"></script>
</body>
</html>
"""
