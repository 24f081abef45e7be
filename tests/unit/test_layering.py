"""The dependency rule: `store/` and `conversations/` import no platform SDK, no web framework,
no adapter (`handlers/`), nothing of the composition root (`bot/`) and no payment provider
(`payments/`); `payments/` stands on `store/` alone (no chat, no adapter, no `bot/`).

Every module of a package is imported in a fresh interpreter (migrations aside: they run only
under Alembic), and then none of the forbidden packages may have been loaded. (`make lint`'s
import-linter contracts say the same from the source; this says it from what Python loads.)
"""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("telegram", "twilio", "stripe", "starlette", "uvicorn", "handlers", "bot", "payments")
LAYERS = ("store", "conversations")
PAYMENTS_FORBIDDEN = (
    "telegram",
    "twilio",
    "starlette",
    "uvicorn",
    "handlers",
    "bot",
    "conversations",
)

PROBE = """
import importlib, pkgutil, sys
imported = []
for name in {layers!r}:
    package = importlib.import_module(name)
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
            imported.append(module.name)
print(len(imported))
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r})))
"""


def loaded_by(layers: tuple[str, ...], forbidden: tuple[str, ...]) -> tuple[int, list[str]]:
    """How many modules of `layers` a fresh interpreter imported, and which of the
    `forbidden` packages' modules that loaded."""
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(layers=layers, forbidden=forbidden)],
        check=True,
        capture_output=True,
        text=True,
    )
    count, _, loaded = completed.stdout.partition("\n")
    return int(count), loaded.split()


def test_store_and_conversations_import_no_adapter_sdk_provider_or_composition_code() -> None:
    count, loaded = loaded_by(LAYERS, FORBIDDEN)
    assert count > 100  # every module was reached, not only the packages' __init__
    assert loaded == []


def test_payments_stand_on_store_alone() -> None:
    count, loaded = loaded_by(("payments",), PAYMENTS_FORBIDDEN)
    assert count > 5  # every module was reached
    assert loaded == []
