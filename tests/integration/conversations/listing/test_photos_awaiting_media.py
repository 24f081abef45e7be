"""Photos recorded before they are in (`handlers.awaiting_media`), as transcripts: she sends a
photo and then words; the photo is fetched afterwards, outside any transaction. Her words wait
behind it, in her order; a photo that does not come is retried, then given up kindly in her
language; a stop mid-fetch leaves it waiting for the next start; a photo that hangs holds up
nobody else."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from conversations.engine import Outcome
from handlers.awaiting_media import AwaitingMedia, MediaGone, MediaNotYet, MediaWorker, park
from store.models import Channel, InboxMessage, InboxStatus
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.listing_support import photo, photo_rows, products_of, seller

KEY = "telegram_photo"
ASK_MORE = "More photos, or done?\n1. Done\n2. Add more"
ASK_TITLE = "What is the piece called? For example: Blue glass bead necklace"
WAIT_SECONDS = 60.0  # generous: no timing is asserted, only that it happens


def eventually(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.05)


class Files:
    """The platform's files: `flaky` fail that many times first, `gone` never come, `held`
    wait until released."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.flaky: dict[str, int] = {}
        self.gone: set[str] = set()
        self.held: dict[str, threading.Event] = {}
        self.holding = threading.Event()
        self.fetches: list[str] = []

    def fetch(self, item: dict[str, Any]) -> bytes:
        file_id = str(item["file_id"])
        self.fetches.append(file_id)
        if file_id in self.held:
            self.holding.set()
            self.held[file_id].wait(WAIT_SECONDS)
        if file_id in self.gone:
            raise MediaGone("no such file")
        if self.flaky.get(file_id, 0) > 0:
            self.flaky[file_id] -= 1
            raise MediaNotYet("timed out")
        return self.data[file_id]


def awaiting(chat: Chat, files: Files, **kwargs: Any) -> AwaitingMedia:
    return AwaitingMedia(
        Channel.TELEGRAM,
        KEY,
        chat.uow_factory,
        lambda: chat.engine,
        chat.intake,
        files,
        retry_pauses=(0.0, 0.0),
        **kwargs,
    )


def send_photo(chat: Chat, files: Files, file_id: str, data: bytes | None = None) -> int:
    """She sends a photo: recorded at once, awaiting it (as the Telegram receiver does)."""
    files.data[file_id] = data if data is not None else photo(len(files.data) + 1)
    recorded = chat.record(chat.inbound())
    with chat.uow_factory() as uow:
        park(uow.session, recorded.inbox_id, KEY, [{"file_id": file_id, "file_size": None}])
        uow.commit()
    return recorded.inbox_id


def status_of(chat: Chat, inbox_id: int) -> InboxStatus:
    with chat.uow_factory(read_only=True) as uow:
        return uow.session.get_one(InboxMessage, inbox_id).status


def test_her_words_wait_behind_her_photo_and_come_after_it(new_chat: Callable[..., Chat]) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    files = Files()
    files.flaky["f1"] = 2  # Telegram times out twice, then serves it
    photo_id = send_photo(chat, files, "f1")
    before = chat.last_outbox_id()

    assert chat.send("done") == []  # waits behind her photo
    assert chat.results[-1].outcome is Outcome.DEFERRED
    awaiting(chat, files).process(photo_id)

    assert chat.answers_since(before) == [f"Photo received (1 of 5).\n{ASK_MORE}", ASK_TITLE]
    assert files.fetches == ["f1", "f1", "f1"]
    [product] = products_of(chat)
    assert len(photo_rows(chat, product.id)) == 1


def test_a_photo_that_never_comes_is_given_up_kindly_in_her_language(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "neema", swahili=True)
    chat.send("Weka bidhaa mpya")
    files = Files()
    files.flaky["f1"] = 99  # never served, however often asked
    photo_id = send_photo(chat, files, "f1")
    before = chat.last_outbox_id()

    awaiting(chat, files).process(photo_id)

    assert chat.answers_since(before) == ["Picha yako haikufika. Tafadhali itume tena."]
    assert files.fetches == ["f1"] * 3  # the first try and two more, then given up
    assert status_of(chat, photo_id) is InboxStatus.HANDLED
    assert chat.send("tayari") == ["Kwanza tuma angalau picha moja ya bidhaa."]


