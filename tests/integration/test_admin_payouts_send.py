"""`soko admin payouts --send` through the real command line when M-Pesa payouts are off or
half set, and the payout jobs the M-Pesa settings declare (the weekly run, the status
queries): what the operator reads and when each job runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.cli import main
from bot.container import Container
from bot.mpesa_payouts import payout_jobs
from bot.settings import load_settings
from store.uow import UnitOfWorkFactory
from tests.fakes import daraja_api
from tests.fakes.daraja_api import make_certificate

OWNER = "+254711000001"
B2C_OFF = (
    "error: M-Pesa payouts are off: set MPESA_CONSUMER_KEY (with its shortcode), "
    "MPESA_INITIATOR_NAME, MPESA_INITIATOR_PASSWORD, MPESA_CERT_FILE and MPESA_CALLBACK_TOKEN\n"
)


@pytest.fixture
def db(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> UnitOfWorkFactory:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ADMIN_PHONES", OWNER)
    return UnitOfWorkFactory(engine)


def daraja_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "MPESA_API_BASE_URL": "http://127.0.0.1:9",
        "MPESA_CONSUMER_KEY": daraja_api.CONSUMER_KEY,
        "MPESA_CONSUMER_SECRET": daraja_api.CONSUMER_SECRET,
        "MPESA_SHORTCODE": daraja_api.SHORTCODE,
        "MPESA_PASSKEY": daraja_api.PASSKEY,
        "MPESA_CALLBACK_TOKEN": "t" * 40,
    }.items():
        monkeypatch.setenv(name, value)


def b2c_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    certificate = tmp_path / "cert.pem"
    certificate.write_bytes(make_certificate()[0])
    monkeypatch.setenv("MPESA_INITIATOR_NAME", daraja_api.INITIATOR_NAME)
    monkeypatch.setenv("MPESA_INITIATOR_PASSWORD", daraja_api.INITIATOR_PASSWORD)
    monkeypatch.setenv("MPESA_CERT_FILE", str(certificate))


@pytest.mark.usefixtures("db")
def test_with_m_pesa_off_send_says_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "payouts", "--send"]) == 2
    assert capsys.readouterr().err == B2C_OFF


@pytest.mark.usefixtures("db")
def test_with_only_the_buyers_side_set_send_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    daraja_keys(monkeypatch)
    assert main(["admin", "payouts", "--send", "shop-1"]) == 2
    assert capsys.readouterr().err == B2C_OFF


@pytest.mark.usefixtures("db")
def test_send_and_record_at_once_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    daraja_keys(monkeypatch)
    b2c_keys(monkeypatch, tmp_path)
    assert main(["admin", "payouts", "--send", "--record", "shop-1", "100", "SFG7XK2PQ1"]) == 1
    assert "one at a time" in capsys.readouterr().err


@pytest.mark.usefixtures("db")
def test_the_weekly_run_is_on_fridays_at_ten_in_nairobi_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    daraja_keys(monkeypatch)
    b2c_keys(monkeypatch, tmp_path)
    thursday = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

    container = Container(load_settings())
    try:
        jobs = {job.id: job for job in payout_jobs(container, lambda: thursday)}
    finally:
        container.close()
    assert set(jobs) == {"query_mpesa_payouts"}

    monkeypatch.setenv("MPESA_AUTO_PAYOUTS", "true")
    container = Container(load_settings())
    try:
        jobs = {job.id: job for job in payout_jobs(container, lambda: thursday)}
    finally:
        container.close()
    weekly = jobs["mpesa_weekly_payouts"].trigger.get_next_fire_time(None, thursday)
    assert weekly is not None
    assert weekly.astimezone(UTC) == datetime(2026, 12, 4, 7, 0, tzinfo=UTC)  # 10:00 EAT
    query = jobs["query_mpesa_payouts"].trigger
    assert isinstance(query, IntervalTrigger)
    assert query.interval == timedelta(minutes=1)  # each payout is asked about 10 min on
