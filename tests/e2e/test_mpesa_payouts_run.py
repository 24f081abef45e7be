"""Artisans paid by M-Pesa (B2C), from zero, on both databases.

`soko run` on the fake Telegram, Twilio and Daraja, with only the operator's settings (M-Pesa's
from `.env.example`, the demo card for the buyer). Two artisans open their shops and list a
piece, the owner approves them from WhatsApp, a buyer pays for both; then the operator runs
`soko admin payouts --send` (twice: the second run sends nothing), and M-Pesa answers through
the fake: Wanjiru is paid and told her M-Pesa code and balance; Akinyi's number is refused, the
owner is told what to do and her money stays owed; sent again, no result comes, and the
scheduler's query job, run as `soko scheduler` would run it 11 minutes later, asks M-Pesa:
paid once, and a late result changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.container import Container
from bot.effects import effect_runner
from bot.jobs import scheduled_jobs
from bot.plugin import ChannelPasses
from bot.settings import Settings
from conversations.i18n import Translator
from payments.mpesa.client import B2C_PATH
from store.demo.pictures import draw_piece
from store.models import Category
from store.models.types import utcnow
from tests.e2e.chat_people import TelegramPerson, WhatsAppPerson
from tests.e2e.operator_env import OperatorEnv
from tests.e2e.running_shop import running_shop
from tests.e2e.soko_process import soko
from tests.fakes import daraja_api
from tests.fakes.daraja_api import FakeDaraja

pytestmark = pytest.mark.slow

OWNER = "+254711000001"
WANJIRU = "+254733000003"
AKINYI = "+254744000004"
SHOPS = ("Vito vya Wanjiru", "Pembe za Akinyi")
EN, SW = Translator("en"), Translator("sw")


@pytest.fixture
def daraja() -> Iterator[tuple[FakeDaraja, str]]:
    fake = FakeDaraja.make()
    with daraja_api.serve(fake) as url:
        yield fake, url


def mpesa_settings(folder: Path, fake: FakeDaraja, url: str) -> dict[str, str]:
    """What the operator sets to pay artisans by M-Pesa (`docs/operations.md`)."""
    certificate = folder / "mpesa-cert.pem"
    certificate.write_bytes(fake.certificate)
    return {
        "MPESA_API_BASE_URL": url,
        "MPESA_CONSUMER_KEY": daraja_api.CONSUMER_KEY,
        "MPESA_CONSUMER_SECRET": daraja_api.CONSUMER_SECRET,
        "MPESA_SHORTCODE": daraja_api.SHORTCODE,
        "MPESA_PASSKEY": daraja_api.PASSKEY,
        "MPESA_INITIATOR_NAME": daraja_api.INITIATOR_NAME,
        "MPESA_INITIATOR_PASSWORD": daraja_api.INITIATOR_PASSWORD,
        "MPESA_CERT_FILE": str(certificate),
        "MPESA_CALLBACK_TOKEN": secrets.token_urlsafe(32),
    }


def opens_shop_and_lists(seller: TelegramPerson, shop: str, phone: str, title: str) -> None:
    seller.say("/start")
    seller.tap("Kiswahili")
    seller.tap(SW._("Sell your jewelry"))
    seller.say(shop)
    seller.say("Kibera, Nairobi")
    seller.share_own_contact(phone.removeprefix("+"))  # her M-Pesa number, and her own
    seller.tap(SW._("Yes, open my shop"))
    seller.send_photos([draw_piece(Category.NECKLACE, seed=len(title) + n) for n in range(2)])
    seller.say(f"{title} 1500")
    assert any("Asante!" in said for said in seller.choose(SW._("Submit for review")))


def owner_approves_both(owner: WhatsAppPerson) -> None:
    owner.say("menu")
    owner.choose(EN._("Review listings"))
    for _ in range(2):
        assert any("Approved: " in said for said in owner.choose(EN._("Approve")))


def buyer_pays_for_both(buyer: TelegramPerson) -> str:
    buyer.say("/start")
    buyer.tap("English")
    for words in ("shaba", "pembe"):
        buyer.tap(EN._("Search"))
        buyer.say(words)
        buyer.say("1")
        buyer.tap(EN._("Add to cart"))
    buyer.tap(EN._("Checkout"))
    buyer.say("Lena Fischer")
    buyer.say("Oranienstraße 25, 10999 Berlin")
    buyer.say("Germany")
    placed = buyer.tap(EN._("Place order"))
    code = placed[0].split(" ", 2)[1]
    assert buyer.tap("Pay now (demo card)")[0] == f"Payment received for {code}. Thank you!"
    return code


def owed(shop: OperatorEnv) -> dict[str, tuple[str, str]]:
    """`soko admin payouts`: the shops owed money, with their slug and amount."""
    listed = soko(shop, "admin", "payouts")
    assert listed.returncode == 0, listed.stderr
    return {
        name: (line.split()[0], line.split()[1])
        for line in listed.stdout.splitlines()
        for name in SHOPS
        if line.endswith(name)
    }


def send(shop: OperatorEnv, *slugs: str) -> str:
    sent = soko(shop, "admin", "payouts", "--send", *slugs)
    assert sent.returncode == 0, sent.stderr
    return sent.stdout


def query_job_minutes_later(shop: OperatorEnv, settings: dict[str, str], minutes: int) -> None:
    """The scheduler's payout query job and the effects it records, run in this process as
    `soko scheduler` would run them `minutes` from now (no waiting)."""
    later = utcnow() + timedelta(minutes=minutes)
    container = Container(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=shop.database_url,
            public_base_url=shop.url,
            **{name.lower(): value for name, value in settings.items()},
        )
    )
    try:
        jobs = scheduled_jobs(container, ChannelPasses(), clock=lambda: later)
        [job] = [job for job in jobs if job.id == "query_mpesa_payouts"]
        job.run()
        effect_runner(container, clock=lambda: later).run_due()
    finally:
        container.close()


def payout_to(fake: FakeDaraja, phone: str) -> list[str]:
    """The OriginatorConversationIDs of the B2C requests Daraja got for this number."""
    return [
        originator
        for originator, request in fake.payouts.items()
        if request.body["PartyB"] == phone.removeprefix("+")
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_payout_run_pays_once_tells_her_and_the_managers(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    daraja: tuple[FakeDaraja, str],
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    fake, daraja_url = daraja
    mpesa = mpesa_settings(tmp_path, fake, daraja_url)
    with running_shop(
        tmp_path,
        transcript=30,
        DATABASE_URL=engine.url.render_as_string(hide_password=False),
        PAYMENTS_DEMO="true",
        **mpesa,
    ) as running:
        shop, database, run = running.env, running.database, running.run
        owner = running.on_whatsapp("Grace", OWNER)
        wanjiru = running.on_telegram("Wanjiru", 6003, "sw")
        akinyi = running.on_telegram("Akinyi", 6004, "sw")
        lena = running.on_telegram("Lena", 6005, "de")

        owner.say("Hi")
        opens_shop_and_lists(wanjiru, "Vito vya Wanjiru", WANJIRU, "Mkufu wa shaba")
        opens_shop_and_lists(akinyi, "Pembe za Akinyi", AKINYI, "Mkufu wa pembe")
        owner_approves_both(owner)
        code = buyer_pays_for_both(lena)
        # Shares are payable when the pieces arrive: both send theirs, Lena receives them.
        for n, seller in enumerate((wanjiru, akinyi)):
            seller.told(f"Oda mpya {code}")
            seller.tap(SW._("Accept"))
            seller.tap(SW._("Mark shipped"))
            seller.tap("DHL")
            seller.say(f"JD01460000628{n}")
        lena.told(f"Everything in order {code} is on its way.")
        lena.say("received")
        wanjiru.told(SW._("Good news: the buyer received order {code}: {items}.")[:12])
        before = owed(shop)
        wanjiru_slug, wanjiru_owed = before["Vito vya Wanjiru"]
        akinyi_slug, akinyi_owed = before["Pembe za Akinyi"]

        # The same run twice: the second finds the money in flight and sends nothing.
        first = send(shop)
        assert f"queued {wanjiru_slug}: {wanjiru_owed} KES to 0733 000003" in first
        assert f"queued {akinyi_slug}: {akinyi_owed} KES to 0744 000004" in first
        second = send(shop)
        assert f"skipped {wanjiru_slug}: a payout to her is in flight" in second
        assert f"skipped {akinyi_slug}: a payout to her is in flight" in second
        [to_wanjiru], [to_akinyi] = payout_to(fake, WANJIRU), payout_to(fake, AKINYI)
        assert fake.calls(B2C_PATH) == 2

        # M-Pesa pays Wanjiru: she is told her M-Pesa code and her balance.
        receipt = fake.answer_payout(to_wanjiru, 0)["Result"]["TransactionID"]
        [told] = [said for said in wanjiru.told(receipt) if receipt in said]
        assert told.startswith("Tumekutumia Ksh")
        assert told.endswith("Salio lako sasa ni Ksh\xa00. Asante!")

        # Akinyi's number is refused: the owner is told what to do; the money stays hers.
        fake.answer_payout(to_akinyi, 2040)
        alert = owner.told("Soko alert: the M-Pesa payout")
        assert any(f"soko admin payouts --send {akinyi_slug}" in said for said in alert)
        after = owed(shop)
        assert "Vito vya Wanjiru" not in after
        assert after["Pembe za Akinyi"] == (akinyi_slug, akinyi_owed)
        listing = soko(shop, "admin", "payouts").stdout
        assert f"receipt {receipt}" in listing
        assert "failed: " in listing

        # Sent again, no result comes; the scheduler's query job asks M-Pesa 10 minutes
        # on (not before), and the answer settles it: paid once.
        assert f"queued {akinyi_slug}" in send(shop, akinyi_slug)
        [_, again] = payout_to(fake, AKINYI)
        query_job_minutes_later(shop, mpesa, 9)
        assert fake.status_queries == []
        query_job_minutes_later(shop, mpesa, 11)
        [asked] = fake.status_queries
        assert asked.body["OriginalConversationID"] == again
        status = fake.answer_status(-1)["Result"]["ResultParameters"]["ResultParameter"]
        [paid] = [item["Value"] for item in status if item["Key"] == "ReceiptNo"]
        akinyi.told(paid)
        fake.answer_payout(again, 0)  # the late result: nothing more
        assert owed(shop) == {}
        assert run.logged().count("mpesa payout callback: duplicate") == 1
        payouts = database.query("SELECT count(*) FROM ledger_transactions WHERE kind = 'payout'")
        assert payouts[0][0] == 2
