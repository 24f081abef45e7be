"""The webhook path under fire: `soko web` runs as a process; 1,000 updates are posted to
`POST /webhooks/telegram`, each twice in parallel, and whatever is not answered 200 is posted
again (as Telegram does), while the process is SIGKILLed at random points and restarted.
Afterwards every update is recorded once and handled once — each person's conversation moved
exactly one step per update, every update answered — and none is lost: what a killed worker
recorded but never handled is handled by the next one when it starts."""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.container import Container
from store.models import ConversationState, InboxMessage, OutboxMessage, User
from tests.e2e.operator_env import operator_env
from tests.e2e.shop_database import ShopDatabase
from tests.e2e.soko_process import SokoProcess, wait_until
from tests.e2e.telegram.telegram_support import WEBHOOK_SECRET
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import BOT_ID, TOKEN, FakeTelegram, text, user

pytestmark = pytest.mark.slow

UPDATES = 1000
PEOPLE = 100
KILLS = 4
IN_FLIGHT = 24  # updates being delivered at once (each as two parallel requests)
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def updates_to_post() -> list[dict[str, Any]]:
    rng = random.Random(20251126)
    people = [user(20_000 + n, f"Person {n}", rng.choice(["en", "sw"])) for n in range(PEOPLE)]
    return [{"update_id": 900_000 + n, **text(people[n % PEOPLE], "menu")} for n in range(UPDATES)]


def post_until_answered(port: int, update: dict[str, Any]) -> int:
    """Post like Telegram: again, after a growing pause, until the answer is 200. Returns
    the tries."""
    body = json.dumps(update).encode()
    headers = {"Content-Type": "application/json", HEADER: WEBHOOK_SECRET}
    tries = 0
    pause = 0.05
    while True:
        tries += 1
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("POST", "/webhooks/telegram", body, headers)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return tries
        except (OSError, http.client.HTTPException):  # the worker died, or is not up yet
            pass
        finally:
            connection.close()
        time.sleep(pause)
        pause = min(pause * 2, 0.4)


def feed_while_killing(worker: SokoProcess, port: int, updates: list[dict[str, Any]]) -> int:
    """Post every update twice in parallel; SIGKILL the worker whenever the number of answered
    posts passes one of KILLS random marks, and start it again at once. Returns the requests
    made. (Plain threads and http.client: an async client would cost this test more CPU than
    the worker it tests.)"""
    rng = random.Random(1126)
    marks = sorted(rng.sample(range(100, 2 * UPDATES - 100), KILLS))
    answered = threading.Condition()
    posts_answered = 0
    requests = 0

    def post(update: dict[str, Any]) -> None:
        nonlocal posts_answered, requests
        tries = post_until_answered(port, update)
        with answered:
            posts_answered += 1
            requests += tries
            answered.notify_all()

    def killer() -> None:
        for mark in marks:
            with answered:
                answered.wait_for(lambda: posts_answered >= mark)  # noqa: B023
            time.sleep(rng.uniform(0, 0.05))  # somewhere past the mark
            worker.kill()
            worker.start()

    with ThreadPoolExecutor(max_workers=2 * IN_FLIGHT) as pool:
        killing = pool.submit(killer)
        posts = [pool.submit(post, update) for update in updates for _ in range(2)]
        for done in [killing, *posts]:
            done.result()
    return requests


def count(container: Container, model: type, *where: Any) -> int:
    with container.uow_factory(read_only=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_killed_web_workers_lose_nothing_and_handle_each_update_once(
    container: Container,
    fake_telegram: FakeTelegram,
    telegram_server: tuple[FakeTelegram, str],
    tmp_path: Path,
) -> None:
    _, api_url = telegram_server
    shop = operator_env(
        tmp_path,
        telegram_url=api_url,
        port=free_port(),
        DATABASE_URL=container.settings.database_url,
        MEDIA_DIR=str(container.settings.media_dir),
        PUBLIC_BASE_URL="http://shop.test",
        ALLOWED_HOSTS="127.0.0.1",  # where the test posts Telegram's updates
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        # Its people post many updates at once: floods, whose held answers the next update
        # replaces by design. The test is about kills, so every update must be answered.
        FLOOD_MESSAGES="1000000",
    )
    assert shop.port is not None
    database = ShopDatabase(shop.database_url)
    worker = SokoProcess(shop, "-v", "web")  # `soko web` in webhook mode, killed and restarted
    updates = updates_to_post()
    started = time.monotonic()
    worker.start()
    try:
        requests = feed_while_killing(worker, shop.port, updates)
        fed = time.monotonic() - started
        all_handled = "every recorded update handled"
        wait_until(lambda: database.counts()["handled"] == UPDATES, 120, all_handled)
        settled = time.monotonic() - started
    finally:
        worker.kill()
    logs = worker.logged()
    swept = sum(
        int(n) for n in re.findall(r"inbox: (\d+) update\(s\) from before the restart", logs)
    )
    print(
        f"\n{UPDATES} updates posted twice in {fed:.1f}s ({requests} requests), all handled "
        f"after {settled:.1f}s; {KILLS} kills; {swept} recorded but unhandled at a kill, "
        "handled by the next worker at its start"
    )

    with container.uow_factory(read_only=True) as uow:
        session = uow.session
        inbox = session.execute(
            select(InboxMessage.platform_id, InboxMessage.id, InboxMessage.error)
        ).all()
        dedupe_keys = session.execute(select(OutboxMessage.dedupe_key)).scalars().all()
        versions = session.execute(select(ConversationState.version)).scalars().all()
    # Recorded once each, none lost.
    expected = {f"{BOT_ID}:{update['update_id']}" for update in updates}
    assert sorted(platform_id for platform_id, _, _ in inbox) == sorted(expected)
    assert [error for _, _, error in inbox if error] == []  # nothing failed on the way
    # Handled once each: every person's conversation took exactly one step per update.
    assert count(container, User) == PEOPLE
    assert sorted(versions) == [UPDATES // PEOPLE] * PEOPLE
    # Every update answered, and no apology for a failure among the answers.
    answered = {key.split(":")[1] for key in dedupe_keys if key}
    assert answered == {str(inbox_id) for _, inbox_id, _ in inbox}
    assert not [key for key in dedupe_keys if key and key.endswith(":sorry")]
    assert "engine failed" not in logs
    assert TOKEN not in logs
    assert TOKEN.split(":")[1] not in logs
