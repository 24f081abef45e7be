from __future__ import annotations

import itertools

import pytest

from store.errors import InvalidTransition
from store.models import LineStatus, OrderStatus
from store.services.order_status import (
    LINE_TRANSITIONS,
    ORDER_TRANSITIONS,
    check_line,
    check_order,
)

OS = OrderStatus
L = LineStatus


def test_every_status_has_a_row() -> None:
    assert set(ORDER_TRANSITIONS) == set(OrderStatus)
    assert set(LINE_TRANSITIONS) == set(LineStatus)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (OS.PENDING_PAYMENT, OS.PAID),
        (OS.PENDING_PAYMENT, OS.CANCELLED),
        (OS.PENDING_PAYMENT, OS.EXPIRED),
        (OS.EXPIRED, OS.PAID),
        (OS.PAID, OS.SHIPPED),
        (OS.PAID, OS.CANCELLED),
        (OS.PAID, OS.REFUNDED),
        (OS.SHIPPED, OS.DELIVERED),
        (OS.SHIPPED, OS.REFUNDED),
        (OS.DELIVERED, OS.REFUNDED),
    ],
)
def test_allowed_order_moves(current: OrderStatus, target: OrderStatus) -> None:
    check_order(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (OS.PENDING_PAYMENT, OS.SHIPPED),
        (OS.PENDING_PAYMENT, OS.REFUNDED),
        (OS.PAID, OS.EXPIRED),
        (OS.PAID, OS.PENDING_PAYMENT),
        (OS.SHIPPED, OS.CANCELLED),
        (OS.EXPIRED, OS.CANCELLED),
        (OS.CANCELLED, OS.PAID),
        (OS.REFUNDED, OS.PAID),
        (OS.DELIVERED, OS.SHIPPED),
        (OS.PAID, OS.PAID),
    ],
)
def test_illegal_order_moves_raise(current: OrderStatus, target: OrderStatus) -> None:
    with pytest.raises(InvalidTransition) as caught:
        check_order(current, target)
    assert (caught.value.entity, caught.value.current, caught.value.target) == (
        "order",
        current.value,
        target.value,
    )


def test_the_artisan_path_is_a_chain() -> None:
    path = [L.PENDING, L.PAID, L.ACCEPTED, L.READY, L.SHIPPED, L.DELIVERED]
    for current, target in itertools.pairwise(path):
        check_line(current, target)
    for current, skipped in zip(path, path[2:], strict=False):
        with pytest.raises(InvalidTransition):
            check_line(current, skipped)


@pytest.mark.parametrize("current", [L.PENDING, L.PAID, L.ACCEPTED, L.READY])
def test_lines_can_be_cancelled_until_shipped(current: LineStatus) -> None:
    check_line(current, L.CANCELLED)


@pytest.mark.parametrize("current", [L.SHIPPED, L.DELIVERED, L.REFUNDED])
def test_shipped_lines_cannot_be_cancelled(current: LineStatus) -> None:
    with pytest.raises(InvalidTransition):
        check_line(current, L.CANCELLED)


@pytest.mark.parametrize("final", [OS.CANCELLED, OS.REFUNDED])
def test_final_order_statuses(final: OrderStatus) -> None:
    assert ORDER_TRANSITIONS[final] == frozenset()


@pytest.mark.parametrize("final", [L.CANCELLED, L.REFUNDED])
def test_final_line_statuses(final: LineStatus) -> None:
    assert LINE_TRANSITIONS[final] == frozenset()


def test_a_pending_line_cannot_be_refunded() -> None:
    with pytest.raises(InvalidTransition):
        check_line(L.PENDING, L.REFUNDED)


def test_the_hub_path_is_a_chain() -> None:
    path = [L.PAID, L.ACCEPTED, L.AT_HUB, L.PASSED, L.SHIPPED, L.DELIVERED]
    for current, target in itertools.pairwise(path):
        check_line(current, target)
    with pytest.raises(InvalidTransition):
        check_line(L.AT_HUB, L.SHIPPED)  # not before a manager passed it


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (L.READY, L.AT_HUB),  # packed at home, then brought
        (L.AT_HUB, L.RETURNED),
        (L.RETURNED, L.AT_HUB),  # brought again
        (L.RETURNED, L.REFUNDED),
        (L.AT_HUB, L.CANCELLED),
        (L.PASSED, L.CANCELLED),
        (L.RETURNED, L.CANCELLED),
        (L.PASSED, L.REFUNDED),
    ],
)
def test_hub_moves(current: LineStatus, target: LineStatus) -> None:
    check_line(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [(L.PAID, L.AT_HUB), (L.RETURNED, L.PASSED), (L.RETURNED, L.SHIPPED), (L.PASSED, L.AT_HUB)],
)
def test_illegal_hub_moves(current: LineStatus, target: LineStatus) -> None:
    with pytest.raises(InvalidTransition):
        check_line(current, target)
