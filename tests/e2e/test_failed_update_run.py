"""A step that fails in a real `soko run`: her saved conversation is one an older version of
the code left (the cart's quantity question without the piece it was about), and her answer
makes the step fail. She is answered at once and starts again from the menu; her next message
is handled as usual; the owner (a community manager) is alerted in chat; `soko admin failed`
lists the row; nothing she wrote reaches the log or the alert."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from store.db import make_engine
from store.models import Channel, ConversationState, Identity
from tests.e2e.chat_people import TelegramPerson, WhatsAppPerson
from tests.e2e.operator_env import Fakes
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, soko
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN

GRACE = "+254711000001"  # the owner, on WhatsApp
AMINA_TELEGRAM = 92101
SORRY = "Sorry, something went wrong on our side. Let's start again from the menu."


def leave_an_old_state(database_url: str, platform_user_id: int) -> None:
    """Her conversation as an older version might have saved it: at the cart's quantity
    question, without the piece ("pid") it asks about."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            user_id = connection.execute(
                select(Identity.user_id).where(
                    Identity.channel == Channel.TELEGRAM,
                    Identity.platform_user_id == str(platform_user_id),
                )
            ).scalar_one()
            connection.execute(
                update(ConversationState)
                .where(ConversationState.user_id == user_id)
                .values(flow="cart", step="quantity", data={"flow_data": {}})
            )
    finally:
        engine.dispose()


def test_a_failing_step_is_answered_at_once_and_the_managers_alerted(
    tmp_path: Path, fakes: Fakes
) -> None:
    shop = fakes.operator_env(tmp_path, port=free_port(), ADMIN_PHONES="0711 000 001")
    database = ShopDatabase(shop.database_url)
    grace = WhatsAppPerson("Grace", GRACE, fakes.twilio, database, shop.url)
    amina = TelegramPerson("Amina", AMINA_TELEGRAM, fakes.telegram, database)

    with SokoProcess(shop, "run") as run:
        assert grace.say("Hi")[-1].startswith("You are now one of this shop's")
        amina.say("Hi")
        amina.say("1")
        menu = amina.say("menu")
        leave_an_old_state(shop.database_url, AMINA_TELEGRAM)

        assert amina.say("3") == [SORRY, *menu]
        [alert] = [m for m in grace.told("Soko alert") if "Soko alert" in m]
        assert "since the last alert: 1. Latest: KeyError at cart.py:" in alert
        assert amina.say("menu") == menu  # her next message, handled as usual

    listed = soko(shop, "admin", "failed")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "1 update(s) parked as failed; newest first:"
    assert "telegram  KeyError at cart.py:" in lines[2]
    log = run.logged()
    assert "parked): KeyError at cart.py:" in log
    assert "Traceback" not in log
    assert TOKEN not in log
