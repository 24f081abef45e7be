"""The flows. `builtin_registry()` holds the ones every deployment has; others add theirs."""

from __future__ import annotations

from conversations import nudge_settings, share_number
from conversations.flow import FlowRegistry
from conversations.flows import (
    appeal,
    browsing,
    buyer_orders,
    cart,
    cases,
    checkout,
    curation,
    delivery,
    earnings,
    hub_desk,
    language,
    listing,
    manager_week,
    mentor,
    menu,
    my_orders,
    my_products,
    onboarding,
    people,
    phone_retry,
    report,
    review,
    shop_place,
    shop_story,
    standards,
    visits,
)


def core_registry() -> FlowRegistry:
    """The engine's own flows: welcome, language, menu, help, sharing her number."""
    registry = FlowRegistry()
    language.register(registry)
    menu.register(registry)
    share_number.register(registry)
    return registry


def builtin_registry() -> FlowRegistry:
    registry = core_registry()
    onboarding.register(registry)
    shop_place.register(registry)
    shop_story.register(registry)
    listing.register(registry)
    mentor.register(registry)
    browsing.register(registry)
    cart.register(registry)
    checkout.register(registry)
    phone_retry.register(registry)
    buyer_orders.register(registry)
    delivery.register(registry)
    report.register(registry)
    my_products.register(registry)
    my_orders.register(registry)
    earnings.register(registry)
    review.register(registry)
    curation.register(registry)
    cases.register(registry)
    people.register(registry)
    standards.register(registry)
    appeal.register(registry)
    hub_desk.register(registry)
    manager_week.register(registry)
    visits.register(registry)
    nudge_settings.register(registry)
    return registry