def test_a_photo_the_platform_will_not_serve_is_not_retried(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    files = Files()
    files.gone.add("f1")
    photo_id = send_photo(chat, files, "f1")
    before = chat.last_outbox_id()

    awaiting(chat, files).process(photo_id)

    assert chat.answers_since(before) == ["Your photo did not arrive. Please send it again."]
    assert files.fetches == ["f1"]


def test_a_stop_mid_fetch_leaves_the_photo_waiting_for_the_next_start(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    files = Files()
    files.flaky["f1"] = 1  # the fetch is cut short (here: fails) as the process stops
    stopping = threading.Event()
    photo_id = send_photo(chat, files, "f1")
    stopping.set()

    result = awaiting(chat, files, stopping=stopping).process(photo_id)

    assert result.outcome is Outcome.HANDED_BACK
    assert status_of(chat, photo_id) is InboxStatus.AWAITING_MEDIA
    with chat.uow_factory(read_only=True) as uow:
        payload = uow.session.get_one(InboxMessage, photo_id).payload
    assert payload[KEY] == [{"file_id": "f1", "file_size": None}]  # untouched
    before = chat.last_outbox_id()

    awaiting(chat, files).sweep()  # the next start

    assert chat.answers_since(before) == [f"Photo received (1 of 5).\n{ASK_MORE}"]
    assert status_of(chat, photo_id) is InboxStatus.HANDLED


def test_an_album_fetched_by_several_threads_is_one_listing_in_order(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "wanjiku")
    chat.send("List a piece")
    files = Files()
    album = [photo(61), photo(62), photo(63)]
    ids = []
    for n, data in enumerate(album):
        ids.append(send_photo(chat, files, f"a{n}", data))
    worker = MediaWorker(awaiting(chat, files), threads=3)
    before = chat.last_outbox_id()

    worker.submit(ids)
    eventually(lambda: all(status_of(chat, i) is InboxStatus.HANDLED for i in ids))
    worker.close()

    answers = chat.answers_since(before)
    assert answers[-1].startswith("Photo received (3 of 5).")
    assert sorted(files.fetches) == ["a0", "a1", "a2"]  # each fetched once
    [product] = products_of(chat)
    rows = photo_rows(chat, product.id)
    assert [row.position for row in rows] == [0, 1, 2]


def test_a_photo_that_hangs_holds_up_nobody_else(new_chat: Callable[..., Chat]) -> None:
    amina = seller(new_chat, "amina")
    amina.send("List a piece")
    neema = seller(new_chat, "neema")
    neema.send("List a piece")
    files = Files()
    files.held["slow"] = threading.Event()
    worker = MediaWorker(awaiting(amina, files), threads=2)
    slow = send_photo(amina, files, "slow")
    quick = send_photo(neema, files, "quick")
    before = neema.last_outbox_id()

    worker.submit([slow, quick])
    assert files.holding.wait(WAIT_SECONDS)
    eventually(lambda: status_of(neema, quick) is InboxStatus.HANDLED)

    assert neema.answers_since(before) == [f"Photo received (1 of 5).\n{ASK_MORE}"]
    assert status_of(amina, slow) is InboxStatus.AWAITING_MEDIA  # still on its way
    files.held["slow"].set()
    eventually(lambda: status_of(amina, slow) is InboxStatus.HANDLED)
    worker.close()
    assert amina.answers_since(before)[-1] == f"Photo received (1 of 5).\n{ASK_MORE}"


def test_an_album_that_hangs_holds_up_nobody_else_on_fewer_threads(
    new_chat: Callable[..., Chat],
) -> None:
    amina = seller(new_chat, "amina")
    amina.send("List a piece")
    neema = seller(new_chat, "neema")
    neema.send("List a piece")
    files = Files()
    files.held["a0"] = threading.Event()
    worker = MediaWorker(awaiting(amina, files), threads=2)
    album = [send_photo(amina, files, f"a{n}") for n in range(3)]
    quick = send_photo(neema, files, "quick")
    before = neema.last_outbox_id()

    worker.submit([*album, quick])
    assert files.holding.wait(WAIT_SECONDS)
    eventually(lambda: status_of(neema, quick) is InboxStatus.HANDLED)

    assert neema.answers_since(before) == [f"Photo received (1 of 5).\n{ASK_MORE}"]
    assert [status_of(amina, i) for i in album] == [InboxStatus.AWAITING_MEDIA] * 3
    files.held["a0"].set()
    eventually(lambda: all(status_of(amina, i) is InboxStatus.HANDLED for i in album))
    worker.close()
    assert amina.answers_since(before)[-1].startswith("Photo received (3 of 5).")
    assert sorted(files.fetches) == ["a0", "a1", "a2", "quick"]  # each fetched once
