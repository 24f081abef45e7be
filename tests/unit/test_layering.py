"""The dependency rule: `store/` and `conversations/` import no platform SDK, no web framework,
no adapter (`handlers/`) and nothing of the composition root (`bot/`).

Every module of the two packages is imported in a fresh interpreter (migrations aside: they
run only under Alembic), and then none of the forbidden packages may have been loaded.
"""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("telegram", "twilio", "stripe", "starlette", "uvicorn", "handlers", "bot")
LAYERS = ("store", "conversations")

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


def test_store_and_conversations_import_no_adapter_sdk_or_composition_code() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(layers=LAYERS, forbidden=FORBIDDEN)],
        check=True,
        capture_output=True,
        text=True,
    )
    count, _, loaded = completed.stdout.partition("\n")

    assert int(count) > 100  # every module was reached, not only the packages' __init__
    assert loaded.split() == []
