"""`soko admin payouts --send` through the real command line when M-Pesa payouts are off or
half set, and the payout jobs the M-Pesa settings declare (the weekly run, the status
queries): what the operator reads and when each job runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, func, select

from bot.cli import main
from bot.container import Container
from bot.effects import effect_runner
from bot.mpesa_payouts import payout_jobs, run_payouts
from bot.settings import load_settings
from store.models import MpesaPayout, Role
from store.models.types import utcnow
from store.services import ledger, people
from store.uow import UnitOfWorkFactory
from tests.factories import (
    deliver_order,
    make_artisan,
    make_paid_order,
    make_product,
    make_user,
)
from tests.fakes import daraja_api
from tests.fakes.daraja_api import FakeDaraja, make_certificate

OWNER = "+254711000001"
DELIVERED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # her sale, received by the buyer
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


def b2c_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, certificate_pem: bytes = b"") -> None:
    certificate = tmp_path / "cert.pem"
    certificate.write_bytes(certificate_pem or make_certificate()[0])
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


def test_artisans_paid_in_another_currency_are_not_sent_m_pesa(
    db: UnitOfWorkFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with db() as uow:
        owner = make_user(uow.session, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        people.link_phone(uow.session, owner.id, OWNER)
        uow.commit()
    daraja_keys(monkeypatch)
    b2c_keys(monkeypatch, tmp_path)
    monkeypatch.setenv("ARTISAN_CURRENCY", "UGX")
    monkeypatch.setenv("FX_RATES", "UGX/USD=0.00027")
    assert main(["admin", "payouts", "--send"]) == 1
    assert capsys.readouterr().err == "error: M-Pesa pays in KES, and ARTISAN_CURRENCY is UGX\n"


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


def test_the_query_job_asks_about_a_payout_unanswered_ten_minutes_on(
    db: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The jobs and effects as `soko run` wires them: a payout run's request goes out, no
    result comes, and the scheduler's query job asks Daraja about it 10 minutes on."""
    fake = FakeDaraja.make()
    with daraja_api.serve(fake) as url:
        daraja_keys(monkeypatch)
        b2c_keys(monkeypatch, tmp_path, fake.certificate)
        monkeypatch.setenv("MPESA_API_BASE_URL", url)
        with db() as uow:
            artisan = make_artisan(uow.session)
            product = make_product(uow.session, artisan, price_minor=250_000, stock=1)
            order = make_paid_order(uow.session, make_user(uow.session), [(product, 1)])
            ledger.record_sale(uow.session, order)
            deliver_order(uow.session, order, DELIVERED_AT)  # payable once it arrived
            uow.commit()
            slug = artisan.slug
        sent_at = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)
        now = [sent_at]
        container = Container(load_settings())
        runner = effect_runner(container, clock=lambda: now[0])
        try:
            run_payouts(container, sent_at, [slug])
            assert runner.run_due() == 1
            [originator] = fake.payouts
            query = next(
                job
                for job in payout_jobs(container, lambda: now[0])
                if job.id == "query_mpesa_payouts"
            )
            now[0] = sent_at + timedelta(minutes=9)
            query.run()
            runner.run_due()
            assert fake.status_queries == []
            now[0] = sent_at + timedelta(minutes=11)
            query.run()
            runner.run_due()
        finally:
            container.close()
    [asked] = fake.status_queries
    assert asked.body["OriginalConversationID"] == originator
    assert asked.body["ResultURL"].endswith(f"/webhooks/mpesa/b2c/{'t' * 40}/status/{originator}")


def test_the_weekly_run_pays_nobody_when_artisans_are_paid_in_another_currency(
    db: UnitOfWorkFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    daraja_keys(monkeypatch)
    b2c_keys(monkeypatch, tmp_path)
    monkeypatch.setenv("MPESA_AUTO_PAYOUTS", "true")
    monkeypatch.setenv("ARTISAN_CURRENCY", "UGX")
    monkeypatch.setenv("FX_RATES", "UGX/USD=0.00027")
    with db() as uow:
        artisan = make_artisan(uow.session)
        product = make_product(uow.session, artisan, price_minor=250_000, stock=1)
        order = make_paid_order(uow.session, make_user(uow.session), [(product, 1)])
        ledger.record_sale(uow.session, order)
        deliver_order(uow.session, order, DELIVERED_AT)  # payable once it arrived
        uow.commit()
    container = Container(load_settings())
    try:
        [weekly] = [j for j in payout_jobs(container, utcnow) if j.id == "mpesa_weekly_payouts"]
        weekly.run()
    finally:
        container.close()
    assert "not run: ARTISAN_CURRENCY is not KES" in caplog.text
    with db(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(MpesaPayout)) == 0


def test_reconcile_asks_at_once_about_every_payout_in_flight(
    db: UnitOfWorkFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = FakeDaraja.make()
    with daraja_api.serve(fake) as url:
        daraja_keys(monkeypatch)
        b2c_keys(monkeypatch, tmp_path, fake.certificate)
        monkeypatch.setenv("MPESA_API_BASE_URL", url)
        with db() as uow:
            artisan = make_artisan(uow.session)
            product = make_product(uow.session, artisan, price_minor=250_000, stock=1)
            order = make_paid_order(uow.session, make_user(uow.session), [(product, 1)])
            ledger.record_sale(uow.session, order)
            deliver_order(uow.session, order, DELIVERED_AT)  # payable once it arrived
            uow.commit()
            slug = artisan.slug
        container = Container(load_settings())
        try:
            run_payouts(container, datetime.now(UTC), [slug])
            effect_runner(container).run_due()
        finally:
            container.close()
        [originator] = fake.payouts

        assert main(["admin", "reconcile"]) == 0
    assert "M-Pesa payouts in flight: 1 (status queries sent: 1; still to send: 0)" in (
        capsys.readouterr().out
    )
    [asked] = fake.status_queries
    assert asked.body["OriginalConversationID"] == originator
