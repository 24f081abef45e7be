"""Fixtures for the Stripe end-to-end tests: one fake Stripe API per session (reset for each
test), the real stripe library pointed at it, and a shop database; every test runs under
the guard that fails a call to the outside made inside a transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from payments.stripe_checkout import StripePayments
from tests.e2e.stripe.stripe_support import BASE_URL
from tests.fakes.stripe_api import FakeStripe, client_for, serve
from tests.tx_guard import no_network_in_transactions

__all__ = ["no_network_in_transactions"]


@pytest.fixture(autouse=True)
def _guarded(no_network_in_transactions: object) -> None:
    """No call to Stripe (or anything else outside) while a transaction is open."""


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[tuple[FakeStripe, str]]:
    fake = FakeStripe()
    with serve(fake) as url:
        yield fake, url


@pytest.fixture
def fake_stripe(stripe_server: tuple[FakeStripe, str]) -> FakeStripe:
    fake, _ = stripe_server
    fake.reset()
    return fake


@pytest.fixture
def payments(stripe_server: tuple[FakeStripe, str], fake_stripe: FakeStripe) -> StripePayments:
    _, url = stripe_server
    return StripePayments(client_for(url), BASE_URL)
