"""Money as an integer number of minor units plus an ISO 4217 currency code.

Never a float, never ``round()``: every conversion is exact or raises.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import NumberPattern, format_currency, get_currency_precision, is_currency

from store.errors import CurrencyMismatch, InexactAmount, InvalidAmount, UnknownCurrency

# Kenyan users read "Ksh" (CLDR's symbol for en_KE / sw_KE) rather than "KES".
_KENYAN_LOCALES = {"en": "en_KE", "sw": "sw_KE"}


def babel_locale(lang: str) -> str:
    """Map a chat language ("en", "sw", "sw-KE") to the Babel locale we format with."""
    normalized = lang.replace("-", "_")
    return _KENYAN_LOCALES.get(normalized.lower(), normalized)


def currency_exponent(currency: str) -> int:
    """Number of minor-unit digits (KES 2, JPY 0, BHD 3); raises UnknownCurrency."""
    if not (isinstance(currency, str) and currency.isupper() and is_currency(currency)):
        raise UnknownCurrency(currency)
    return get_currency_precision(currency)


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError(f"Money amount must be int minor units, got {self.amount!r}")
        currency_exponent(self.currency)

    @classmethod
    def of_major(cls, value: Decimal | int | str, currency: str) -> Money:
        """Exact conversion from major units: ``of_major("15.50", "KES")`` is 1550 cents.

        Raises InexactAmount if the value has more decimals than the currency allows.
        """
        exponent = currency_exponent(currency)
        if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
            raise InvalidAmount(value)
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise InvalidAmount(value) from None
        if not number.is_finite():
            raise InvalidAmount(value)
        # Integer arithmetic on the digits: Decimal ops would round at the context precision.
        sign, digits, decimal_exponent = number.as_tuple()
        assert isinstance(decimal_exponent, int)  # finite, checked above
        coefficient = int("".join(map(str, digits)))
        shift = decimal_exponent + exponent
        if shift >= 0:
            minor = coefficient * 10**shift
        else:
            minor, rest = divmod(coefficient, 10**-shift)
            if rest:
                raise InexactAmount(value, currency)
        return cls(-minor if sign else minor, currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @property
    def exponent(self) -> int:
        return get_currency_precision(self.currency)

    def to_decimal(self) -> Decimal:
        """Exact major-unit value: Money(150050, "KES") -> Decimal("1500.50")."""
        # Built from a string, so no context rounding however large the amount.
        return Decimal(f"{self.amount}E-{self.exponent}")

    def _check_same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._check_same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._check_same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            return NotImplemented
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._check_same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._check_same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._check_same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._check_same(other)
        return self.amount >= other.amount

    def allocate(self, ratios: Sequence[int]) -> list[Money]:
        """Split in proportion to ``ratios`` so the parts sum exactly to ``self``.

        Largest remainder: every part gets its floored share, then the leftover minor
        units go one each to the parts with the largest remainders (earliest first on
        ties). Each part is within one minor unit of its exact proportion.
        Raises ValueError for empty, negative or all-zero ratios.
        """
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise ValueError(f"ratios must be non-negative with a positive sum: {ratios!r}")
        if self.amount < 0:
            return [-part for part in (-self).allocate(ratios)]
        total = sum(ratios)
        shares = [divmod(self.amount * r, total) for r in ratios]
        parts = [floor for floor, _ in shares]
        leftover = self.amount - sum(parts)
        by_remainder = sorted(range(len(ratios)), key=lambda i: -shares[i][1])
        for i in by_remainder[:leftover]:
            parts[i] += 1
        return [Money(part, self.currency) for part in parts]

    def split(self, n: int) -> list[Money]:
        """``n`` near-equal parts summing to ``self``; the first parts get the extra units."""
        return self.allocate([1] * n)

    def format(self, locale: str, *, compact_whole: bool = True) -> str:
        """Localized text, e.g. ``format("en")`` -> "Ksh1,500", ``format("sw")`` -> "Ksh 1,500".

        ``locale`` goes through ``babel_locale``, so "en"/"sw" mean en_KE/sw_KE.
        With ``compact_whole`` a whole amount drops its zero fraction, as Kenyans write
        prices ("Ksh 1,500", not "Ksh 1,500.00"); other amounts keep every minor digit.
        """
        babel_id = babel_locale(locale)
        pattern: NumberPattern = Locale.parse(babel_id).currency_formats["standard"]
        use_currency_digits = True
        if compact_whole and self.amount % 10**self.exponent == 0:
            pattern = copy.copy(pattern)  # the locale's pattern object is shared; don't mutate it
            pattern.frac_prec = (0, 0)
            use_currency_digits = False
        return format_currency(
            self.to_decimal(),
            self.currency,
            format=pattern,
            locale=babel_id,
            currency_digits=use_currency_digits,
        )


def sum_money(items: Iterable[Money], currency: str) -> Money:
    """Sum of ``items`` (zero when empty); raises CurrencyMismatch on another currency."""
    total = Money.zero(currency)
    for item in items:
        total += item
    return total
