from __future__ import annotations

import pytest

from store.errors import InvalidTransition
from store.models import LineStatus, OrderStatus
from store.services.order_status import (
    LINE_TRANSITIONS,
    ORDER_TRANSITIONS,
    check_line,
    check_order,
)

O = OrderStatus
L = LineStatus


def test_every_status_has_a_row() -> None:
    assert set(ORDER_TRANSITIONS) == set(OrderStatus)
    assert set(LINE_TRANSITIONS) == set(LineStatus)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (O.PENDING_PAYMENT, O.PAID),
        (O.PENDING_PAYMENT, O.CANCELLED),
        (O.PENDING_PAYMENT, O.EXPIRED),
        (O.EXPIRED, O.PAID),
        (O.PAID, O.SHIPPED),
        (O.PAID, O.CANCELLED),
        (O.PAID, O.REFUNDED),
        (O.SHIPPED, O.DELIVERED),
        (O.SHIPPED, O.REFUNDED),
        (O.DELIVERED, O.REFUNDED),
    ],
)
def test_allowed_order_moves(current: OrderStatus, target: OrderStatus) -> None:
    check_order(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (O.PENDING_PAYMENT, O.SHIPPED),
        (O.PENDING_PAYMENT, O.REFUNDED),
        (O.PAID, O.EXPIRED),
        (O.PAID, O.PENDING_PAYMENT),
        (O.SHIPPED, O.CANCELLED),
        (O.EXPIRED, O.CANCELLED),
        (O.CANCELLED, O.PAID),
        (O.REFUNDED, O.PAID),
        (O.DELIVERED, O.SHIPPED),
        (O.PAID, O.PAID),
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
    for current, target in zip(path, path[1:], strict=False):
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


@pytest.mark.parametrize("final", [O.CANCELLED, O.REFUNDED])
def test_final_order_statuses(final: OrderStatus) -> None:
    assert ORDER_TRANSITIONS[final] == frozenset()


@pytest.mark.parametrize("final", [L.CANCELLED, L.REFUNDED])
def test_final_line_statuses(final: LineStatus) -> None:
    assert LINE_TRANSITIONS[final] == frozenset()


def test_a_pending_line_cannot_be_refunded() -> None:
    with pytest.raises(InvalidTransition):
        check_line(L.PENDING, L.REFUNDED)
