"""One root for every error the store raises; each carries the data a caller needs."""

from __future__ import annotations


class StoreError(Exception):
    """Root of the store's errors. Adapters turn these into kind, translated sentences."""


class NotFound(StoreError):
    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key


class PermissionDenied(StoreError):
    """The acting user may not do this (e.g. edit another artisan's product)."""

    def __init__(self, action: str, user_id: int | None) -> None:
        super().__init__(f"user {user_id} may not {action}")
        self.action = action
        self.user_id = user_id


class InvalidTransition(StoreError):
    """A status change the transition table does not allow."""

    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(f"{entity}: cannot go from {current} to {target}")
        self.entity = entity
        self.current = current
        self.target = target


class UnknownCurrency(StoreError):
    """Not an upper-case ISO 4217 code that Babel knows."""

    def __init__(self, currency: str) -> None:
        super().__init__(f"unknown currency {currency!r}")
        self.currency = currency


class CurrencyMismatch(StoreError):
    """Arithmetic or comparison between two different currencies."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} with {right}")
        self.left = left
        self.right = right


class InvalidAmount(StoreError):
    """A major-unit amount that is not a finite number (e.g. 'abc', NaN, a float)."""

    def __init__(self, value: object) -> None:
        super().__init__(f"not a valid amount: {value!r}")
        self.value = value


class InexactAmount(StoreError):
    """A major-unit amount with more decimals than the currency's minor unit allows."""

    def __init__(self, value: object, currency: str) -> None:
        super().__init__(f"{value} {currency} is not a whole number of minor units")
        self.value = value
        self.currency = currency
