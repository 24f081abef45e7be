"""`soko run` with STRIPE_SECRET_KEY and no STRIPE_WEBHOOK_SECRET, as a real process: the
start says once, as a WARNING, which setting is missing and what it means for buyers, and
Stripe's calls to `/webhooks/stripe` are answered 503 (Stripe sends them again later)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.operator_env import running_fakes
from tests.e2e.soko_process import SokoProcess
from tests.fakes.serving import free_port


def test_soko_run_warns_once_and_answers_stripe_503(tmp_path: Path) -> None:
    with running_fakes(with_stripe=True) as fakes:
        shop = fakes.operator_env(tmp_path, port=free_port(), STRIPE_WEBHOOK_SECRET="")
        with SokoProcess(shop, "run") as run:
            answer = httpx.post(
                f"{shop.url}/webhooks/stripe",
                content=b'{"id": "evt_1"}',
                headers={"Stripe-Signature": "t=1,v1=0"},
            )
    assert answer.status_code == 503
    log = run.logged()
    warnings = [line for line in log.splitlines() if " WARNING " in line]
    missing = [line for line in warnings if "STRIPE_WEBHOOK_SECRET is not set" in line]
    assert len(missing) == 1, log
    assert "Paying is not open" not in log
