"""Fixtures: the fake Twilio API (one server for the session) and the web app wired to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.e2e.whatsapp.harness import ACCOUNT_SID, AUTH_TOKEN, WhatsApp, open_whatsapp
from tests.fakes.twilio_api import FakeTwilio, Served


@pytest.fixture(scope="session")
def twilio_server() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    with Served(fake.app()) as port:
        fake.port = port
        yield fake


@pytest.fixture
def fake_twilio(twilio_server: FakeTwilio) -> FakeTwilio:
    twilio_server.reset()
    return twilio_server


@pytest.fixture
def whatsapp(sqlite_engine: Engine, tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[WhatsApp]:
    yield from open_whatsapp(_url(sqlite_engine), tmp_path, fake_twilio)


@pytest.fixture
def whatsapp_demo_card(
    sqlite_engine: Engine, tmp_path: Path, fake_twilio: FakeTwilio
) -> Iterator[WhatsApp]:
    """The same, with PAYMENTS_DEMO on: buyers pay with the demo card."""
    yield from open_whatsapp(_url(sqlite_engine), tmp_path, fake_twilio, payments_demo=True)


@pytest.fixture
def whatsapp_on_both(engine: Engine, tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[WhatsApp]:
    yield from open_whatsapp(_url(engine), tmp_path, fake_twilio)


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)
