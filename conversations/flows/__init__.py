"""The flows. `builtin_registry()` holds the ones every deployment has; others add theirs."""

from __future__ import annotations

from conversations.flow import FlowRegistry
from conversations.flows import (
    browsing,
    buyer_orders,
    cart,
    checkout,
    earnings,
    language,
    mentor,
    menu,
    my_orders,
    my_products,
    onboarding,
    review,
)


def builtin_registry() -> FlowRegistry:
    registry = FlowRegistry()
    language.register(registry)
    menu.register(registry)
    onboarding.register(registry)
    mentor.register(registry)
    browsing.register(registry)
    cart.register(registry)
    checkout.register(registry)
    buyer_orders.register(registry)
    my_products.register(registry)
    my_orders.register(registry)
    earnings.register(registry)
    review.register(registry)
    return registry
