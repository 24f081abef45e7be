"""The guard of the rule "no network inside a transaction" catches what it should, and
only that."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine, text

from store.uow import UnitOfWorkFactory
from tests.tx_guard import NetworkInTransaction, guarding


@pytest.fixture
def _no_network_in_transactions() -> None:
    """Not the suite-wide guard here: these tests make it see calls on purpose."""


def _unreachable(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text="ok")


def test_a_call_out_inside_a_unit_of_work_is_caught_and_one_after_it_is_not(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    uow_factory = UnitOfWorkFactory(sqlite_engine)
    client = httpx.Client(transport=httpx.MockTransport(_unreachable))
    with guarding(monkeypatch) as guard:
        with uow_factory() as uow:
            uow.session.execute(text("SELECT 1"))
            with pytest.raises(NetworkInTransaction):
                client.get("https://stripe.test/v1/checkout/sessions")
            uow.commit()
        assert client.get("https://stripe.test/after").status_code == 200
        with uow_factory(read_only=True) as uow:  # a read transaction counts too
            uow.session.execute(text("SELECT 1"))
            with pytest.raises(NetworkInTransaction):
                client.get("https://stripe.test/while-reading")
        assert client.get("https://stripe.test/after-reading").status_code == 200
    assert len(guard.violations) == 2
