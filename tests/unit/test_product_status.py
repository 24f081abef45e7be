"""The product transition table: every listed move works, every other one raises."""

from __future__ import annotations

import itertools

import pytest

from store.errors import InvalidTransition
from store.models import ProductStatus
from store.services.product_status import (
    PRODUCT_TRANSITIONS,
    can_transition,
    check_transition,
    status_for_stock,
)

S = ProductStatus
LEGAL = {
    (S.DRAFT, S.PENDING_REVIEW),
    (S.PENDING_REVIEW, S.ACTIVE),
    (S.PENDING_REVIEW, S.SOLD_OUT),
    (S.PENDING_REVIEW, S.REJECTED),
    (S.PENDING_REVIEW, S.DRAFT),
    (S.ACTIVE, S.SOLD_OUT),
    (S.SOLD_OUT, S.ACTIVE),
    (S.ACTIVE, S.PENDING_REVIEW),  # its price changed by more than the review share
    (S.SOLD_OUT, S.PENDING_REVIEW),
    (S.REJECTED, S.DRAFT),
    *((status, S.ARCHIVED) for status in S if status != S.ARCHIVED),
}
ALL_PAIRS = list(itertools.product(S, S))


def test_table_covers_every_status() -> None:
    assert set(PRODUCT_TRANSITIONS) == set(S)


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_transitions_pass(current: ProductStatus, target: ProductStatus) -> None:
    assert can_transition(current, target)
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), [pair for pair in ALL_PAIRS if pair not in LEGAL])
def test_illegal_transitions_raise(current: ProductStatus, target: ProductStatus) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition) as raised:
        check_transition(current, target)
    assert (raised.value.current, raised.value.target) == (current.value, target.value)


def test_archived_is_final() -> None:
    assert PRODUCT_TRANSITIONS[S.ARCHIVED] == frozenset()


@pytest.mark.parametrize(("available", "status"), [(0, S.SOLD_OUT), (1, S.ACTIVE), (7, S.ACTIVE)])
def test_status_for_stock(available: int, status: ProductStatus) -> None:
    assert status_for_stock(available) == status
