"""A menu entry's name typed in the middle of a flow opens that entry.

She types "Wiki yangu" (My week) where the list of shops to visit is on screen, or "My week"
at the People search: she means her menu's entry, not an answer to the question. So the whole
message, naming an entry of her menu (one she may use now; its label in either language, case,
accents and punctuation aside, as `choices` reads labels), opens that entry, when:

- it names none of the choices on screen (an offered choice always wins), and it is no tap,
  photo, place or contact;
- she is inside a flow (at the menu, or outside any flow, the menu reads it already);
- the step does not read her own words (`Answer.TEXT`, the default: a listing's title, a
  story, a note, a price, a reason could be those very words). At a list (`Answer.CHOICE`)
  other words answer nothing; at a search (`Answer.SEARCH`) the entry opens before searching:
  the whole message being exactly an entry's name, she means the entry, and the answer does
  not depend on what the shop happens to hold (a shop named "People" is still found by a
  part of its name or its owner's number).
"""

from __future__ import annotations

from conversations.choices import names_choice, names_message, normalise_label
from conversations.flow import Answer, FlowRegistry, MenuEntry, StepContext
from conversations.messages import Choice, Inbound


def entry_named(
    ctx: StepContext, inbound: Inbound, offered: tuple[Choice, ...]
) -> MenuEntry | None:
    """The menu entry her message opens at the active step (which must exist), or None."""
    if inbound.payload is not None or inbound.photos or inbound.location or inbound.contact:
        return None
    text = inbound.text
    if not normalise_label(text) or names_choice(text, offered):
        return None
    if ctx.flow == FlowRegistry.MENU:
        return None
    if ctx.registry.flow(ctx.flow).answer(ctx.step) is Answer.TEXT:
        return None
    return names_entry(ctx, text)


def names_entry(ctx: StepContext, text: str) -> MenuEntry | None:
    """The one entry of her menu (as she may use it now) that `text`, whole, names."""
    named = [entry for entry in ctx.registry.menu_for(ctx.user) if _names(ctx, entry, text)]
    return named[0] if len(named) == 1 else None


def _names(ctx: StepContext, entry: MenuEntry, text: str) -> bool:
    if entry.label_now is None:
        return names_message(text, entry.label)
    shown = entry.label_now(ctx)  # None: not on her menu now
    return shown is not None and normalise_label(shown) == normalise_label(text)
