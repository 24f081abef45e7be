"""Fixtures for the Stripe end-to-end tests: one fake Stripe API per session (reset for each
test), the real stripe library pointed at it, and a shop database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from payments.stripe_checkout import StripePayments
from tests.e2e.stripe.stripe_support import BASE_URL
from tests.fakes.stripe_api import FakeStripe, client_for, serve


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
