"""A photo that takes long never holds up anyone else, end to end: a real `soko run` (polling)
against the fake Bot API, its photos in S3 (moto behind `FaultyS3`) or on disk.

An artisan sends photos and, at once, "done"; meanwhile S3 (or Telegram's getFile) hangs.
Someone else writes to the shop and is answered while the hang is still in effect (nothing
here is timed: the hang is released only after her answer was seen). Then her photos go
through and her flow goes on in the order she wrote: the photos received, then "done". A
photo Telegram will not serve gets a kind word in her language. People only write, tap,
share their contact and send photos."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from conversations.i18n import Translator
from store.demo.pictures import draw_piece
from store.models import Category
from tests.e2e.chat_people import TelegramPerson
from tests.e2e.operator_env import Fakes, OperatorEnv
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, wait_until
from tests.e2e.telegram.telegram_support import WEBHOOK_SECRET
from tests.e2e.telegram.test_webhook_durability import post_until_answered
from tests.fakes.s3_api import FaultyS3, Mode, faulty_s3
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import photo, text, user

BUCKET = "soko-media"
HANG_SECONDS = 120.0  # the longest the test waits for anything while the hang lasts
EN, SW = Translator("en"), Translator("sw")


@pytest.fixture(scope="module")
def s3() -> Iterator[FaultyS3]:
    with faulty_s3() as server:
        boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        ).create_bucket(Bucket=BUCKET)
        yield server


def shop_on_s3(folder: Path, fakes: Fakes, s3: FaultyS3) -> OperatorEnv:
    return fakes.operator_env(
        folder,
        port=free_port(),
        MEDIA_STORE="s3",
        S3_BUCKET=BUCKET,
        S3_ENDPOINT_URL=s3.endpoint,
        S3_ACCESS_KEY_ID="test",
        S3_SECRET_ACCESS_KEY="test",
    )


NAME = "Zawadi gift"  # names no kind nor material: the price is asked next


def open_shop(seller: TelegramPerson, language: str, phone: str) -> None:
    tr = Translator(language)._
    seller.say("/start")
    seller.tap("English" if language == "en" else "Kiswahili")
    seller.tap(tr("Sell your jewelry"))
    seller.say(f"{seller.name} Beads")
    seller.say("Kibera, Nairobi")
    seller.share_own_contact(phone)
    opened = seller.tap(tr("Yes, open my shop"))
    assert opened[0].startswith(tr("Congratulations! Your shop {shop} is open.")[:15]), opened


def photos_then_words(seller: TelegramPerson, pictures: list[bytes]) -> None:
    seller.unread()  # what she was told so far
    seller.send_photos_and_go(pictures)
    seller.say_and_go(NAME)  # the piece's name, without its price


def someone_else_is_answered_meanwhile(baraka: TelegramPerson) -> None:
    baraka.say_and_go("hi")
    baraka.told("Welcome to Soko!", timeout=HANG_SECONDS)


def assert_heard_in_order(seller: TelegramPerson, photos: int) -> None:
    """Her photos received, then her words answered with the next question, in that order."""
    price = EN._("What is your price for one piece, in shillings? For example: 1500")
    heard = seller.told(price, timeout=HANG_SECONDS)
    received = [n for n, said in enumerate(heard) if said.startswith("Photo received")]
    asked = [n for n, said in enumerate(heard) if said == price]
    assert received, heard
    assert asked, heard
    assert heard[received[-1]].startswith(f"Photo received ({photos} of 5)."), heard
    assert received[-1] < asked[0], heard
    assert not any("at least one photo" in said for said in heard), heard


def album_in_order(database: ShopDatabase) -> None:
    """The listing's photos are the album's, in the order she sent them."""
    sent = database.query(
        "SELECT payload FROM inbox WHERE status = 'handled' AND payload LIKE '%media_fetched%'"
        " ORDER BY id"
    )
    listed = database.query("SELECT sha256 FROM product_photos ORDER BY product_id, position")
    order = [json.loads(row[0])["photos"][0]["sha256"] for row in sent]
    assert [row[0] for row in listed] == order


def test_s3_hanging_on_her_album_does_not_stop_others_and_her_flow_goes_on_in_order(
    tmp_path: Path, fakes: Fakes, s3: FaultyS3
) -> None:
    shop = shop_on_s3(tmp_path, fakes, s3)
    database = ShopDatabase(shop.database_url)
    amina = TelegramPerson("Amina", 94001, fakes.telegram, database)
    baraka = TelegramPerson("Baraka", 94002, fakes.telegram, database)
    with SokoProcess(shop, "run") as run:
        open_shop(amina, "en", "254722000501")
        s3.mode = Mode.HANG
        album = [draw_piece(Category.NECKLACE, seed=70 + n) for n in range(2)]
        photos_then_words(amina, album)
        assert s3.holding.wait(HANG_SECONDS)  # her photo is on its way to S3, held

        someone_else_is_answered_meanwhile(baraka)

        assert s3.mode is Mode.HANG  # still hanging
        assert amina.unread() == []  # nothing yet: her photos first
        s3.release()
        assert_heard_in_order(amina, photos=2)
        album_in_order(database)
        assert "Traceback" not in run.logged()


def test_telegram_file_downloads_hanging_do_not_stop_others_and_her_flow_goes_on_in_order(
    tmp_path: Path, fakes: Fakes
) -> None:
    shop = fakes.operator_env(tmp_path, port=free_port())
    database = ShopDatabase(shop.database_url)
    amina = TelegramPerson("Amina", 94011, fakes.telegram, database)
    baraka = TelegramPerson("Baraka", 94012, fakes.telegram, database)
    with SokoProcess(shop, "run") as run:
        open_shop(amina, "en", "254722000511")
        fakes.telegram.hang("getFile")
        photos_then_words(amina, [draw_piece(Category.EARRINGS, seed=81)])
        wait_until(lambda: fakes.telegram.hung_calls("getFile") > 0, HANG_SECONDS, "getFile")

        someone_else_is_answered_meanwhile(baraka)

        assert fakes.telegram.hung_calls("getFile") > 0  # still hanging
        assert amina.unread() == []
        fakes.telegram.unhang()
        assert_heard_in_order(amina, photos=1)
        assert "Traceback" not in run.logged()


def test_a_photo_telegram_will_not_serve_gets_a_kind_word_in_her_language(
    tmp_path: Path, fakes: Fakes
) -> None:
    shop = fakes.operator_env(tmp_path, port=free_port())
    database = ShopDatabase(shop.database_url)
    zawadi = TelegramPerson("Zawadi", 94021, fakes.telegram, database, language="sw")
    with SokoProcess(shop, "run"):
        open_shop(zawadi, "sw", "254722000521")
        fakes.telegram.fail("getFile", 400)  # "file not found": it will never come

        answered = zawadi.send_photos([draw_piece(Category.RING, seed=91)])

        assert answered == ["Picha yako haikufika. Tafadhali itume tena."]
        again = zawadi.send_photos([draw_piece(Category.RING, seed=91)])
        assert again[0].startswith(SW._("Photo received ({count} of {max}).")[:15]), again


def awaiting_rows(database: ShopDatabase) -> int:
    return len(database.query("SELECT id FROM inbox WHERE status = 'awaiting_media'"))


def test_a_stop_while_her_photo_is_on_its_way_loses_nothing(tmp_path: Path, fakes: Fakes) -> None:
    shop = fakes.operator_env(tmp_path, port=free_port())
    database = ShopDatabase(shop.database_url)
    amina = TelegramPerson("Amina", 94031, fakes.telegram, database)
    with SokoProcess(shop, "run") as run:
        open_shop(amina, "en", "254722000531")
        fakes.telegram.hang("getFile")
        photos_then_words(amina, [draw_piece(Category.BRACELET, seed=95)])
        wait_until(lambda: fakes.telegram.hung_calls("getFile") > 0, HANG_SECONDS, "getFile")
        stopped = run.stop(signal.SIGTERM)
    assert stopped.status == 0, run.logged()
    assert "Traceback" not in run.logged()
    assert awaiting_rows(database) == 1  # her photo: still awaiting, its file id kept
    assert amina.unread() == []

    fakes.telegram.unhang()
    with run:  # the next start fetches it, then "done" is read after it
        assert_heard_in_order(amina, photos=1)
    assert awaiting_rows(database) == 0


def test_webhook_workers_fetch_photos_after_answering_and_others_are_answered_meanwhile(
    tmp_path: Path, fakes: Fakes
) -> None:
    """`soko web` (webhook mode) records and answers 200 at once, its media worker fetches
    the photo; `soko scheduler` delivers. (Her shop was opened earlier with `soko run`.)"""
    port = free_port()
    database_env = fakes.operator_env(tmp_path, port=port)
    database = ShopDatabase(database_env.database_url)
    amina = TelegramPerson("Amina", 94041, fakes.telegram, database)
    with SokoProcess(database_env, "run"):
        open_shop(amina, "en", "254722000541")
    shop = fakes.operator_env(
        tmp_path, port=port, TELEGRAM_MODE="webhook", TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET
    )
    baraka = user(94042, "Baraka")
    with SokoProcess(shop, "scheduler"), SokoProcess(shop, "web") as web:
        fakes.telegram.hang("getFile")
        amina.unread()
        file_id = fakes.telegram.add_file(draw_piece(Category.NECKLACE, seed=96))
        post_until_answered(port, {"update_id": 960_001, **photo(amina.user, file_id, 9_000)})
        post_until_answered(port, {"update_id": 960_002, **text(amina.user, NAME)})
        wait_until(lambda: fakes.telegram.hung_calls("getFile") > 0, HANG_SECONDS, "getFile")

        post_until_answered(port, {"update_id": 960_003, **text(baraka, "hi")})
        wait_until(lambda: fakes.telegram.sent_to(94042), HANG_SECONDS, "Baraka answered")

        assert fakes.telegram.hung_calls("getFile") > 0  # still hanging
        assert amina.unread() == []
        fakes.telegram.unhang()
        assert_heard_in_order(amina, photos=1)
        assert "Traceback" not in web.logged()
