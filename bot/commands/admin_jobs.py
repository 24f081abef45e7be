"""`soko admin jobs`: the scheduler's jobs, for the operator at the server.

    soko admin jobs              each job, its trigger and next run (Nairobi time and UTC)
    soko admin jobs run NAME     run one job now, once, in this process

`run` calls the very function the scheduler calls (`bot/jobs.py`), with the clock and the
settings it would have: it does what a scheduled run at this moment does, dedupe included
(a weekly message already written this week is not written again), and leaves the stored next
run alone. Messages it writes go out through the running `soko run` / `soko scheduler`, as a
scheduled run's do. `sweep_inbox` is not run by hand: it needs the channels' own passes, which
only those processes have (and they sweep every few seconds anyway).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.container import Container
from bot.jobs import scheduled_jobs
from bot.plugin import ChannelPasses
from bot.scheduler import stored_jobs

NOT_BY_HAND = frozenset({"sweep_inbox"})
UNKNOWN_JOB = 2  # the exit status when NAME is no job this deployment runs by hand


def register(actions: Any, run: Any) -> None:
    """`jobs` under `soko admin`; `run` wraps a command as `admin._run` does (the database
    checked, errors said in one line)."""
    parser: argparse.ArgumentParser = actions.add_parser(
        "jobs", help="the scheduler's jobs, triggers and next runs; `run NAME` runs one now"
    )
    parser.set_defaults(handler=lambda args: run(list_jobs, args))
    jobs = parser.add_subparsers(dest="jobs_action", metavar="run")
    once = jobs.add_parser("run", help="run one scheduled job now, once, in this process")
    once.add_argument("name", metavar="NAME", help="the job's id, as `soko admin jobs` lists it")
    once.set_defaults(handler=lambda args: run(run_job, args))


def list_jobs(container: Container, args: argparse.Namespace, out: TextIO) -> int:
    zone = ZoneInfo(container.settings.artisan_timezone)
    jobs = stored_jobs(container.engine, zone)
    if not jobs:
        print("no jobs scheduled yet: start `soko scheduler` (or `soko run`)", file=out)
        return 0
    print(f"{'job':<22} {'trigger':<46} next run ({zone.key} / UTC)", file=out)
    for job in jobs:
        if job.next_run is None:
            when = "paused"
        else:
            local = job.next_run.astimezone(zone).strftime("%a %Y-%m-%d %H:%M:%S")
            when = f"{local} / {job.next_run.strftime('%Y-%m-%d %H:%M:%S')} UTC"
        print(f"{job.id:<22} {job.trigger:<46} {when}", file=out)
    return 0


def run_job(container: Container, args: argparse.Namespace, out: TextIO) -> int:
    runnable = {
        job.id: job
        for job in scheduled_jobs(container, ChannelPasses())
        if job.id not in NOT_BY_HAND
    }
    job = runnable.get(args.name.strip())
    if job is None:
        why = (
            "runs only in `soko run` / `soko scheduler` (every few seconds)"
            if args.name.strip() in NOT_BY_HAND
            else "is no job here"
        )
        print(
            f"error: {args.name!r} {why}; jobs to run: {', '.join(sorted(runnable))}",
            file=sys.stderr,
        )
        return UNKNOWN_JOB
    job.run()
    print(f"ran {job.id} once: {job.description}", file=out)
    return 0
