"""The flows. `builtin_registry()` holds the ones every deployment has; others add theirs."""

from __future__ import annotations

from conversations.flow import FlowRegistry
from conversations.flows import language, menu


def builtin_registry() -> FlowRegistry:
    registry = FlowRegistry()
    language.register(registry)
    menu.register(registry)
    return registry
