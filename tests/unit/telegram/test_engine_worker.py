"""The Telegram engine worker hands queued updates to the engine in groups, in arrival order,
one group at a time however many threads it has, and loses none queued meanwhile."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any, cast

from conversations.engine import ChatEngine
from handlers.telegram.worker import GROUP_MAX, EngineWorker


class RecordingEngine:
    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.most_at_once = 0
        self._running = 0
        self._lock = threading.Lock()

    def handle_many(self, inbox_ids: Sequence[int]) -> list[Any]:
        with self._lock:
            self._running += 1
            self.most_at_once = max(self.most_at_once, self._running)
        time.sleep(0.001)  # long enough for the other threads to try their luck
        with self._lock:
            self.groups.append(list(inbox_ids))
            self._running -= 1
        return []


def test_groups_are_handled_in_arrival_order_one_at_a_time_and_none_is_lost() -> None:
    engine = RecordingEngine()
    worker = EngineWorker(lambda: cast(ChatEngine, engine), threads=4)
    for start in range(0, 2000, 37):  # as the poller submits each batch it records
        worker.submit(list(range(start, min(start + 37, 2000))))
    worker.close()  # waits for the threads

    handled = [inbox_id for group in engine.groups for inbox_id in group]
    assert handled == list(range(2000))
    assert engine.most_at_once == 1
    assert max(len(group) for group in engine.groups) <= GROUP_MAX
    assert len(engine.groups) < 2000 / 37  # batches queued meanwhile were taken together
