"""Owners by their numbers, end to end: a real `soko run` process with ADMIN_PHONES set,
the fake Twilio and the fake Telegram. Nothing is set up behind the bot's back: the owners
become community managers by writing from their numbers (WhatsApp) or sharing their own
contact (Telegram); the same number on both channels is one person; and
`soko admin payouts --record … --by <her WhatsApp number>` finds her."""

from __future__ import annotations

from pathlib import Path

from store.db import make_engine
from store.models import Channel, Role
from store.models.types import utcnow
from store.services import ledger, people
from store.uow import UnitOfWorkFactory
from tests.e2e.chat_people import TelegramPerson, WhatsAppPerson
from tests.e2e.operator_env import Fakes
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, soko
from tests.factories import (
    deliver_order,
    make_artisan,
    make_paid_order,
    make_product,
    make_user,
)
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN

GRACE = "+254711000001"  # an owner who uses WhatsApp, and later Telegram too
ACHIENG = "+254711000002"  # an owner who uses Telegram only
GRACE_TELEGRAM, ACHIENG_TELEGRAM = 91001, 91002


def test_owners_become_community_managers_by_their_numbers_on_both_channels(
    tmp_path: Path, fakes: Fakes
) -> None:
    # As an operator types them: local forms, a space after the comma.
    shop = fakes.operator_env(tmp_path, port=free_port(), ADMIN_PHONES="0711 000 001, 0711000002")
    assert soko(shop, "db", "upgrade").returncode == 0
    database = ShopDatabase(shop.database_url)
    grace_wa = WhatsAppPerson("Grace", GRACE, fakes.twilio, database, shop.url)
    grace_tg = TelegramPerson("Grace", GRACE_TELEGRAM, fakes.telegram, database)
    achieng = TelegramPerson("Achieng", ACHIENG_TELEGRAM, fakes.telegram, database)
    with SokoProcess(shop, "run") as run:
        # Grace writes on WhatsApp: she is an owner from her first message.
        first = grace_wa.say("Hi")
        assert first[0].startswith("Welcome to Soko!")
        assert first[-1].startswith("You are now one of this shop's owners on Soko")
        assert "Review listings" in grace_wa.say("1")[-1]

        # Achieng is on Telegram only: an owner once she shares her own contact.
        achieng.say("Hi")
        assert "Review listings" not in achieng.say("1")[-1]
        answers = achieng.share_own_contact(ACHIENG.removeprefix("+"))
        assert answers[0] == "Thanks — your number 0711 000002 is saved."
        assert answers[1].startswith("You are now one of this shop's owners on Soko")
        assert "[Review listings]" in answers[2]

        # Grace on Telegram too: her own contact makes her one person, an owner already.
        grace_tg.say("Hi")
        answers = grace_tg.share_own_contact(GRACE.removeprefix("+"))
        assert answers[0] == "Thanks — your number 0711 000001 is saved."
        assert "[Review listings]" in answers[1]
    assert "Traceback" not in run.logged()
    assert fakes.twilio.auth_token not in run.logged()
    assert TOKEN not in run.logged()

    db = UnitOfWorkFactory(make_engine(shop.database_url))
    with db() as uow:
        s = uow.session
        grace_user = people.user_for_identity(s, Channel.WHATSAPP, GRACE)
        assert grace_user is not None
        assert {i.channel for i in grace_user.identities} == {Channel.WHATSAPP, Channel.TELEGRAM}
        assert {r.role for r in grace_user.roles} == {Role.OWNER, Role.COMMUNITY_MANAGER}
        # An artisan with a sale to be paid out (the sale itself is not this test's subject).
        seller = make_artisan(s)
        order = make_paid_order(s, make_user(s), [(make_product(s, seller), 1)])
        ledger.record_sale(s, order)
        deliver_order(s, order, utcnow())  # received by the buyer: payable
        slug = seller.slug
        uow.commit()
    db.engine.dispose()
    recorded = soko(shop, "admin", "payouts", "--record", slug, "100", "QK12ABC9", "--by", GRACE)
    assert recorded.returncode == 0, recorded.stderr
    assert f"recorded payout 1: 100.00 KES to {slug} (QK12ABC9)" in recorded.stdout
