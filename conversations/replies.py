"""The engine's own sentences: help, cancel, and the kind words for when something fails."""

from __future__ import annotations

from conversations.i18n import N_

HELP = N_(
    "Reply with a number, or choose an answer.\nAnytime you can send: menu, help, cancel, language."
)
CANCELLED = N_("Cancelled.")
NOTHING_TO_CANCEL = N_("Nothing to cancel.")
SORRY_GENERIC = N_("Sorry, something went wrong. Please try again.")
SORRY_NOT_ALLOWED = N_("Sorry, you can't do that.")
SORRY_NOT_FOUND = N_("Sorry, I couldn't find that. It may have been removed.")
# After a bug: what she was doing is reset (a draft the flow keeps is kept), the menu follows.
SORRY_START_AGAIN = N_("Sorry, something went wrong on our side. Let's start again from the menu.")
UNSUPPORTED_MEDIA = N_(
    "Sorry, I can only read text and photos. Please type your answer or send a picture."
)
EARLIER_BUTTON = N_("That button is from an earlier message.")
CHOOSE_AGAIN = N_("Please choose one of these:")
# A yes or a no typed where it names none of the offered buttons (`choices.refused_yes_no`).
NOT_AN_ANSWER = N_("Sorry, “{word}” is not one of the answers here.")
