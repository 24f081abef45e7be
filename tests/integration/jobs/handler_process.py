"""A worker that dies between recording an update and handling it, for the sweep tests:

    python handler_process.py DATABASE_URL MEDIA_DIR MODE

It records one update ("Hi" from a new person) in the inbox, commits, prints
``recorded <inbox id>`` and then, by MODE, either waits to be killed before handling it
(``after-record``), or starts handling it and waits to be killed inside the engine's unit of
work (``mid-handling``: the engine's clock, read once the row is locked, never returns).
"""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from bot.container import Container
from bot.settings import Settings
from bot.wiring import build_engine
from conversations.inbox import record_inbound
from conversations.messages import Inbound
from store.models import Channel

PLATFORM_USER = "killed-worker-person"


def main() -> None:
    database_url, media_dir, mode = sys.argv[1:4]
    container = Container(
        Settings(_env_file=None, database_url=database_url, media_dir=Path(media_dir))
    )
    inbound = Inbound(
        channel=Channel.TELEGRAM,
        platform_user_id=PLATFORM_USER,
        platform_message_id="update-1",
        text="Hi",
        locale_hint="en",
    )
    with container.uow_factory() as uow:
        recorded = record_inbound(uow.session, inbound, datetime.now(UTC))
        uow.commit()

    def stuck_clock() -> datetime:
        print("handling", flush=True)
        threading.Event().wait()  # until SIGKILL
        raise AssertionError("unreachable")

    print(f"recorded {recorded.inbox_id}", flush=True)
    if mode == "mid-handling":
        build_engine(container, clock=stuck_clock).handle(recorded.inbox_id)
    threading.Event().wait()


if __name__ == "__main__":
    main()
