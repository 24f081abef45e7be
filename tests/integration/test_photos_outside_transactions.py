"""Photos are processed and stored before any unit of work opens, and S3 in trouble stops nobody.

The shop runs on S3 (moto's server behind `tests/fakes/s3_api.FaultyS3`, which can hang and
fail). Each adapter that receives photos (the web emulator, the console, WhatsApp's processor,
Telegram's receiver) is driven with the transaction guard on (`tests/tx_guard.py`): an S3
call or the photo pipeline inside an open transaction fails the test.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from sqlalchemy import select
from telegram import Update

from conversations.bursts import GAP
from conversations.engine import ChatEngine
from conversations.flows import builtin_registry
from conversations.inbox import record_inbound
from conversations.messages import Inbound
from conversations.photo_records import StoredPhoto, photo_from_dict
from conversations.photos import PhotoIntake
from handlers.awaiting_media import AwaitingMedia
from handlers.console.channel import ConsoleChannel
from handlers.telegram.photos import MEDIA_KEY
from handlers.telegram.receiver import Receiver
from handlers.telegram.updates import PhotoToFetch
from handlers.web.emulator_channel import WebChat
from handlers.whatsapp.inbound import parse_update
from handlers.whatsapp.processing import WhatsAppProcessor, record_update
from store.demo.seed import seed_demo
from store.media.pipeline import PhotoLimits
from store.media.storage import S3MediaStore, s3_client_config
from store.models import Channel, Identity, InboxMessage, InboxStatus, ProductPhoto
from store.services import people
from store.uow import UnitOfWorkFactory
from tests.fakes.s3_api import FaultyS3, Mode, faulty_s3
from tests.fakes.telegram_api import photo as telegram_photo
from tests.fakes.telegram_api import user
from tests.integration.conversations.listing_support import photo
from tests.market_support import TEST_PRICING, make_market
from tests.tx_guard import Guard, no_network_in_transactions

__all__ = ["no_network_in_transactions"]

BUCKET = "soko-media"
NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
RECEIVED = "Photo received (1 of 5)."
SEND_AGAIN = "I could not save that photo just now. Please send it again."
SEND_AGAIN_SW = "Sikuweza kuhifadhi picha hiyo sasa hivi. Tafadhali itume tena."


@pytest.fixture(scope="module")
def s3_server() -> Iterator[FaultyS3]:
    with faulty_s3() as s3:
        yield s3


@pytest.fixture
def s3(s3_server: FaultyS3) -> Iterator[FaultyS3]:
    s3_server.release()
    s3_server.calls.clear()
    yield s3_server
    s3_server.release()


@pytest.fixture
def media(s3: FaultyS3, request: pytest.FixtureRequest) -> S3MediaStore:
    """The shop's media store as `bot.container` builds it (its timeouts included)."""
    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=s3_client_config(),
    )
    if BUCKET not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
        client.create_bucket(Bucket=BUCKET)
    s3.calls.clear()
    return S3MediaStore(client, BUCKET, "https://cdn.soko.example", prefix=f"{request.node.name}/")


@pytest.fixture
def intake(media: S3MediaStore) -> PhotoIntake:
    return PhotoIntake(media, PhotoLimits())


@pytest.fixture
def soko(uow_factory: UnitOfWorkFactory, tmp_path: Path) -> ChatEngine:
    return ChatEngine(uow_factory, builtin_registry(), make_market(tmp_path / "media"))


@pytest.fixture
def web(soko: ChatEngine, uow_factory: UnitOfWorkFactory, intake: PhotoIntake) -> WebChat:
    return WebChat(soko, uow_factory, intake, locale_hint="en")


def texts(chat: WebChat, person: str, after: int = 0) -> list[str]:
    """What was said, a joined message split back into its parts (`tests/said.py`)."""
    return [
        part
        for said in chat.news(person, after)
        if said.outbound
        for part in said.outbound.text.split(GAP)
    ]


def last_seen(chat: WebChat, person: str) -> int:
    return max((said.id for said in chat.news(person, 0)), default=0)


def open_shop(uow_factory: UnitOfWorkFactory, channel: Channel, person: str) -> None:
    with uow_factory() as uow:
        user_id = uow.session.execute(
            select(Identity.user_id).where(
                Identity.channel == channel, Identity.platform_user_id == person
            )
        ).scalar_one()
        people.register_artisan(
            uow.session,
            user_id,
            shop_name=f"{person.title()} Beads",
            location="Kibera, Nairobi",
            story="I make necklaces from glass beads.",
            mpesa_phone="0712000001",
            referral_code=None,
            now=NOW,
        )
        uow.commit()


def web_seller(chat: WebChat, uow_factory: UnitOfWorkFactory, person: str, lang: str) -> None:
    """Someone who greeted the bot in her language and opened a shop."""
    chat.send(person, "msg00000001", text="Habari" if lang == "sw" else "Hi", locale_hint=lang)
    chat.send(person, "msg00000002", payload=f"lang:{lang}")
    open_shop(uow_factory, Channel.WEB, person)


