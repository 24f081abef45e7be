"""`soko run` stopped (SIGTERM) while it handles what someone has just sent: a WhatsApp photo
still being downloaded from Twilio (the download ends while it stops, or never), a Telegram
photo still being fetched, a plain message. What was cut short is handed back without a word
to her: the process exits 0 within the time allowed and logs no error; she is not asked to
"try again" (doing so would send her photos twice); and the next start handles what she sent
exactly once."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.lifecycle import GRACE_SECONDS
from store.demo.pictures import draw_piece
from store.models import Category
from tests.e2e.chat_people import Person, TelegramPerson, WhatsAppPerson
from tests.e2e.operator_env import Fakes, OperatorEnv
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, wait_until
from tests.fakes.serving import free_port

pytestmark = pytest.mark.slow

AKINYI = "+254744000004"  # a seller on WhatsApp
AMINA_TELEGRAM = 93001  # a seller on Telegram
SORRY = "Sorry, something went wrong"
LEFT_OVER = "inbox: 1 update(s) from before the restart handled"


def open_shop(seller: Person) -> None:
    """The same answers on either channel (numbers pick from her menus)."""
    seller.say("Hi")
    seller.say("1")  # English
    seller.say("Sell your jewelry")
    for answer in ("Beads of Kisumu", "Kisumu", "0744 000 004"):
        seller.say(answer)
    assert seller.say("1")[0] == "Congratulations! Your shop Beads of Kisumu is open."


def two_photos() -> list[bytes]:
    return [draw_piece(Category.NECKLACE, seed=3 + n) for n in range(2)]


def quiet(log: str) -> None:
    """Stopped as it should: nothing logged as an error, no traceback."""
    assert "Traceback" not in log, log
    assert "ERROR" not in log, log


def handled_once_after_a_restart(run: SokoProcess, seller: Person, database: ShopDatabase) -> None:
    """Started again, the shop answers what she sent, once; and says in its log what it did."""
    with run:
        answers = seller.told("Photo received")
        wait_until(lambda: database.settled_after(0, 0), 60, "every update handled and sent")
        answers += seller.unread()
    [received] = [answer for answer in answers if "Photo received" in answer]
    assert received.startswith("Photo received (2 of 5).")
    assert not any(SORRY in answer for answer in answers)
    quiet(run.logged())
    assert LEFT_OVER in run.logged()


def whatsapp_seller(tmp_path: Path, fakes: Fakes) -> tuple[OperatorEnv, WhatsAppPerson]:
    shop = fakes.operator_env(tmp_path, port=free_port())
    akinyi = WhatsAppPerson(
        "Akinyi", AKINYI, fakes.twilio, ShopDatabase(shop.database_url), shop.url
    )
    return shop, akinyi


def stop_while(run: SokoProcess, meanwhile: Callable[[], None]) -> int:
    """SIGTERM; once the process says it is stopping, `meanwhile`; its exit status."""
    assert run.process is not None
    run.process.send_signal(signal.SIGTERM)
    wait_until(lambda: "stopping (SIGTERM)" in run.logged(), 10, "the process to stop")
    meanwhile()
    return run.stop(signal.SIGTERM).status  # (a second signal changes nothing)


def test_a_whatsapp_photo_whose_download_ends_while_stopping_is_handled_once_after_a_restart(
    tmp_path: Path, fakes: Fakes
) -> None:
    shop, akinyi = whatsapp_seller(tmp_path, fakes)
    run = SokoProcess(shop, "run")

    def answer_later() -> None:
        time.sleep(GRACE_SECONDS + 1)
        fakes.twilio.unhang()

    with run:
        open_shop(akinyi)
        fakes.twilio.hang_media()
        akinyi.send_photos_and_go(two_photos())
        wait_until(lambda: fakes.twilio.media_hung > 0, 30, "a photo downloading")
        # Twilio answers while the process is stopping, later than the few seconds it gives
        # work in flight: too late to go on with her photos.
        status = stop_while(run, answer_later)
    assert status == 0, run.log_tail()
    quiet(run.logged())
    assert akinyi.unread() == []  # no "Sorry, something went wrong. Please try again."

    handled_once_after_a_restart(run, akinyi, akinyi.database)


def test_a_whatsapp_photo_whose_download_never_ends_is_handled_once_after_a_restart(
    tmp_path: Path, fakes: Fakes
) -> None:
    shop, akinyi = whatsapp_seller(tmp_path, fakes)
    run = SokoProcess(shop, "run")
    with run:
        open_shop(akinyi)
        fakes.twilio.hang_media()
        akinyi.send_photos_and_go(two_photos())
        wait_until(lambda: fakes.twilio.media_hung > 0, 30, "a photo downloading")
        stopped = run.stop(signal.SIGTERM)  # within the time allowed, or the test fails
    fakes.twilio.unhang()
    assert stopped.status == 0, run.log_tail()
    quiet(run.logged())
    assert akinyi.unread() == []

    handled_once_after_a_restart(run, akinyi, akinyi.database)


def test_a_telegram_photo_being_fetched_at_sigterm_is_handled_once_after_a_restart(
    tmp_path: Path, fakes: Fakes
) -> None:
    shop = fakes.operator_env(tmp_path, port=free_port())
    database = ShopDatabase(shop.database_url)
    amina = TelegramPerson("Amina", AMINA_TELEGRAM, fakes.telegram, database)
    run = SokoProcess(shop, "run")
    with run:
        open_shop(amina)
        fakes.telegram.hang("getFile")
        amina.send_photos_and_go(two_photos())
        wait_until(lambda: fakes.telegram.hung_calls("getFile") > 0, 30, "a photo being fetched")
        stopped = run.stop(signal.SIGTERM)
    fakes.telegram.unhang()
    assert stopped.status == 0, run.log_tail()
    quiet(run.logged())
    assert amina.unread() == []

    with run:  # Telegram sends the album again: it was never recorded
        answers = amina.told("Photo received (2 of 5)")
        wait_until(lambda: database.settled_after(0, 0), 60, "every update handled and sent")
        answers += amina.unread()
    received = [a for a in answers if a.startswith("Photo received")]
    assert [a.split(".")[0] for a in received] == [
        "Photo received (1 of 5)",
        "Photo received (2 of 5)",
    ]
    assert not any(SORRY in answer for answer in answers)
    quiet(run.logged())


def test_a_whatsapp_message_sent_as_the_shop_stops_is_answered_once(
    tmp_path: Path, fakes: Fakes
) -> None:
    """Whether SIGTERM finds it being handled or not yet handled, she gets one answer."""
    shop, akinyi = whatsapp_seller(tmp_path, fakes)
    run = SokoProcess(shop, "run")
    with run:
        open_shop(akinyi)
        akinyi.say_and_go("My pieces")
        stopped = run.stop(signal.SIGTERM)
    assert stopped.status == 0, run.log_tail()
    quiet(run.logged())

    with run:
        wait_until(lambda: akinyi.database.settled_after(0, 0), 60, "every update handled and sent")
        answers = akinyi.unread()
    assert len(answers) == 1, answers
    assert SORRY not in answers[0]
    quiet(run.logged())
