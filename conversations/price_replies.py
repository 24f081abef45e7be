"""Kind answers to a price the parser refused, and the echo that confirms one it read.

Shared by every flow where an artisan types a price (listing a piece, changing its price), so
she reads the same words wherever she is.
"""

from __future__ import annotations

from typing import Final

from conversations.i18n import N_, Translator
from store.money import Money
from store.prices import PriceRejected, RejectReason

CONFIRM: Final = N_("{price} — right?")
_PROBLEMS: Final = {
    RejectReason.EMPTY: N_("Please type the price in numbers, for example 1500."),
    RejectReason.NOT_A_NUMBER: N_(
        "Please write the price in digits, for example 1500 (not in words)."
    ),
    RejectReason.ZERO: N_("The price can't be zero. How much is the piece, for example 1500?"),
    RejectReason.NEGATIVE: N_("The price can't be below zero. Type it like 1500."),
    RejectReason.TOO_LARGE: N_("That price looks too high: the most is {max}. Please check it."),
    RejectReason.TOO_MANY_DECIMALS: N_(
        "Too many digits after the dot. Type it like 1500 or 1500.50."
    ),
    RejectReason.WRONG_CURRENCY: N_(
        "Please give the price in Kenyan shillings, for example 1500 or KSh 1,500."
    ),
}


def price_problem(t: Translator, rejected: PriceRejected, max_price: Money) -> str:
    """Why the typed price was not taken, and how to type it, in the person's language."""
    return t._(_PROBLEMS[rejected.reason]).format(max=max_price.format(t.locale))


def confirm_price(t: Translator, price: Money) -> str:
    """ "Ksh 1,500 — right?" """
    return t._(CONFIRM).format(price=price.format(t.locale))