def stored_photos(uow_factory: UnitOfWorkFactory) -> list[ProductPhoto]:
    with uow_factory(read_only=True) as uow:
        return list(uow.session.scalars(select(ProductPhoto)))


# --- no S3 call and no pipeline inside a transaction, whichever adapter received the photo ---


def test_a_photo_sent_in_the_web_emulator_is_stored_before_its_unit_of_work(
    web: WebChat,
    uow_factory: UnitOfWorkFactory,
    media: S3MediaStore,
    s3: FaultyS3,
    no_network_in_transactions: Guard,
) -> None:
    web_seller(web, uow_factory, "wanjiru", "en")
    seen = last_seen(web, "wanjiru")

    web.send("wanjiru", "msg00000003", photos=[photo(1)])

    assert RECEIVED in texts(web, "wanjiru", seen)
    [stored] = stored_photos(uow_factory)
    # Was it received before? Then its renditions and the record that it was. No raw blob.
    assert [method for method, _, _ in s3.calls] == ["GET"] + ["PUT"] * (len(stored.keys) + 1)
    assert not any("incoming/" in path for _, path, _ in s3.calls)
    assert media.exists(stored.keys["large"])
    assert no_network_in_transactions.violations == []


def test_a_photo_sent_at_the_console_is_stored_before_its_unit_of_work(
    soko: ChatEngine,
    uow_factory: UnitOfWorkFactory,
    intake: PhotoIntake,
    media: S3MediaStore,
    no_network_in_transactions: Guard,
) -> None:
    said: list[str] = []
    console = ConsoleChannel(soko, uow_factory, intake, person="amina", write=said.append)
    console.send("Hi")
    console.send("English")
    open_shop(uow_factory, Channel.CONSOLE, "amina")

    console.send(photos=(photo(2),))

    assert RECEIVED in [part.strip() for message in said for part in message.split(GAP)]
    [stored] = stored_photos(uow_factory)
    assert media.exists(stored.keys["thumb"])
    assert no_network_in_transactions.violations == []


class StubMedia:
    """Twilio's media, as `MediaFetcher` would return it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.deleted: list[str] = []

    def fetch(self, url: str) -> tuple[bytes, str]:
        return self.data, "image/jpeg"

    def delete(self, url: str) -> None:
        self.deleted.append(url)


def test_a_whatsapp_photo_is_stored_before_the_row_is_updated(
    soko: ChatEngine,
    uow_factory: UnitOfWorkFactory,
    intake: PhotoIntake,
    media: S3MediaStore,
    no_network_in_transactions: Guard,
) -> None:
    twilio = StubMedia(photo(3))
    processor = WhatsAppProcessor(uow_factory, soko, intake, twilio)  # type: ignore[arg-type]
    phone = "+254712000003"

    def message(sid: str, body: str = "", media_url: str = "") -> int:
        form = {
            "From": f"whatsapp:{phone}",
            "MessageSid": f"SM{int(sid):032x}",
            "Body": body,
            "ProfileName": "Neema",
        }
        if media_url:
            form |= {"NumMedia": "1", "MediaUrl0": media_url, "MediaContentType0": "image/jpeg"}
        with uow_factory() as uow:
            recorded = record_update(uow.session, parse_update(form), NOW)
            uow.commit()
        processor.process(recorded.inbox_id)
        return recorded.inbox_id

    message("1", "Hi")
    message("2", "English")
    open_shop(uow_factory, Channel.WHATSAPP, phone)

    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME1"
    message("3", media_url=url)

    [stored] = stored_photos(uow_factory)
    assert media.exists(stored.keys["medium"])
    assert twilio.deleted == [url]  # her photo as sent, gone from Twilio
    assert no_network_in_transactions.violations == []


class StubFiles:
    """Telegram's files, as `TelegramFiles` would return them."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def fetch(self, item: dict[str, object]) -> bytes:
        return self.data


def test_a_telegram_photo_is_recorded_at_once_and_stored_outside_any_unit_of_work(
    soko: ChatEngine,
    uow_factory: UnitOfWorkFactory,
    intake: PhotoIntake,
    media: S3MediaStore,
    no_network_in_transactions: Guard,
) -> None:
    receiver = Receiver(None, uow_factory, "7000001", clock=lambda: NOW)  # type: ignore[arg-type]
    sent = Update.de_json({"update_id": 1, **telegram_photo(user(4242), "file-1", 90_000)}, None)
    assert sent is not None
    received = receiver.prepare(sent)
    assert received is not None
    assert received.incoming.photo == PhotoToFetch("file-1", 90_000)
    awaiting = AwaitingMedia(
        Channel.TELEGRAM, MEDIA_KEY, uow_factory, lambda: soko, intake, StubFiles(photo(4))
    )

    recorded = receiver.record([received])
    assert recorded.handle == []  # awaiting its photo: not for the engine yet
    [inbox_id] = recorded.fetch
    awaiting.process(inbox_id)

    with uow_factory(read_only=True) as uow:
        row = uow.session.get_one(InboxMessage, inbox_id)
        [stored] = [photo_from_dict(data) for data in row.payload["photos"]]
        assert row.status is InboxStatus.HANDLED
    assert isinstance(stored, StoredPhoto)
    assert media.exists(stored.record.keys["large"])
    assert no_network_in_transactions.violations == []


