"""A phone number as people read it, the same way in every message, card and command."""

from __future__ import annotations

import phonenumbers

HOME_REGION = "KE"  # Soko's artisans are Kenyan: their numbers are shown as Kenyans write them


def shown_phone(e164: str) -> str:
    """A Kenyan number in Kenya's national format ("+254722000003" → "0722 000003"), any other
    in the international one ("+4915112345678" → "+49 1511 2345678"); as it is when it is not
    a valid number. Stored numbers are E.164 (`people.normalize_phone`)."""
    try:
        parsed = phonenumbers.parse(e164, HOME_REGION)
    except phonenumbers.NumberParseException:
        return e164
    if not phonenumbers.is_valid_number(parsed):
        return e164
    home = phonenumbers.region_code_for_number(parsed) == HOME_REGION
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(parsed, style))
