"""What the onboarding flow says (kept apart so the flow reads like the conversation)."""

from __future__ import annotations

from conversations.i18n import N_

INTRO = N_("Let's open your shop on Soko! Just a few short questions.")
WELCOME_BACK = N_("Welcome back! Let's carry on where you stopped.")
CODE_NOTED = N_("Your mentor's code: {code}.")
CODE_UNREADABLE = N_(
    "We couldn't read that code, but you can still open your shop. "
    "Ask your mentor to send you her code or link again."
)
ALREADY_ARTISAN = N_("You already have a shop: {shop}.")
ALREADY_ARTISAN_SHORT = N_("You already have a shop.")

ASK_NAME = N_("What is your name?")
BAD_NAME = N_("Please type your name (2 to 80 letters).")

ASK_SHOP = N_("What is your shop called? For example: Mama Shanga Beads.")
BAD_SHOP = N_("Please type a shop name of 2 to 80 letters.")

ASK_LOCATION = N_(
    "Where do you work? Type the place, for example: Kibera, Nairobi. Or share your location."
)
PIN_RECEIVED = N_(
    "Thank you! Only the Soko team sees your pin, to visit you; buyers do not see it. "
    "Now type the area buyers will see, for example: Kibera, Nairobi."
)
NOT_AN_AREA = N_(
    "Please type the name of your area, not a pin or a map link: buyers do not see those. "
    "For example: Kibera, Nairobi."
)
BAD_LOCATION = N_("Please type your place, for example: Kibera, Nairobi.")

ASK_MPESA = N_("Which M-Pesa number should receive your money? For example: 0712 345 678")
USE_OWN = N_("Use {phone}")
BAD_MPESA = N_("Sorry, that is not a Kenyan M-Pesa number. Please type it like this: 0712 345 678")

ASK_STORY = N_(
    "Tell buyers your story in a few sentences: who you are and how you make your jewelry. "
    "Or send skip."
)
SKIP = N_("Skip")
STORY_TOO_LONG = N_("That is a bit long. Please keep your story under 2000 letters.")

CHECK = N_("Please check your details:")
SUMMARY = N_("Name: {name}\nShop: {shop}\nPlace: {location}\nM-Pesa: {mpesa}")
SUMMARY_STORY = N_("Story: {story}")
NO_STORY = N_("(none)")
SUMMARY_CODE = N_("Mentor code: {code}")
OPEN_SHOP = N_("Yes, open my shop")
CHANGE = N_("Change something")
WHICH = N_("What do you want to change?")
FIELD_LABELS = (
    ("name", N_("Name")),
    ("shop", N_("Shop name")),
    ("location", N_("Place")),
    ("mpesa", N_("M-Pesa number")),
    ("story", N_("Story")),
)
PLEASE_AGAIN = N_("Sorry, one answer did not work. Please answer again.")

SHOP_OPEN = N_("Congratulations! Your shop {shop} is open.")
YOUR_MENTOR = N_("Your mentor {mentor} will help you. We have told her you joined.")
OWN_CODE = N_("You can't use your own code, but that's fine: your shop is open and you can sell.")
CODE_FAILED = N_("That code didn't work, but you can still sell. Ask your mentor for a new code.")
NEXT_STEP = N_("Next step: send 1 to 5 photos of one piece of jewelry to list it for sale.")
# A photo sent while she opens her shop: kept for her first piece (the listing's words).
PHOTOS_KEPT = N_("Photo received ({count} of {max}).")