# --- S3 hanging or failing while a photo is stored -------------------------------------------


def test_s3_hanging_on_one_photo_does_not_stop_other_peoples_chats(
    web: WebChat, uow_factory: UnitOfWorkFactory, media: S3MediaStore, s3: FaultyS3
) -> None:
    web_seller(web, uow_factory, "wanjiru", "en")
    seen = last_seen(web, "wanjiru")
    s3.mode = Mode.HANG
    done = threading.Event()

    def send_photo() -> None:
        try:
            web.send("wanjiru", "msg00000003", photos=[photo(5)])
        finally:
            done.set()

    sender = threading.Thread(target=send_photo)
    sender.start()
    assert s3.holding.wait(timeout=30)  # her photo's first rendition is on its way to S3

    answered = web.send("baraka", "msg00000001", text="Hi")  # someone else, meanwhile

    assert answered.handled_now
    assert texts(web, "baraka")  # welcomed while S3 still holds her photo
    assert not done.is_set()
    s3.release()
    sender.join(timeout=60)
    # Nothing lost: her photo went through once S3 answered.
    assert RECEIVED in texts(web, "wanjiru", seen)
    [stored] = stored_photos(uow_factory)
    assert media.exists(stored.keys["large"])


def test_s3_failing_asks_her_kindly_in_her_language_and_her_next_try_is_kept(
    web: WebChat, uow_factory: UnitOfWorkFactory, media: S3MediaStore, s3: FaultyS3
) -> None:
    web_seller(web, uow_factory, "neema", "sw")
    seen = last_seen(web, "neema")
    s3.mode = Mode.FAIL

    web.send("neema", "msg00000003", photos=[photo(6)])

    assert texts(web, "neema", seen) == [SEND_AGAIN_SW]
    assert stored_photos(uow_factory) == []
    assert [mode for _, _, mode in s3.calls] == [Mode.FAIL] * 3  # botocore's retries, then no
    seen = last_seen(web, "neema")
    s3.release()

    web.send("neema", "msg00000004", photos=[photo(6)])

    assert texts(web, "neema", seen)[0].startswith("Picha imepokelewa (1 kati ya 5).")
    [stored] = stored_photos(uow_factory)
    assert media.exists(stored.keys["large"])


def test_a_photo_recorded_before_the_upgrade_as_a_raw_blob_is_asked_for_again(
    soko: ChatEngine, web: WebChat, uow_factory: UnitOfWorkFactory, s3: FaultyS3
) -> None:
    web_seller(web, uow_factory, "akinyi", "en")
    seen = last_seen(web, "akinyi")
    old = Inbound(Channel.WEB, "akinyi", "akinyi:old-row-1")
    with uow_factory() as uow:  # as an older version recorded it: a key, the bytes in S3
        recorded = record_inbound(uow.session, old, NOW)
        uow.session.get_one(InboxMessage, recorded.inbox_id).payload = {
            **old.content_dict(),
            "photos": ["incoming/" + "ab" * 32],
        }
        uow.commit()
    s3.calls.clear()

    soko.handle(recorded.inbox_id)

    assert texts(web, "akinyi", seen) == [SEND_AGAIN]
    assert s3.calls == []  # never fetched, never processed in the engine


def test_s3_never_answering_times_out_and_she_is_asked_to_send_the_photo_again(
    web: WebChat, uow_factory: UnitOfWorkFactory, s3: FaultyS3
) -> None:
    web_seller(web, uow_factory, "wanjiru", "en")
    seen = last_seen(web, "wanjiru")
    s3.mode = Mode.HANG  # and never released: only the client's own timeouts end the wait

    web.send("wanjiru", "msg00000003", photos=[photo(7)])

    assert texts(web, "wanjiru", seen) == [SEND_AGAIN]
    assert [mode for _, _, mode in s3.calls] == [Mode.HANG] * 3  # each try timed out
    assert stored_photos(uow_factory) == []


def test_the_demo_shop_stores_its_photos_before_its_unit_of_work(
    uow_factory: UnitOfWorkFactory,
    media: S3MediaStore,
    no_network_in_transactions: Guard,
) -> None:
    summary = seed_demo(uow_factory, media, TEST_PRICING, now=NOW)

    stored = stored_photos(uow_factory)
    assert len(stored) == summary.products
    assert all(media.exists(photo.keys["thumb"]) for photo in stored)
    assert no_network_in_transactions.violations == []
