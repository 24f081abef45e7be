"""Starting and stopping the long-running commands: `soko run`, `soko web`, `soko scheduler`
(through `serve`), and the demo's web app (`run_until_stopped`).

Starting (`start`): the database is checked before anything touches it: created and migrated
when it does not exist or is empty, refused in one line when it is at another revision
(`store.migrate.prepare_database`); then the bot's username is asked of Telegram
(`bot.telegram_username`) and ADMIN_PHONES is applied (`bot.owners`). A token Telegram
refuses, at start or when a channel starts, stops the command in one line, exit status 1
(`bot.telegram_token`). `soko web` and `soko scheduler` wait for `soko db upgrade` on a
database at an older revision instead of refusing it (`soko web` listening meanwhile:
`bot.starting_gate`). Then `soko scheduler` and `soko run` take the scheduler lock, waiting
as a standby while another process holds it (`bot.leadership`); one that loses it stops,
exit status 1.

Stopping: SIGINT and SIGTERM set one `stop` event that every part of the process watches,
and the container's `stopping` flag that work in threads reads. Receivers stop taking
updates at once (what they did not record, the platform sends again; what they recorded and
did not handle, the sweep handles at the next start). Work in threads starts nothing new:
the engine hands back the updates it has not begun (and one that fails because the process
is stopping, without a word to the person), a WhatsApp message whose photos are still
downloading is left waiting for them. Each sender stops claiming, gives the sends in flight
`GRACE_SECONDS` to finish, then cancels them and hands their outbox rows back; the scheduler
gives its running jobs as long; the effect runner starts nothing new, gives the provider
calls in flight as long, and hands back the effects it claimed and did not start (due at
once for the next process, not after their two-minute lease). The web server waits for its
requests and their work after the answer (a download finishing, an update being handled)
rather than cancel them in a thread. Then the database is closed and the process exits with
status 0. A thread stuck in a call to a provider that does not answer cannot be cancelled:
should one still hold the process `DEADLINE_SECONDS` after the signal, it exits anyway (its
work was handed back).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

import uvicorn
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp

from bot.container import Container
from bot.leadership import LockLost, hold, take_lock
from bot.owners import sync_owners
from bot.telegram_token import TokenRefused
from bot.telegram_username import learn_bot_username
from store.leader import SchedulerLock, scheduler_lock
from store.migrate import UPGRADE_COMMAND, DatabaseBehind, DatabaseNotReady, prepare_database

logger = logging.getLogger(__name__)

GRACE_SECONDS = 3.0
DEADLINE_SECONDS = 8.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
UPGRADE_CHECK_SECONDS = 2.0

Main = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def serve(
    container: Container,
    main: Main,
    *,
    leader: bool = False,
    wait_for_upgrade: bool = False,
    checked_by_main: bool = False,
) -> int:
    """What a long-running command does: check the database, run `main(stop)` until SIGINT
    or SIGTERM sets `stop`, close the database. Returns the exit status.

    `leader` (`soko scheduler`, `soko run`): after the checks, take the scheduler lock
    before `main` runs, waiting as a standby while another process holds it; a process that
    loses it stops, exit status 1 (`bot.leadership`). `wait_for_upgrade` (`soko web`,
    `soko scheduler`): a database at an older revision is waited for (`soko db upgrade`)
    rather than refused. `checked_by_main` (`soko web`): `main` makes the checks itself
    (`check_in_thread`), so that it can answer /livez meanwhile."""
    lock: SchedulerLock | None = None
    try:
        # A signal before the event loop runs: any transaction rolls back, nothing is lost.
        with sigterm_interrupts():
            if not checked_by_main and not start(container, wait_for_upgrade=wait_for_upgrade):
                return 1
            if leader:
                lock = scheduler_lock(container.engine)
                if not take_lock(container, lock, container.stopping):
                    return 0
        run_until_stopped(
            main if lock is None else _guarded(container, main, lock), container.stopping
        )
    except KeyboardInterrupt:
        pass
    except TokenRefused as refused:  # a channel started after the check
        print(f"soko: {refused}", file=sys.stderr)
        return 1
    except NotStarted as refused:
        print(f"soko: {refused}", file=sys.stderr)
        return 1
    except LockLost:
        return 1
    finally:
        if lock is not None:
            lock.close()  # after everything stopped: the standby takes over from here
        container.close()
    return 0


class NotStarted(Exception):
    """A check at start refused (said in one line): the process stops, exit status 1."""


def _guarded(container: Container, main: Main, lock: SchedulerLock) -> Main:
    """`main`, stopped (exit status 1) when the lock is lost."""

    async def guarded(stop: asyncio.Event) -> None:
        async def holding() -> None:
            try:
                await hold(container, lock, stop)
            except LockLost:
                _exit_after(DEADLINE_SECONDS, status=1)
                raise

        await together(stop, main(stop), holding())

    return guarded


def start(container: Container, *, wait_for_upgrade: bool = False) -> bool:
    """What every long-running command (and `soko chat`) does before anything else: check
    the database, learn the bot's username from Telegram (when its token is set), then make
    ADMIN_PHONES true. False when the database cannot be used or Telegram refuses the token
    (said in one line on stderr)."""
    try:
        return check(container, container.stopping, wait_for_upgrade=wait_for_upgrade)
    except NotStarted as refused:
        print(f"soko: {refused}", file=sys.stderr)
        return False


def check(
    container: Container,
    stopping: threading.Event,
    *,
    wait_for_upgrade: bool = False,
    waiting: Callable[[str], None] = lambda reason: None,
) -> bool:
    """`start`'s checks; a refusal raises `NotStarted`. False when `stopping` was set while
    waiting for `soko db upgrade` (what it waits for is told to `waiting`)."""
    if not wait_for_database(
        container, stopping, wait_for_upgrade=wait_for_upgrade, waiting=waiting
    ):
        return False
    try:
        learn_bot_username(container)  # before any engine or page is built
    except TokenRefused as refused:
        raise NotStarted(str(refused)) from refused
    sync_owners(container)
    return True


async def check_in_thread(
    container: Container, *, waiting: Callable[[str], None] = lambda reason: None
) -> bool:
    """`check`, waiting for `soko db upgrade`, in a thread (for `main`, when `serve` was told
    `checked_by_main`); False when the process is stopping before it is done."""
    return await asyncio.to_thread(
        functools.partial(
            check, container, container.stopping, wait_for_upgrade=True, waiting=waiting
        )
    )


def wait_for_database(
    container: Container,
    stopping: threading.Event,
    *,
    wait_for_upgrade: bool = False,
    waiting: Callable[[str], None] = lambda reason: None,
) -> bool:
    """Check the database (`database_ready`'s rules, refusals raised as `NotStarted`); at an
    older revision and `wait_for_upgrade`, wait for `soko db upgrade` (said once, checked
    again every `UPGRADE_CHECK_SECONDS`) until it is done (True) or `stopping` (False)."""
    said = False
    while True:
        try:
            prepare_database(container.engine)
            return True
        except DatabaseBehind as behind:
            if not wait_for_upgrade:
                raise NotStarted(str(behind)) from behind
            if not said:
                reason = (
                    f"database at revision {behind.revision}, this version needs"
                    f" {behind.head}: waiting for `{UPGRADE_COMMAND}`"
                )
                logger.warning("%s", reason)
                waiting(reason)
                said = True
        except DatabaseNotReady as exc:
            raise NotStarted(str(exc)) from exc
        except SQLAlchemyError as exc:
            raise NotStarted(f"cannot open the database: {_reason(exc)}") from exc
        if stopping.wait(UPGRADE_CHECK_SECONDS):
            return False


def database_ready(container: Container, *, create: bool = True) -> bool:
    """Check the database before anything touches it, creating a missing or empty one when
    `create` (the serving commands; `soko admin …` refuses it: a wrong DATABASE_URL must not
    open a new, empty shop); when it cannot be used, say why in one line on stderr."""
    try:
        prepare_database(container.engine, create=create)
    except DatabaseNotReady as exc:
        print(f"soko: {exc}", file=sys.stderr)
        return False
    except SQLAlchemyError as exc:
        print(f"soko: cannot open the database: {_reason(exc)}", file=sys.stderr)
        return False
    return True


def _reason(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0]


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """While the block runs, SIGTERM does what Ctrl-C does (raises KeyboardInterrupt), for
    code outside an event loop: `soko chat`, and the database check of every command."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_until_stopped(main: Main, stopping: threading.Event) -> None:
    """Run `main(stop)` in a new event loop; SIGINT and SIGTERM set `stop`. `stopping` is
    set with it (whatever sets it: a signal, or a part of `main` that ended), for threads."""
    asyncio.run(_until_stopped(main, stopping))


async def _until_stopped(main: Main, stopping: threading.Event) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def tell_threads() -> None:
        await stop.wait()
        stopping.set()

    def signalled(signum: int) -> None:
        if not stop.is_set():
            logger.info("stopping (%s)", signal.Signals(signum).name)
            stop.set()
            _exit_after(DEADLINE_SECONDS)

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, signalled, signum)
    telling = asyncio.create_task(tell_threads())
    try:
        await main(stop)
    finally:
        stopping.set()
        telling.cancel()


def _exit_after(seconds: float, status: int = 0) -> None:
    def watchdog() -> None:
        threading.Event().wait(seconds)
        others = (threading.main_thread(), threading.current_thread())
        stuck = sorted(t.name for t in threading.enumerate() if t not in others)
        logger.warning("still stopping after %.0fs (threads: %s): exiting", seconds, stuck)
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(status)

    threading.Thread(target=watchdog, name="stop-deadline", daemon=True).start()


async def together(stop: asyncio.Event, *parts: Awaitable[None]) -> None:
    """Run the parts of a process until each has returned; when one returns or fails, `stop`
    is set so that the others follow. The first failure is raised."""

    async def part(awaitable: Awaitable[None]) -> None:
        try:
            await awaitable
        finally:
            stop.set()

    results = await asyncio.gather(*(part(p) for p in parts), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def sweep_left_over(sweep: Callable[[], int]) -> None:
    """At start, in a thread: handle what an earlier run recorded and did not handle. The
    engine's sweep takes every channel's updates, so the line it logs names none."""
    handled = await asyncio.to_thread(sweep)
    if handled:
        logger.info("inbox: %s update(s) from before the restart handled", handled)


class _Server(uvicorn.Server):
    """uvicorn's server without its own signal handling: `serve_http` stops it on `stop`."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_http(
    app: ASGIApp,
    stop: asyncio.Event,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    sock: socket.socket | None = None,
    log_level: str | None = None,
) -> None:
    """Serve `app` until `stop` is set; then wait for the requests in flight and their work
    after the answer. uvicorn would cancel them after a timeout: a task cancelled while it
    waits on a thread leaves the thread running on its own (into an interpreter shutting
    down) and logs an error. The work hands back instead (the container's `stopping`), and
    the process deadline bounds the wait."""
    # Access logs stay off: URLs can carry tokens; our own logs say what matters. uvicorn's
    # own handlers stay off too: its records go through the root's, whose filter redacts.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        log_level=log_level,
        timeout_graceful_shutdown=None,
    )
    server = _Server(config)

    async def stop_server() -> None:
        await stop.wait()
        server.should_exit = True

    stopping = asyncio.create_task(stop_server())
    try:
        await server.serve(sockets=[sock] if sock is not None else None)
    finally:
        stopping.cancel()
